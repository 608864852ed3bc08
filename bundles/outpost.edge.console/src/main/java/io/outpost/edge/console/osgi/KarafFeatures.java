package io.outpost.edge.console.osgi;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.outpost.edge.console.api.ApiException;
import io.outpost.edge.console.api.Backends;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.apache.karaf.features.BundleInfo;
import org.apache.karaf.features.Feature;
import org.apache.karaf.features.FeaturesService;
import org.apache.karaf.features.FeaturesService.Option;
import org.osgi.framework.Version;

/**
 * Karaf's features through its FeaturesService. A feature counts as available offline when each
 * of its bundles is in the distribution's own {@code system/} repository; only those can be
 * installed here (the gateway has no remote Maven repository). Bundles of repositories the OTA
 * agent added carry {@code file:} locations of its unpacked archives; those are on the gateway too.
 * An installed feature can be updated to a newer version that is available offline.
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
            Arrays.sort(all, Comparator.comparing(Feature::getName).thenComparing(f -> version(f.getVersion())));
            for (Feature f : all) {
                if (f.isHidden()) {
                    continue;
                }
                boolean installed = fs.isInstalled(f);
                var o = a.addObject().put("name", f.getName()).put("version", f.getVersion())
                        .put("description", f.getDescription() == null ? "" : f.getDescription())
                        .put("installed", installed)
                        .put("offline", offline(f));
                if (installed) {
                    newer(f.getVersion(), updateCandidates(fs, all, f.getName())).ifPresent(v -> o.put("update", v));
                }
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

    @Override
    public String update(String name, String version) throws ApiException {
        FeaturesService fs = fs();
        Feature[] all;
        try {
            all = fs.listFeatures();
        } catch (Exception e) {
            throw new ApiException(500, "cannot list features: " + e.getMessage());
        }
        List<String> installed = installedVersions(fs, all, name);
        if (Arrays.stream(all).noneMatch(f -> f.getName().equals(name))) {
            throw new ApiException(404, "no feature " + name + " (GET /api/features lists them)");
        }
        if (installed.isEmpty()) {
            throw new ApiException(409, name + " is not installed; install it instead of updating it");
        }
        String current = installed.get(installed.size() - 1);
        String target;
        if (version == null || version.isBlank()) {
            target = newer(current, updateCandidates(fs, all, name)).orElseThrow(() -> new ApiException(409,
                    "no version of " + name + " newer than " + current + " in this gateway's repositories (system/ and those OTA added)"));
        } else {
            Feature f = find(fs, name, version);
            if (version(f.getVersion()).compareTo(version(current)) <= 0) {
                throw new ApiException(409, name + " " + f.getVersion() + " is not newer than the installed " + current);
            }
            if (!offline(f)) {
                throw new ApiException(409, name + " " + f.getVersion() + " needs bundles that are not in this gateway's repositories; it installs offline only");
            }
            target = f.getVersion();
        }
        try {
            // Upgrade: Karaf resolves the new version in place of the old one in one step; when it
            // refuses (unresolvable), nothing has changed
            fs.installFeature(name, target, EnumSet.of(Option.Upgrade, Option.NoAutoRefreshUnmanagedBundles));
        } catch (Exception e) {
            List<String> now;
            try {
                now = installedVersions(fs, fs.listFeatures(), name);
            } catch (Exception again) {
                now = List.of();
            }
            throw new ApiException(409, "updating " + name + " from " + current + " to " + target + " failed: " + e.getMessage()
                    + (now.isEmpty() ? "; " + name + " is not installed now" : "; installed now: " + name + " " + String.join(", ", now)));
        }
        return target;
    }

    /**
     * The version an installed feature is updated to: the highest one above the installed version.
     * Versions that are not OSGi versions are ignored (Karaf would not install them either).
     *
     * @param installed the installed version
     * @param available versions in the repositories, in any order, possibly with the installed one
     */
    static Optional<String> newer(String installed, Collection<String> available) {
        Version base = version(installed);
        String best = null;
        for (String v : available) {
            Version c;
            try {
                c = Version.parseVersion(v);
            } catch (IllegalArgumentException e) {
                continue;
            }
            if (c.compareTo(base) > 0 && (best == null || c.compareTo(Version.parseVersion(best)) > 0)) {
                best = v;
            }
        }
        return Optional.ofNullable(best);
    }

    /** A version for ordering; one that does not parse sorts lowest. */
    private static Version version(String v) {
        try {
            return Version.parseVersion(v);
        } catch (IllegalArgumentException e) {
            return Version.emptyVersion;
        }
    }

    /** Versions of the feature that could replace the installed one: not installed themselves, available offline. */
    private List<String> updateCandidates(FeaturesService fs, Feature[] all, String name) {
        List<String> v = new ArrayList<>();
        for (Feature f : all) {
            if (f.getName().equals(name) && !fs.isInstalled(f) && offline(f)) {
                v.add(f.getVersion());
            }
        }
        return v;
    }

    /** @return installed versions of the feature, lowest first */
    private static List<String> installedVersions(FeaturesService fs, Feature[] all, String name) {
        return Arrays.stream(all).filter(f -> f.getName().equals(name) && fs.isInstalled(f)).map(Feature::getVersion)
                .sorted(Comparator.comparing(KarafFeatures::version)).toList();
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
                    .sorted(Comparator.comparing((Feature f) -> version(f.getVersion())).reversed()).toList();
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
            if (loc.startsWith("file:")) {
                // the OTA agent's unpacked archives
                try {
                    if (!Files.isRegularFile(Path.of(java.net.URI.create(loc)))) {
                        return false;
                    }
                } catch (IllegalArgumentException e) {
                    return false;
                }
                continue;
            }
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
