package io.outpost.edge.meta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.outpost.meta.api.MetaStore;
import io.outpost.meta.api.MetaStoreException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqliteMetaStoreTest {
    @TempDir
    Path dir;

    @Test
    void objectsSurviveReopening() {
        Path f = dir.resolve("sub/meta.db");
        try (SqliteMetaStore s = new SqliteMetaStore(f)) {
            s.put("device", "default/b", obj("b"), "7");
            s.put("device", "default/a", obj("a"), "5");
            s.put("twin", "default/a", obj("t"), "");
            s.put("device", "default/a", obj("a2"), "6");
        }
        try (SqliteMetaStore s = new SqliteMetaStore(f)) {
            assertEquals("a2", s.get("device", "default/a").orElseThrow().value().path("v").asText());
            assertEquals("6", s.get("device", "default/a").orElseThrow().resourceVersion());
            assertEquals(2, s.list("device").size());
            assertEquals("default/a", s.list("device").get(0).key(), "sorted by key");
            assertTrue(s.delete("device", "default/a"));
            assertFalse(s.delete("device", "default/a"));
            assertTrue(s.get("device", "default/a").isEmpty());
            assertEquals(1, s.list("twin").size());
        }
    }

    @Test
    void usesWriteAheadLogging() throws Exception {
        Path f = dir.resolve("meta.db");
        try (SqliteMetaStore s = new SqliteMetaStore(f)) {
            s.put("k", "x", obj("1"), "");
            assertTrue(Files.exists(dir.resolve("meta.db-wal")), "WAL file next to the database");
        }
    }

    @Test
    void refusesOversizedValues() {
        try (SqliteMetaStore s = new SqliteMetaStore(dir.resolve("m.db"))) {
            ObjectNode big = JsonNodeFactory.instance.objectNode().put("v", "x".repeat(MetaStore.MAX_VALUE_BYTES));
            MetaStoreException e = assertThrows(MetaStoreException.class, () -> s.put("k", "big", big, ""));
            assertTrue(e.getMessage().contains("at most"), e.getMessage());
            assertTrue(s.get("k", "big").isEmpty());
        }
    }

    @Test
    void aFileThatIsNotADatabaseGetsAClearError() throws Exception {
        Path f = dir.resolve("junk.db");
        Files.writeString(f, "this is not sqlite ".repeat(100));
        MetaStoreException e = assertThrows(MetaStoreException.class, () -> new SqliteMetaStore(f).close());
        assertTrue(e.getMessage().contains("move it away"), e.getMessage());
    }

    @Test
    void aDatabaseOfANewerVersionIsNotTouched() throws Exception {
        Path f = dir.resolve("new.db");
        try (var c = DriverManager.getConnection("jdbc:sqlite:" + f); Statement st = c.createStatement()) {
            st.executeUpdate("PRAGMA user_version = 99");
        }
        MetaStoreException e = assertThrows(MetaStoreException.class, () -> new SqliteMetaStore(f).close());
        assertTrue(e.getMessage().contains("newer Outpost"), e.getMessage());
    }

    private static ObjectNode obj(String v) {
        return JsonNodeFactory.instance.objectNode().put("v", v);
    }
}
