package io.outpost.edge.mesh.lb;

import io.outpost.edge.mesh.table.Backend;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Chooses a backend for a new connection: round robin (the default), random, and Kubernetes'
 * ClientIP session affinity on top of either (a client keeps its backend while it stays ready and
 * the client came back within the timeout). Thread-safe; state per service port, kept in memory
 * only (affinity starts over after a restart, as kube-proxy's does).
 */
public final class Balancer {
    public static final String ROUND_ROBIN = "round-robin";
    public static final String RANDOM = "random";
    /** Affinity entries kept at most, so clients with ever new addresses cannot grow the map without bound. */
    static final int MAX_AFFINITY_ENTRIES = 65536;

    private final Clock clock;
    private final Map<String, AtomicInteger> next = new ConcurrentHashMap<>();
    private final Map<String, Sticky> affinity = new ConcurrentHashMap<>();

    private record Sticky(Backend backend, long lastUsedMillis) {
    }

    public Balancer(Clock clock) {
        this.clock = clock;
    }

    /**
     * @param key the service port, e.g. {@code ns/name:port/TCP}
     * @param policy {@link #ROUND_ROBIN} or {@link #RANDOM} (anything else is round robin)
     * @param backends the ready backends, in a stable order
     * @param clientIp the client's address, or null when there is no affinity
     * @param affinitySeconds how long an idle client keeps its backend
     * @return a backend, empty when there is none
     */
    public Optional<Backend> pick(String key, String policy, List<Backend> backends, String clientIp, int affinitySeconds) {
        if (backends.isEmpty()) {
            return Optional.empty();
        }
        long now = clock.millis();
        if (clientIp != null) {
            Sticky s = affinity.get(key + "|" + clientIp);
            if (s != null && now - s.lastUsedMillis() <= affinitySeconds * 1000L && backends.contains(s.backend())) {
                affinity.put(key + "|" + clientIp, new Sticky(s.backend(), now));
                return Optional.of(s.backend());
            }
        }
        Backend b;
        if (RANDOM.equals(policy)) {
            b = backends.get(ThreadLocalRandom.current().nextInt(backends.size()));
        } else {
            int i = next.computeIfAbsent(key, k -> new AtomicInteger()).getAndIncrement();
            b = backends.get(Math.floorMod(i, backends.size()));
        }
        if (clientIp != null) {
            if (affinity.size() >= MAX_AFFINITY_ENTRIES) {
                expire(now, affinitySeconds);
            }
            if (affinity.size() < MAX_AFFINITY_ENTRIES) {
                affinity.put(key + "|" + clientIp, new Sticky(b, now));
            }
        }
        return Optional.of(b);
    }

    /** Drops affinity entries idle longer than {@code maxIdleSeconds}. */
    public void expire(long nowMillis, int maxIdleSeconds) {
        affinity.values().removeIf(s -> nowMillis - s.lastUsedMillis() > maxIdleSeconds * 1000L);
    }

    int affinityEntries() {
        return affinity.size();
    }
}
