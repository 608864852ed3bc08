package io.outpost.edge.ota;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.felix.hc.api.HealthCheck;
import org.apache.felix.hc.api.Result;
import org.apache.felix.hc.api.ResultLog;
import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;

/**
 * A feature's own health checks: the Apache Felix Health Check services ({@link HealthCheck})
 * whose {@code hc.tags} name the feature. Only the Felix HC API is used, not its executor bundle
 * (that one imports the HTTP service packages; see ADR 0019), so checks written for Felix's
 * executor run here unchanged and show up there too wherever it is installed.
 *
 * <p>OK and WARN pass; TEMPORARILY_UNAVAILABLE (and a check that does not answer in time) is
 * asked again until the agent's health timeout; CRITICAL, HEALTH_CHECK_ERROR or an exception
 * fails the update at once with the check's own message.
 */
final class FeatureChecks {
    private final BundleContext context;

    FeatureChecks(BundleContext context) {
        this.context = context;
    }

    Features.Checks run(String feature, Duration timeout) throws InterruptedException {
        Collection<ServiceReference<HealthCheck>> refs;
        try {
            // Feature names are checked against ArtifactNames' alphabet, which has no LDAP specials.
            refs = context.getServiceReferences(HealthCheck.class, "(" + HealthCheck.TAGS + "=" + feature + ")");
        } catch (InvalidSyntaxException e) {
            return new Features.Checks(Features.Verdict.FAILED, "feature name " + feature + " cannot select health checks: " + e.getMessage());
        }
        List<String> waiting = new ArrayList<>();
        for (ServiceReference<HealthCheck> ref : refs) {
            String name = String.valueOf(ref.getProperty(HealthCheck.NAME) == null ? "service " + ref.getProperty("service.id") : ref.getProperty(HealthCheck.NAME));
            HealthCheck check = context.getService(ref);
            if (check == null) {
                waiting.add("health check '" + name + "' is not available yet");
                continue;
            }
            try {
                // On the JVM's shared pool, so a check that hangs costs the update only its timeout.
                Result r = CompletableFuture.supplyAsync(check::execute).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
                if (r == null) {
                    return new Features.Checks(Features.Verdict.FAILED, "health check '" + name + "' returned no result");
                }
                switch (r.getStatus()) {
                    case OK, WARN -> {
                    }
                    case TEMPORARILY_UNAVAILABLE -> waiting.add("health check '" + name + "' is temporarily unavailable: " + message(r));
                    default -> {
                        return new Features.Checks(Features.Verdict.FAILED, "health check '" + name + "' is " + r.getStatus() + ": " + message(r));
                    }
                }
            } catch (TimeoutException e) {
                waiting.add("health check '" + name + "' did not answer in " + timeout.toMillis() + " ms");
            } catch (ExecutionException e) {
                Throwable c = e.getCause() == null ? e : e.getCause();
                return new Features.Checks(Features.Verdict.FAILED, "health check '" + name + "' threw " + c);
            } finally {
                context.ungetService(ref);
            }
        }
        return waiting.isEmpty() ? Features.Checks.passed() : new Features.Checks(Features.Verdict.RETRY, String.join("; ", waiting));
    }

    /** The worst entries' messages: what the check itself says is wrong. */
    static String message(Result r) {
        List<String> worst = new ArrayList<>();
        for (ResultLog.Entry e : r) {
            if (e.getStatus() == r.getStatus() && e.getMessage() != null && !e.getMessage().isBlank()) {
                worst.add(e.getMessage());
            }
        }
        String m = worst.isEmpty() ? r.toString() : String.join("; ", worst);
        return m.length() > 300 ? m.substring(0, 300) + "…" : m;
    }
}
