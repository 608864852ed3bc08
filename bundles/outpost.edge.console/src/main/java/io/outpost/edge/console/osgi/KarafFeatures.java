package io.outpost.edge.console.osgi;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.outpost.edge.console.api.ApiException;
import io.outpost.edge.console.api.Backends;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.function.Supplier;
import org.apache.karaf.features.BundleInfo;
import org.apache.karaf.features.Feature;
import org.apache.karaf.features.FeaturesService;

/**
 * Karaf's features through its FeaturesService. A feature counts as available offline when each
 * of its bundles is in the distribution's own {@code system/} repository; only those can be
 * installed here (the gateway has no remote Maven repository).
 */
final class KarafFeatures implements Backends.Features {
    /** The feature that holds the console itself: uninstalling it would end the session. */
    static final String OWN_FEATURE = "outpost-console";
    private final Supplier<FeaturesService> service;
    private final Path system;

    KarafFeatures(Supplier<FeaturesService> service, Path system) {
        this.service = service;
        this.system = system;
    }

    @Override
    public ArrayNode list() throws ApiException {
        FeaturesService fs = fs();
        ArrayNode a = JsonNodeFactory.instance.arrayNode();
        try {
            Feature[] all = fs.listFeatures();
            Arrays.sort(all, Comparator.comparing(Feature::getName).thenComparing(Feature::getVersion));
            for (Feature f : all) {
                if (f.isHidden()) {
                    continue;
                }
                a.addObject().put("name", f.getName()).put("version", f.getVersion())
                        .put("description", f.getDescription() == null ? "" : f.getDescription())
                        .put("installed", fs.isInstalled(f))
                        .put("offline", offline(f));
            }
        } catch (Exception e) {
            throw new ApiException(500, "cannot list features: " + e.getMessage());
        }
        return a;
    }

    @Override
    public void install(String name, String version) throws ApiException {
        FeaturesService fs = fs();
        Feature f = find(fs, name, version);
        if (fs.isInstalled(f)) {
            throw new ApiException(409, name + " " + f.getVersion() + " is already installed");
        }
        if (!offline(f)) {
            throw new ApiException(409, name + " needs bundles that are not in this distribution's repository (system/); this gateway installs offline only");
        }
        try {
            fs.installFeature(f.getName(), f.getVersion());
        } catch (Exception e) {
            throw new ApiException(409, "installing " + name + " failed: " + e.getMessage());
        }
    }

    @Override
    public void uninstall(String name, String version) throws ApiException {
        if (OWN_FEATURE.equals(name)) {
            throw new ApiException(409, "uninstalling " + OWN_FEATURE + " would end this session; use the Karaf shell (feature:uninstall)");
        }
        FeaturesService fs = fs();
        Feature f = find(fs, name, version);
        if (!fs.isInstalled(f)) {
            throw new ApiException(409, name + " is not installed");
        }
        try {
            fs.uninstallFeature(f.getName(), f.getVersion());
        } catch (Exception e) {
            throw new ApiException(409, "uninstalling " + name + " failed: " + e.getMessage());
        }
    }

    private FeaturesService fs() throws ApiException {
        FeaturesService fs = service.get();
        if (fs == null) {
            throw ApiException.unavailable("Karaf's features service", "is the 'feature' feature running?");
        }
        return fs;
    }

    private static Feature find(FeaturesService fs, String name, String version) throws ApiException {
        try {
            List<Feature> matches = Arrays.stream(fs.listFeatures()).filter(f -> f.getName().equals(name))
                    .filter(f -> version == null || version.isBlank() || f.getVersion().equals(version))
                    .sorted(Comparator.comparing(Feature::getVersion).reversed()).toList();
            if (matches.isEmpty()) {
                throw new ApiException(404, "no feature " + name + (version == null || version.isBlank() ? "" : " " + version) + " (GET /api/features lists them)");
            }
            return matches.get(0);
        } catch (ApiException e) {
            throw e;
        } catch (Exception e) {
            throw new ApiException(500, "cannot list features: " + e.getMessage());
        }
    }

    boolean offline(Feature f) {
        for (BundleInfo b : f.getBundles()) {
            String loc = b.getLocation();
            int i = loc.indexOf("mvn:");
            if (i < 0) {
                continue;
            }
            String[] p = loc.substring(i + 4).split("[/$?]");
            if (p.length < 3) {
                continue;
            }
            String type = p.length > 3 && !p[3].isEmpty() ? p[3] : "jar";
            String file = p[1] + "-" + p[2] + (p.length > 4 && !p[4].isEmpty() ? "-" + p[4] : "") + "." + type;
            if (!Files.isRegularFile(system.resolve(p[0].replace('.', '/')).resolve(p[1]).resolve(p[2]).resolve(file))) {
                return false;
            }
        }
        return true;
    }
}
