package io.outpost.cloud.ota;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.outpost.ota.api.Phase;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The one-line status summary {@code kubectl get gwro -w} shows in its GATEWAYS column. */
class RolloutSummaryTest {
    private static RolloutController.Gw gw(Phase p, boolean sent, String reason) {
        return new RolloutController.Gw(p, reason, sent, "", "2026-01-01T00:00:00Z", Map.of());
    }

    @Test
    void namesGatewaysInProgressWithTheirPhaseAndFailedOnesWithTheirReason() {
        Map<String, RolloutController.Gw> g = new LinkedHashMap<>();
        g.put("gw-1", gw(Phase.Succeeded, true, "installed"));
        g.put("gw-2", gw(Phase.Downloading, true, ""));
        g.put("gw-3", gw(Phase.Pending, true, "sent to the gateway"));
        g.put("gw-4", gw(Phase.Pending, false, "waiting for its turn"));
        g.put("gw-5", gw(Phase.RolledBack, true, "ota-hello 1.9.0: health check 'ota-hello greets' is CRITICAL: greeting table is empty; previous versions restored"));
        assertEquals("1/5 done; gw-2 Downloading, gw-3 Pending; gw-5 RolledBack (ota-hello 1.9.0: health check 'ota-hello greets' is CRITICAL...)",
                RolloutController.summary(g));
    }

    @Test
    void statusTextIsPrintableAscii() {
        assertEquals("cut\u2026 caf\u00e9 ?line", RolloutController.printable("cut\u2026 caf\u00e9 \nline"));
    }

    @Test
    void longListsAreCut() {
        Map<String, RolloutController.Gw> g = new LinkedHashMap<>();
        for (int i = 0; i < 5; i++) {
            g.put("gw-" + i, gw(Phase.Installing, true, ""));
        }
        assertEquals("0/5 done; gw-0 Installing, gw-1 Installing, gw-2 Installing +2", RolloutController.summary(g));
        assertEquals("0/0 done", RolloutController.summary(Map.of()));
    }
}
