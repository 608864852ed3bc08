package io.outpost.edge.meta;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.outpost.meta.api.MetaStore;
import io.outpost.meta.api.MetaStoreException;
import io.outpost.meta.api.StoredObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

/**
 * The meta store on SQLite: one table of JSON objects by kind and key. WAL journal with
 * synchronous FULL, so a put that returned survives a power cut, and readers never wait for the
 * writer. One connection, used under this object's lock: a gateway writes a few objects a second,
 * and SQLite serialises writers anyway.
 */
public final class SqliteMetaStore implements MetaStore, AutoCloseable {
    private static final int SCHEMA_VERSION = 1;
    private final ObjectMapper json = new ObjectMapper();
    private final Path file;
    private final Connection db;

    /**
     * Opens (or creates) the database.
     *
     * @throws MetaStoreException when the file cannot be opened, is not a database, or was made by
     *     a newer Outpost
     */
    public SqliteMetaStore(Path file) {
        this.file = file;
        try {
            Path dir = file.toAbsolutePath().getParent();
            if (dir != null) {
                Files.createDirectories(dir);
            }
            SQLiteConfig cfg = new SQLiteConfig();
            cfg.setJournalMode(SQLiteConfig.JournalMode.WAL);
            cfg.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
            cfg.setBusyTimeout(5000);
            SQLiteDataSource ds = new SQLiteDataSource(cfg);
            ds.setUrl("jdbc:sqlite:" + file.toAbsolutePath());
            db = ds.getConnection();
            try (Statement s = db.createStatement()) {
                int version;
                try (ResultSet rs = s.executeQuery("PRAGMA user_version")) {
                    version = rs.next() ? rs.getInt(1) : 0;
                }
                if (version > SCHEMA_VERSION) {
                    throw new MetaStoreException("the meta store " + file + " was written by a newer Outpost (schema " + version
                            + "); start that version again or move the file away to start afresh");
                }
                s.executeUpdate("CREATE TABLE IF NOT EXISTS objects (kind TEXT NOT NULL, key TEXT NOT NULL, rv TEXT NOT NULL,"
                        + " value TEXT NOT NULL, updated INTEGER NOT NULL, PRIMARY KEY (kind, key)) WITHOUT ROWID");
                s.executeUpdate("PRAGMA user_version = " + SCHEMA_VERSION);
            }
        } catch (SQLException e) {
            throw new MetaStoreException("cannot open the meta store " + file + ": " + e.getMessage()
                    + " (if the file is damaged, move it away; the cloud sends everything again on the next connection)", e);
        } catch (IOException e) {
            throw new MetaStoreException("cannot create the directory of the meta store " + file + ": " + e.getMessage(), e);
        }
    }

    /** @return the database file */
    public Path file() {
        return file;
    }

    @Override
    public synchronized Optional<StoredObject> get(String kind, String key) {
        try (PreparedStatement ps = db.prepareStatement("SELECT rv, value, updated FROM objects WHERE kind = ? AND key = ?")) {
            ps.setString(1, kind);
            ps.setString(2, key);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(row(kind, key, rs)) : Optional.empty();
            }
        } catch (SQLException e) {
            throw failure("read " + kind + " " + key, e);
        }
    }

    @Override
    public synchronized List<StoredObject> list(String kind) {
        List<StoredObject> out = new ArrayList<>();
        try (PreparedStatement ps = db.prepareStatement("SELECT key, rv, value, updated FROM objects WHERE kind = ? ORDER BY key")) {
            ps.setString(1, kind);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new StoredObject(kind, rs.getString(1), parse(kind, rs.getString(1), rs.getString(3)), rs.getString(2), rs.getLong(4)));
                }
            }
            return out;
        } catch (SQLException e) {
            throw failure("list " + kind, e);
        }
    }

    @Override
    public synchronized void put(String kind, String key, JsonNode value, String resourceVersion) {
        String text;
        try {
            text = json.writeValueAsString(value);
        } catch (IOException e) {
            throw new MetaStoreException("cannot serialise " + kind + " " + key + ": " + e.getMessage(), e);
        }
        int bytes = text.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_VALUE_BYTES) {
            throw new MetaStoreException(kind + " " + key + " is " + bytes + " bytes; the meta store keeps objects of at most " + MAX_VALUE_BYTES);
        }
        try (PreparedStatement ps = db.prepareStatement("INSERT INTO objects (kind, key, rv, value, updated) VALUES (?, ?, ?, ?, ?)"
                + " ON CONFLICT (kind, key) DO UPDATE SET rv = excluded.rv, value = excluded.value, updated = excluded.updated")) {
            ps.setString(1, kind);
            ps.setString(2, key);
            ps.setString(3, resourceVersion == null ? "" : resourceVersion);
            ps.setString(4, text);
            ps.setLong(5, System.currentTimeMillis());
            ps.executeUpdate();
        } catch (SQLException e) {
            throw failure("write " + kind + " " + key, e);
        }
    }

    @Override
    public synchronized boolean delete(String kind, String key) {
        try (PreparedStatement ps = db.prepareStatement("DELETE FROM objects WHERE kind = ? AND key = ?")) {
            ps.setString(1, kind);
            ps.setString(2, key);
            return ps.executeUpdate() > 0;
        } catch (SQLException e) {
            throw failure("delete " + kind + " " + key, e);
        }
    }

    @Override
    public synchronized void close() {
        try {
            db.close();
        } catch (SQLException e) {
            // Closing cannot lose data: every write was committed when it returned.
        }
    }

    private StoredObject row(String kind, String key, ResultSet rs) throws SQLException {
        return new StoredObject(kind, key, parse(kind, key, rs.getString(2)), rs.getString(1), rs.getLong(3));
    }

    private JsonNode parse(String kind, String key, String text) {
        try {
            return json.readTree(text);
        } catch (IOException e) {
            throw new MetaStoreException("the meta store " + file + " holds " + kind + " " + key + " that is not JSON: " + e.getMessage(), e);
        }
    }

    private MetaStoreException failure(String what, SQLException e) {
        return new MetaStoreException("cannot " + what + " in the meta store " + file + ": " + e.getMessage(), e);
    }
}
