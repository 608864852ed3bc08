package io.outpost.devapiserver;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Keeps the objects in a JSON file so a restarted server has the same state.
 *
 * <p>Saves are debounced (a burst of writes leads to one save shortly after) and atomic (write a
 * temporary file, then rename), so a crash never leaves a half-written file. The file may hold
 * secrets and is created readable by the owner only.
 */
final class StatePersistence {
    private static final System.Logger LOG = System.getLogger(StatePersistence.class.getName());
    static final int FORMAT = 1;
    /** Saved state is trusted more than request bodies, but still bounded. */
    static final long MAX_STATE_BYTES = 512L * 1024 * 1024;

    private final Path file;
    private final Codec codec;
    private final ScheduledExecutorService scheduler;
    private final long debounceMillis;
    private final AtomicBoolean pending = new AtomicBoolean();
    private ObjectStore store;

    StatePersistence(Path file, Codec codec, ScheduledExecutorService scheduler, long debounceMillis) {
        this.file = file;
        this.codec = codec;
        this.scheduler = scheduler;
        this.debounceMillis = debounceMillis;
    }

    void attach(ObjectStore value) {
        this.store = value;
    }

    /** Reads the saved objects; an absent file is an empty state. */
    record Loaded(List<ObjectStore.Entry> entries, long resourceVersion) {
    }

    Loaded load() throws IOException {
        if (!Files.exists(file)) {
            return new Loaded(List.of(), 0);
        }
        if (Files.size(file) > MAX_STATE_BYTES) {
            throw new IOException("state file " + file + " is larger than " + MAX_STATE_BYTES + " bytes");
        }
        JsonNode root;
        try {
            root = new Codec(MAX_STATE_BYTES).readJson(Files.readAllBytes(file), false);
        } catch (ApiException e) {
            throw new IOException("state file " + file + " is not valid: " + e.getMessage(), e);
        }
        if (root.path("format").asInt(0) != FORMAT) {
            throw new IOException("state file " + file + " has an unknown format");
        }
        List<ObjectStore.Entry> entries = new ArrayList<>();
        for (JsonNode e : root.path("objects")) {
            if (e.path("resource").isTextual() && e.get("object") instanceof ObjectNode o) {
                entries.add(new ObjectStore.Entry(e.get("resource").asText(), o));
            }
        }
        return new Loaded(entries, root.path("resourceVersion").asLong(0));
    }

    /** Called after every change: schedules one save a moment later. */
    void changed() {
        if (pending.compareAndSet(false, true)) {
            try {
                scheduler.schedule(this::saveQuietly, debounceMillis, TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                pending.set(false);
            }
        }
    }

    private void saveQuietly() {
        try {
            save();
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "could not save state to " + file, e);
        }
    }

    /** Writes the current state now. */
    synchronized void save() throws IOException {
        pending.set(false);
        if (store == null) {
            return;
        }
        long[] rv = new long[1];
        List<ObjectStore.Entry> entries = store.snapshot(rv);
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        root.put("format", FORMAT);
        root.put("resourceVersion", rv[0]);
        ArrayNode objects = root.putArray("objects");
        for (ObjectStore.Entry e : entries) {
            ObjectNode item = objects.addObject();
            item.put("resource", e.storageKey());
            item.set("object", e.object());
        }
        Path dir = file.toAbsolutePath().getParent();
        if (dir != null) {
            Files.createDirectories(dir);
        }
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        try {
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException e) {
            Files.createFile(tmp);
        }
        Files.write(tmp, codec.write(root));
        try {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
