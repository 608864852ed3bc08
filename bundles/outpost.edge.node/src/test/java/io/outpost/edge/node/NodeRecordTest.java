package io.outpost.edge.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.outpost.edge.meta.SqliteMetaStore;
import io.outpost.meta.api.StoredObject;
import java.lang.reflect.Field;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Node kept in the real meta store for the gateway's local API. */
class NodeRecordTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static ObjectNode status(String ready, String heartbeat) {
        ObjectNode s = JSON.createObjectNode();
        s.putArray("conditions").addObject().put("type", "Ready").put("status", ready).put("lastHeartbeatTime", heartbeat);
        return s;
    }

    @Test
    void keepsTheNodeAndRewritesItOnlyWhenMoreThanHeartbeatsChanged(@TempDir Path dir) throws Exception {
        try (SqliteMetaStore store = new SqliteMetaStore(dir.resolve("meta.db"))) {
            NodeStatusReporter reporter = new NodeStatusReporter();
            Field meta = NodeStatusReporter.class.getDeclaredField("meta"); // set by DS in the framework
            meta.setAccessible(true);
            meta.set(reporter, store);
            ObjectNode node = JSON.createObjectNode().put("apiVersion", "v1").put("kind", "Node");
            node.putObject("metadata").put("name", "gw-1").put("uid", "u-1");

            reporter.remember(node, status("True", "2026-11-27T10:00:00Z"));
            StoredObject first = store.get("node", "gw-1").orElseThrow();
            assertEquals("u-1", first.value().at("/metadata/uid").asText());
            assertEquals("True", first.value().at("/status/conditions/0/status").asText());

            Thread.sleep(5);
            reporter.remember(node, status("True", "2026-11-27T10:00:10Z"));
            assertEquals(first.updated(), store.get("node", "gw-1").orElseThrow().updated(), "a new heartbeat alone is not written");

            reporter.remember(node, status("False", "2026-11-27T10:00:20Z"));
            StoredObject changed = store.get("node", "gw-1").orElseThrow();
            assertEquals("False", changed.value().at("/status/conditions/0/status").asText());
            assertTrue(changed.updated() >= first.updated());
        }
    }
}
