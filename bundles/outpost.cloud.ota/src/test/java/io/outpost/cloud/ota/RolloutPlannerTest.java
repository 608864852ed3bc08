package io.outpost.cloud.ota;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.outpost.cloud.ota.RolloutPlanner.Gateway;
import io.outpost.cloud.ota.RolloutPlanner.Plan;
import io.outpost.cloud.ota.RolloutPlanner.Strategy;
import io.outpost.ota.api.Phase;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RolloutPlannerTest {
    private static List<Gateway> fleet(int n) {
        List<Gateway> g = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            g.add(new Gateway(String.format("gw-%02d", i), Phase.Pending, false));
        }
        return g;
    }

    /** Applies a plan: started gateways become sent. */
    private static void apply(List<Gateway> g, Plan p) {
        g.replaceAll(x -> p.start().contains(x.name()) ? new Gateway(x.name(), Phase.Pending, true) : x);
    }

    private static void set(List<Gateway> g, Map<String, Phase> phases) {
        g.replaceAll(x -> phases.containsKey(x.name()) ? new Gateway(x.name(), phases.get(x.name()), true) : x);
    }

    @Test
    void theCanaryGoesAloneFirst() {
        List<Gateway> g = fleet(5);
        Plan p = RolloutPlanner.plan(g, new Strategy(1, 3, 0, false));
        assertEquals(List.of("gw-00"), p.start());
        assertEquals("Canary", p.reason());
        apply(g, p);
        set(g, Map.of("gw-00", Phase.Installing));
        assertEquals(List.of(), RolloutPlanner.plan(g, new Strategy(1, 3, 0, false)).start(), "nothing else while the canary runs");
        set(g, Map.of("gw-00", Phase.Succeeded));
        assertEquals(List.of("gw-01", "gw-02", "gw-03"), RolloutPlanner.plan(g, new Strategy(1, 3, 0, false)).start());
    }

    @Test
    void aFailedCanaryHaltsBeforeTheRest() {
        List<Gateway> g = fleet(4);
        apply(g, RolloutPlanner.plan(g, new Strategy(1, 2, 5, false)));
        set(g, Map.of("gw-00", Phase.RolledBack));
        Plan p = RolloutPlanner.plan(g, new Strategy(1, 2, 5, false));
        assertEquals(RolloutPlanner.HALTED, p.phase());
        assertEquals("CanaryFailed", p.reason());
        assertTrue(p.start().isEmpty());
        assertEquals(3, p.counts().pending());
    }

    @Test
    void batchesSlideAndTheThresholdHalts() {
        List<Gateway> g = fleet(6);
        Strategy s = new Strategy(0, 2, 1, false);
        Plan p = RolloutPlanner.plan(g, s);
        assertEquals(List.of("gw-00", "gw-01"), p.start());
        apply(g, p);
        set(g, Map.of("gw-00", Phase.Failed));
        p = RolloutPlanner.plan(g, s);
        assertEquals(List.of("gw-02"), p.start(), "one failure is within the threshold; one slot free");
        apply(g, p);
        set(g, Map.of("gw-01", Phase.RolledBack));
        p = RolloutPlanner.plan(g, s);
        assertEquals(RolloutPlanner.HALTED, p.phase());
        assertEquals("FailureThreshold", p.reason());
        assertTrue(p.start().isEmpty());
    }

    @Test
    void pausedStartsNothingAndResumes() {
        List<Gateway> g = fleet(3);
        Plan p = RolloutPlanner.plan(g, new Strategy(0, 2, 0, true));
        assertEquals(RolloutPlanner.PAUSED, p.phase());
        assertTrue(p.start().isEmpty());
        assertEquals(2, RolloutPlanner.plan(g, new Strategy(0, 2, 0, false)).start().size());
    }

    @Test
    void allTerminalEndsTheRollout() {
        List<Gateway> g = fleet(2);
        set(g, Map.of("gw-00", Phase.Succeeded, "gw-01", Phase.Succeeded));
        Plan p = RolloutPlanner.plan(g, new Strategy(1, 1, 0, false));
        assertEquals(RolloutPlanner.SUCCEEDED, p.phase());
        assertEquals(2, p.counts().succeeded());
        set(g, Map.of("gw-01", Phase.Failed));
        assertEquals(RolloutPlanner.HALTED, RolloutPlanner.plan(g, new Strategy(1, 1, 0, false)).phase());
        assertEquals(RolloutPlanner.COMPLETED, RolloutPlanner.plan(g, new Strategy(1, 1, 1, false)).phase());
    }

    @Test
    void aHundredGatewaysInBatchesOfTen() {
        List<Gateway> g = fleet(100);
        Strategy s = new Strategy(1, 10, 0, false);
        int rounds = 0;
        while (true) {
            Plan p = RolloutPlanner.plan(g, s);
            if (p.phase().equals(RolloutPlanner.SUCCEEDED)) {
                break;
            }
            assertTrue(p.start().size() <= 10);
            apply(g, p);
            g.replaceAll(x -> x.sent() ? new Gateway(x.name(), Phase.Succeeded, true) : x);
            rounds++;
        }
        assertEquals(11, rounds, "one canary round, then ten batches of ten (the canary's slot is refilled)");
    }

    @Test
    void anEmptyTargetListSucceedsAtOnce() {
        assertEquals(RolloutPlanner.SUCCEEDED, RolloutPlanner.plan(List.of(), new Strategy(1, 1, 0, false)).phase());
    }
}
