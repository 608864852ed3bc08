package io.outpost.edge.ota;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.apache.felix.framework.Felix;
import org.apache.felix.hc.api.FormattingResultLog;
import org.apache.felix.hc.api.HealthCheck;
import org.apache.felix.hc.api.Result;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;

/**
 * A feature's own health checks as the agent finds and runs them: real Felix Health Check
 * services in a real OSGi framework (Felix, as in Karaf), selected by {@code hc.tags}, with the
 * verdicts and the timeout the agent acts on.
 */
class FeatureChecksIT {
    @TempDir
    Path cache;
    Felix felix;
    BundleContext ctx;
    final CountDownLatch never = new CountDownLatch(1);

    @BeforeEach
    void startFramework() throws Exception {
        felix = new Felix(Map.of(Constants.FRAMEWORK_STORAGE, cache.toString(), Constants.FRAMEWORK_STORAGE_CLEAN, Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT,
                // the checks below are classpath classes: the framework shares the API package with them
                Constants.FRAMEWORK_SYSTEMPACKAGES_EXTRA, "org.apache.felix.hc.api;version=2.0.0"));
        felix.start();
        ctx = felix.getBundleContext();
    }

    @AfterEach
    void stopFramework() throws Exception {
        never.countDown();
        felix.stop();
        felix.waitForStop(10_000);
    }

    private void register(String name, String tags, HealthCheck check) {
        Dictionary<String, Object> p = new Hashtable<>();
        p.put(HealthCheck.NAME, name);
        p.put(HealthCheck.TAGS, tags.contains(",") ? tags.split(",") : tags);
        ctx.registerService(HealthCheck.class, check, p);
    }

    private Features.Checks run(String feature) throws InterruptedException {
        return new FeatureChecks(ctx).run(feature, Duration.ofMillis(500));
    }

    @Test
    void onlyTheChecksTaggedWithTheFeatureRunAndACriticalOneFailsWithItsMessage() throws Exception {
        assertEquals(Features.Verdict.PASSED, run("ota-hello").verdict(), "a feature without checks passes");
        register("greets", "ota-hello", () -> new Result(Result.Status.OK, "fine"));
        register("other feature's", "other", () -> new Result(Result.Status.CRITICAL, "not ours"));
        register("warns", "mapper,ota-hello", () -> new Result(Result.Status.WARN, "slow but working"));
        assertEquals(Features.Verdict.PASSED, run("ota-hello").verdict(), "OK and WARN pass; another feature's check is not run");

        register("db", "ota-hello", () -> {
            FormattingResultLog log = new FormattingResultLog();
            log.info("connected");
            log.critical("table {} is empty", "greetings");
            return new Result(log);
        });
        Features.Checks c = run("ota-hello");
        assertEquals(Features.Verdict.FAILED, c.verdict());
        assertEquals("health check 'db' is CRITICAL: table greetings is empty", c.message());
    }

    @Test
    void unavailableOrSilentChecksAreAskedAgainAndAThrowingOneFails() throws Exception {
        register("warming", "ota-hello", () -> new Result(Result.Status.TEMPORARILY_UNAVAILABLE, "cache warming up"));
        Features.Checks c = run("ota-hello");
        assertEquals(Features.Verdict.RETRY, c.verdict());
        assertTrue(c.message().contains("'warming' is temporarily unavailable: cache warming up"), c.message());

        register("hangs", "hangs", () -> {
            try {
                never.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return new Result(Result.Status.OK, "late");
        });
        long t = System.nanoTime();
        c = run("hangs");
        assertEquals(Features.Verdict.RETRY, c.verdict());
        assertTrue(c.message().contains("'hangs' did not answer in 500 ms"), c.message());
        assertTrue(System.nanoTime() - t < Duration.ofSeconds(3).toNanos(), "a hanging check costs its timeout only");

        register("throws", "throws", () -> {
            throw new IllegalStateException("no database");
        });
        c = run("throws");
        assertEquals(Features.Verdict.FAILED, c.verdict());
        assertTrue(c.message().contains("'throws' threw java.lang.IllegalStateException: no database"), c.message());
    }
}
