package io.outpost.edge.ota;

import java.net.URI;
import java.util.List;
import java.util.Optional;

/**
 * What an update needs of the container: Karaf's FeaturesService and the health of what it
 * installed ({@link KarafFeatures}). An interface so the update's state machine is tested
 * without a framework.
 */
interface Features {
    /** @return the installed version of a feature, if any (the highest when several are) */
    Optional<String> installedVersion(String name) throws Exception;

    /**
     * Adds the repositories and installs the feature at exactly this version, replacing other
     * versions of it in one resolution: when it fails nothing changed.
     */
    void install(List<URI> repositories, String name, String version) throws Exception;

    /**
     * Puts back the previous state: installs {@code previousVersion} (replacing {@code failedVersion}),
     * or uninstalls {@code failedVersion} when there was none (""). {@code repositories} are the
     * previous version's own repositories, added again first (after a crash the container may
     * not know them yet); empty for a version that came with the distribution.
     */
    void restore(String name, String previousVersion, String failedVersion, List<URI> repositories) throws Exception;

    /** @return why the installed feature is not healthy yet, or empty when it is */
    Optional<String> unhealthy(String name, String version) throws Exception;

    /**
     * Runs the feature's own health checks: Apache Felix Health Check services tagged with the
     * feature's name ({@code hc.tags}). Each check gets at most {@code timeout}.
     *
     * @return the verdict; {@link Checks#passed()} when the feature ships no check
     */
    Checks runChecks(String name, java.time.Duration timeout) throws InterruptedException;

    /** What the feature's own checks said. */
    record Checks(Verdict verdict, String message) {
        static Checks passed() {
            return new Checks(Verdict.PASSED, "");
        }
    }

    /** PASSED: all OK or WARN. RETRY: one is temporarily unavailable or timed out. FAILED: one is CRITICAL or threw. */
    enum Verdict {
        PASSED, RETRY, FAILED
    }

    /**
     * Forgets versions the agent pruned: removes their features repositories from the container
     * (their files are deleted next, and a repository whose file is gone must not stay known).
     */
    void forget(List<URI> repositories) throws Exception;
}
