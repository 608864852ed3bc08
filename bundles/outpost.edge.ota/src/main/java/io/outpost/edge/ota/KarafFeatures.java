package io.outpost.edge.ota;

import java.net.URI;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import org.apache.karaf.features.BundleInfo;
import org.apache.karaf.features.Feature;
import org.apache.karaf.features.FeaturesService;
import org.apache.karaf.features.FeaturesService.Option;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;

/**
 * {@link Features} on Karaf: installs through FeaturesService (one resolution per change, with
 * {@code Upgrade} so the other versions of the feature go in the same step), and judges health
 * by the feature's bundles (all Active, fragments Resolved) and their DS components (none with
 * an unsatisfied reference or a failed activation), then by the feature's own Felix health
 * checks ({@link FeatureChecks}).
 */
final class KarafFeatures implements Features {
    private final FeaturesService features;
    private final BundleContext context;
    private final ServiceComponentRuntime scr;
    private final FeatureChecks checks;

    KarafFeatures(FeaturesService features, BundleContext context, ServiceComponentRuntime scr) {
        this.features = features;
        this.context = context;
        this.scr = scr;
        this.checks = new FeatureChecks(context);
    }

    @Override
    public Optional<String> installedVersion(String name) throws Exception {
        String best = null;
        for (Feature f : features.listInstalledFeatures()) {
            if (f.getName().equals(name) && (best == null || new org.osgi.framework.Version(f.getVersion()).compareTo(new org.osgi.framework.Version(best)) > 0)) {
                best = f.getVersion();
            }
        }
        return Optional.ofNullable(best);
    }

    @Override
    public void install(List<URI> repositories, String name, String version) throws Exception {
        for (URI r : repositories) {
            features.addRepository(r, false);
        }
        if (features.getFeature(name, version) == null) {
            throw new IllegalStateException("no feature " + name + " " + version + " in the added repositories");
        }
        features.installFeature(name, version, EnumSet.of(Option.Upgrade, Option.NoAutoRefreshUnmanagedBundles));
    }

    @Override
    public void restore(String name, String previousVersion, String failedVersion, List<URI> repositories) throws Exception {
        for (URI r : repositories) {
            if (features.getRepository(r) == null) {
                features.addRepository(r, false);
            }
        }
        if (previousVersion.isEmpty()) {
            if (isInstalled(name, failedVersion)) {
                features.uninstallFeature(name, failedVersion);
            }
        } else {
            features.installFeature(name, previousVersion, EnumSet.of(Option.Upgrade, Option.NoAutoRefreshUnmanagedBundles));
        }
    }

    @Override
    public Checks runChecks(String name, java.time.Duration timeout) throws InterruptedException {
        return checks.run(name, timeout);
    }

    @Override
    public void forget(List<URI> repositories) throws Exception {
        for (URI r : repositories) {
            if (features.getRepository(r) != null) {
                features.removeRepository(r, false);
            }
        }
    }

    private boolean isInstalled(String name, String version) throws Exception {
        Feature f = features.getFeature(name, version);
        return f != null && features.isInstalled(f);
    }

    @Override
    public Optional<String> unhealthy(String name, String version) throws Exception {
        Feature f = features.getFeature(name, version);
        if (f == null || !features.isInstalled(f)) {
            return Optional.of("feature " + name + " " + version + " is not installed");
        }
        List<Bundle> bundles = new ArrayList<>();
        for (BundleInfo bi : f.getBundles()) {
            Bundle b = context.getBundle(bi.getLocation());
            if (b == null) {
                return Optional.of("bundle " + bi.getLocation() + " is not installed");
            }
            boolean fragment = b.getHeaders().get(Constants.FRAGMENT_HOST) != null;
            if (fragment ? b.getState() != Bundle.RESOLVED && b.getState() != Bundle.ACTIVE : b.getState() != Bundle.ACTIVE) {
                return Optional.of("bundle " + b.getSymbolicName() + " " + b.getVersion() + " is " + state(b.getState()) + ", not Active");
            }
            bundles.add(b);
        }
        if (scr != null && !bundles.isEmpty()) {
            for (ComponentDescriptionDTO d : scr.getComponentDescriptionDTOs(bundles.toArray(new Bundle[0]))) {
                if (!scr.isComponentEnabled(d)) {
                    continue;
                }
                for (ComponentConfigurationDTO c : scr.getComponentConfigurationDTOs(d)) {
                    if (c.state == ComponentConfigurationDTO.UNSATISFIED_REFERENCE) {
                        String refs = c.unsatisfiedReferences == null ? "" : String.join(", ",
                                java.util.Arrays.stream(c.unsatisfiedReferences).map(r -> r.name + " (" + r.target + ")").toList());
                        return Optional.of("component " + d.name + " has unsatisfied references: " + refs);
                    }
                    if (c.state == ComponentConfigurationDTO.FAILED_ACTIVATION) {
                        return Optional.of("component " + d.name + " failed to activate: " + c.failure);
                    }
                }
            }
        }
        return Optional.empty();
    }

    private static String state(int s) {
        return switch (s) {
            case Bundle.INSTALLED -> "Installed (not resolved)";
            case Bundle.RESOLVED -> "Resolved";
            case Bundle.STARTING -> "Starting";
            case Bundle.STOPPING -> "Stopping";
            case Bundle.UNINSTALLED -> "Uninstalled";
            default -> "in state " + s;
        };
    }
}
