package io.outpost.edge.mesh.lb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.outpost.edge.mesh.table.Backend;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class BalancerTest {
    private final Backend a = new Backend("10.88.64.2", 80, "gw-a");
    private final Backend b = new Backend("10.88.64.3", 80, "gw-b");
    private final Backend c = new Backend("10.88.64.4", 80, "gw-b");

    private static final class MutableClock extends Clock {
        long millis = 1_000_000;

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis);
        }
    }

    @Test
    void roundRobinVisitsEveryBackendInTurn() {
        Balancer lb = new Balancer(Clock.systemUTC());
        List<Backend> all = List.of(a, b, c);
        List<Backend> picks = new java.util.ArrayList<>();
        for (int i = 0; i < 6; i++) {
            picks.add(lb.pick("ns/web:80/TCP", Balancer.ROUND_ROBIN, all, null, 0).orElseThrow());
        }
        assertEquals(List.of(a, b, c, a, b, c), picks);
    }

    @Test
    void randomUsesOnlyReadyBackendsAndAllOfThem() {
        Balancer lb = new Balancer(Clock.systemUTC());
        Set<Backend> seen = new HashSet<>();
        for (int i = 0; i < 300; i++) {
            Backend p = lb.pick("k", Balancer.RANDOM, List.of(a, c), null, 0).orElseThrow();
            assertNotEquals(b, p);
            seen.add(p);
        }
        assertEquals(Set.of(a, c), seen);
    }

    @Test
    void noBackendsIsEmpty() {
        assertTrue(new Balancer(Clock.systemUTC()).pick("k", Balancer.ROUND_ROBIN, List.of(), "10.0.0.1", 10).isEmpty());
    }

    @Test
    void clientIpAffinityKeepsABackendUntilItGoesOrTheTimeoutPasses() {
        MutableClock clock = new MutableClock();
        Balancer lb = new Balancer(clock);
        List<Backend> all = List.of(a, b, c);
        Backend first = lb.pick("k", Balancer.ROUND_ROBIN, all, "10.88.64.9", 60).orElseThrow();
        for (int i = 0; i < 10; i++) {
            clock.millis += 30_000; // used every 30 s: stays
            assertEquals(first, lb.pick("k", Balancer.ROUND_ROBIN, all, "10.88.64.9", 60).orElseThrow());
        }
        Backend other = lb.pick("k", Balancer.ROUND_ROBIN, all, "10.88.64.10", 60).orElseThrow();
        assertNotEquals(first, other);

        List<Backend> without = all.stream().filter(x -> !x.equals(first)).toList();
        Backend moved = lb.pick("k", Balancer.ROUND_ROBIN, without, "10.88.64.9", 60).orElseThrow();
        assertNotEquals(first, moved);
        assertEquals(moved, lb.pick("k", Balancer.ROUND_ROBIN, all, "10.88.64.9", 60).orElseThrow(), "sticks to the new one");

        clock.millis += 61_000;
        lb.expire(clock.millis(), 60);
        assertEquals(0, lb.affinityEntries());
    }
}
