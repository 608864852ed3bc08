package io.outpost.edge.pod;

import com.fasterxml.jackson.databind.JsonNode;
import io.outpost.runtime.api.ContainerRuntime;
import io.outpost.runtime.api.ContainerStatus;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Liveness, readiness and startup probes of running containers, with the kubelet's rules: a
 * startup probe holds the others back until it passed; liveness starts as passed and readiness as
 * failed; {@code successThreshold} passes in a row flip a probe to passed, {@code
 * failureThreshold} failures to failed; a failed liveness or startup probe kills the container
 * (its restart then follows restartPolicy, with back-off). Each probe runs as a task on the pod
 * manager's work executor, so a slow probe holds nothing else; results are read by the reconcile
 * pass. Thread-safe. No OSGi.
 */
final class Probes {
    private static final Logger LOG = LoggerFactory.getLogger(Probes.class);

    private static final class State {
        int successes;
        int failures;
        boolean result;
        Instant lastRun;
        boolean inFlight;
        String message = "";

        State(boolean initial) {
            result = initial;
        }
    }

    private final ContainerRuntime runtime;
    private final Clock clock;
    private final Executor work;
    private final Runnable changed;
    private final PodEvents events;
    /** By container id + "/" + kind. */
    private final Map<String, State> states = new HashMap<>();
    /** Why a container was killed, by container id. */
    private final Map<String, String> killed = new HashMap<>();
    private final Set<String> killing = new HashSet<>();
    private final Map<String, String> podOf = new HashMap<>();

    Probes(ContainerRuntime runtime, Clock clock, Executor work, Runnable changed, PodEvents events) {
        this.events = events;
        this.runtime = runtime;
        this.clock = clock;
        this.work = work;
        this.changed = changed;
    }

    /** Starts the probes of a running container that are due. */
    synchronized void probe(JsonNode pod, JsonNode c, ContainerStatus running, String host) {
        String id = running.id();
        podOf.put(id, PodSpecs.uid(pod));
        if (killing.contains(id)) {
            return;
        }
        if (c.has("startupProbe") && !state(id, "startup", false).result) {
            due(pod, c, running, host, "startup");
            return;
        }
        if (c.has("livenessProbe")) {
            due(pod, c, running, host, "liveness");
        }
        if (c.has("readinessProbe")) {
            due(pod, c, running, host, "readiness");
        }
    }

    private State state(String id, String kind, boolean initial) {
        return states.computeIfAbsent(id + "/" + kind, k -> new State(initial));
    }

    private void due(JsonNode pod, JsonNode c, ContainerStatus running, String host, String kind) {
        JsonNode probe = c.path(kind + "Probe");
        Prober.Timing t = Prober.Timing.of(probe);
        State s = state(running.id(), kind, "liveness".equals(kind));
        Instant now = clock.instant();
        Instant started = running.startedAt() == null ? now : running.startedAt();
        if (s.inFlight || s.lastRun == null && now.isBefore(started.plusSeconds(t.initialDelaySeconds()))
                || s.lastRun != null && now.isBefore(s.lastRun.plusSeconds(t.periodSeconds()))) {
            return;
        }
        s.inFlight = true;
        s.lastRun = now;
        work.execute(() -> {
            Prober.Result r = Prober.run(probe, c, running.id(), host, runtime);
            boolean flipped;
            boolean kill;
            synchronized (this) {
                s.inFlight = false;
                boolean before = s.result;
                if (r.success()) {
                    s.failures = 0;
                    if (++s.successes >= t.successThreshold()) {
                        s.result = true;
                    }
                } else {
                    s.successes = 0;
                    s.message = r.message();
                    if (++s.failures >= t.failureThreshold()) {
                        s.result = false;
                    }
                }
                flipped = before != s.result;
                kill = !"readiness".equals(kind) && !r.success() && s.failures >= t.failureThreshold()
                        && !killing.contains(running.id()) && states.containsKey(running.id() + "/" + kind);
                if (kill) {
                    killing.add(running.id());
                    killed.put(running.id(), (kind.equals("liveness") ? "Liveness" : "Startup") + " probe failed: " + r.message());
                }
            }
            String label = Character.toUpperCase(kind.charAt(0)) + kind.substring(1);
            if (!r.success()) {
                events.record(pod, c.path("name").asText(), true, "Unhealthy", label + " probe failed: " + r.message());
                LOG.info("pod {}: {} probe of container {} failed ({}/{}): {}", PodSpecs.key(pod), kind, c.path("name").asText(),
                        Math.min(s.failures, t.failureThreshold()), t.failureThreshold(), r.message());
            }
            if (kill) {
                LOG.info("pod {}: container {} failed its {} probe, will be restarted", PodSpecs.key(pod), c.path("name").asText(), kind);
                events.record(pod, c.path("name").asText(), false, "Killing", "Container " + c.path("name").asText() + " failed " + kind
                        + " probe, will be restarted");
                long grace = probe.has("terminationGracePeriodSeconds") ? probe.path("terminationGracePeriodSeconds").asLong()
                        : pod.path("spec").path("terminationGracePeriodSeconds").asLong(PodManager.DEFAULT_GRACE_SECONDS);
                try {
                    runtime.stopContainer(running.id(), Duration.ofSeconds(Math.max(0, grace)));
                } catch (RuntimeException e) {
                    LOG.warn("pod {}: stopping container {} failed: {}", PodSpecs.key(pod), c.path("name").asText(), e.getMessage());
                    synchronized (this) {
                        killing.remove(running.id());
                    }
                }
            }
            if (flipped || kill) {
                changed.run();
            }
        });
    }

    /** @return the container passed its startup probe, or has none */
    synchronized boolean started(String id, JsonNode c) {
        return !c.has("startupProbe") || state(id, "startup", false).result;
    }

    /** @return the container passed its readiness probe, or has none; a container being killed is not ready */
    synchronized boolean ready(String id, JsonNode c) {
        return !killing.contains(id) && (!c.has("readinessProbe") || state(id, "readiness", false).result);
    }

    /** @return why a probe killed the container, or null */
    synchronized String killedFor(String id) {
        return killed.get(id);
    }

    synchronized void forget(String id) {
        states.keySet().removeIf(k -> k.startsWith(id + "/"));
        killed.remove(id);
        killing.remove(id);
        podOf.remove(id);
    }

    synchronized void forgetPod(String uid) {
        Set<String> ids = new HashSet<>();
        podOf.forEach((id, u) -> {
            if (u.equals(uid)) {
                ids.add(id);
            }
        });
        ids.forEach(this::forget);
    }
}
