package io.outpost.edge.mesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.outpost.edge.mesh.table.ServiceTableTest;
import io.outpost.edge.meta.SqliteMetaStore;
import io.outpost.hub.api.Message;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MeshStoreTest {
    @TempDir
    Path dir;
    private SqliteMetaStore meta;
    private MeshStore store;

    @BeforeEach
    void open() throws Exception {
        meta = new SqliteMetaStore(dir.resolve("meta.db"));
        store = new MeshStore(meta);
    }

    @AfterEach
    void close() throws Exception {
        meta.close();
    }

    private static Message msg(String op, String resource, String json) {
        return Message.builder().route("edgecontroller", "resource", op, resource).content(ServiceTableTest.json(json)).build();
    }

    @Test
    void keepsServicesAndSlicesAndPrunesWhatTheListDoesNotName() throws Exception {
        assertTrue(store.accept(msg("insert", "default/service/web",
                "{'metadata':{'namespace':'default','name':'web'},'spec':{'clusterIP':'10.96.0.10','ports':[{'port':80}]}}")));
        assertTrue(store.accept(msg("insert", "default/endpointslice/web", "{'metadata':{'namespace':'default','name':'web',"
                + "'labels':{'kubernetes.io/service-name':'web'}},'endpoints':[{'addresses':['10.88.64.2'],'nodeName':'gw-a'}]}")));
        assertTrue(store.accept(msg("insert", "default/service/old", "{'metadata':{'namespace':'default','name':'old'},'spec':{'clusterIP':'10.96.0.11'}}")));
        assertEquals(1, store.table().byClusterIp("10.96.0.10").orElseThrow().backends().get("").size());

        // A new store over the same file: what the cloud sent survives a restart.
        MeshStore again = new MeshStore(meta);
        assertEquals(2, again.table().services().size());

        assertTrue(store.accept(msg("update", "_/meshlist", "{'service':['default/web'],'endpointslice':['default/web']}")));
        assertTrue(store.table().service("default", "old").isEmpty());
        assertTrue(store.accept(msg("delete", "default/endpointslice/web", "{}")));
        assertTrue(store.table().byClusterIp("10.96.0.10").orElseThrow().backends().isEmpty());
        assertFalse(store.accept(Message.builder().parentId("x").route("edgecontroller", "resource", "response", "default/service/web").build()));
    }

    @Test
    void badMessagesSayWhatIsWrong() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> store.accept(msg("insert", "default/pod/x", "{}"))).getMessage().contains("pod"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> store.accept(msg("insert", "default/service", "{}"))).getMessage()
                .contains("<namespace>/service/<name>"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> store.accept(msg("insert", "default/service/x", "[1]"))).getMessage()
                .contains("JSON object"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> store.accept(msg("patch", "default/service/x", "{}"))).getMessage()
                .contains("patch"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> store.accept(msg("update", "_/meshlist", "{'service':[]}"))).getMessage()
                .contains("endpointslice"));
    }
}
