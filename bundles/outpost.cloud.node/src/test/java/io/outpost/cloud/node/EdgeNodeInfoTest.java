package io.outpost.cloud.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.outpost.hub.api.EdgeNodeInfo;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** How a Node is summed up for outpost:nodes. */
class EdgeNodeInfoTest {
    private static Node node(String heartbeat) {
        return new NodeBuilder().withNewMetadata().withName("gw-1").withCreationTimestamp("2026-11-27T09:00:00Z").endMetadata()
                .withNewStatus().addNewCondition().withType("Ready").withStatus("True").withReason("EdgeReady")
                .withLastHeartbeatTime(heartbeat).endCondition()
                .addNewAddress().withType("Hostname").withAddress("gw").endAddress()
                .addNewAddress().withType("InternalIP").withAddress("10.0.0.7").endAddress()
                .withNewNodeInfo().withKubeletVersion("v1.29.5-outpost-0.1.0").endNodeInfo().endStatus().build();
    }

    @Test
    void aReadyNode() {
        EdgeNodeInfo i = NodeController.info(node("2026-11-27T10:00:00Z"), null);
        assertEquals(new EdgeNodeInfo("gw-1", "True", "EdgeReady", "v1.29.5-outpost-0.1.0", "10.0.0.7",
                Instant.parse("2026-11-27T10:00:00Z"), Instant.parse("2026-11-27T09:00:00Z")), i);
    }

    @Test
    void theLaterHeartbeatWins() {
        Instant seen = Instant.parse("2026-11-27T10:00:05Z");
        assertEquals(seen, NodeController.info(node("2026-11-27T10:00:00Z"), seen).lastHeartbeat());
        assertEquals(Instant.parse("2026-11-27T10:00:09Z"), NodeController.info(node("2026-11-27T10:00:09Z"), seen).lastHeartbeat());
    }

    @Test
    void aNodeThatNeverReported() {
        Node n = new NodeBuilder().withNewMetadata().withName("gw-2").endMetadata().build();
        EdgeNodeInfo i = NodeController.info(n, null);
        assertEquals("Unknown", i.ready());
        assertEquals("", i.version());
        assertNull(i.lastHeartbeat());
        assertNull(i.created());
    }
}
