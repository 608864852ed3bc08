package io.outpost.edge.console.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Configuration snapshots on disk: JSON documents {@code {id, taken, reason, configurations: {pid:
 * {key: value}}}}. One is taken before every change made through the console, so there is always
 * something to roll back to; the oldest beyond {@link #KEEP} are deleted.
 */
public final class SnapshotStore {
    public static final int KEEP = 20;
    /** Largest snapshot accepted (upload) or read. */
    public static final int MAX_BYTES = 1024 * 1024;
    private static final Pattern ID = Pattern.compile("[0-9]{8}T[0-9]{9}Z(-[0-9]+)?");
    private static final DateTimeFormatter FMT = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmssSSS'Z'").withZone(ZoneOffset.UTC);

    private final Path dir;
    private final Clock clock;
    private final ObjectMapper json;

    public SnapshotStore(Path dir, Clock clock, ObjectMapper json) {
        this.dir = dir;
        this.clock = clock;
        this.json = json;
    }

    /** Saves a snapshot; @return its document (with id and time) */
    public synchronized ObjectNode save(String reason, Map<String, Map<String, Object>> configurations) throws IOException {
        Files.createDirectories(dir);
        Instant now = clock.instant();
        String id = FMT.format(now);
        for (int n = 1; Files.exists(dir.resolve(id + ".json")); n++) {
            id = FMT.format(now) + "-" + n;
        }
        ObjectNode doc = json.createObjectNode();
        doc.put("id", id);
        doc.put("taken", now.toString());
        doc.put("reason", reason);
        doc.set("configurations", json.valueToTree(configurations));
        Files.write(dir.resolve(id + ".json"), json.writerWithDefaultPrettyPrinter().writeValueAsBytes(doc));
        List<String> ids = ids();
        for (int i = 0; i < ids.size() - KEEP; i++) {
            Files.deleteIfExists(dir.resolve(ids.get(i) + ".json"));
        }
        return doc;
    }

    /** @return the snapshot ids, oldest first */
    public synchronized List<String> ids() throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            List<String> out = new ArrayList<>();
            s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".json")).map(n -> n.substring(0, n.length() - 5))
                    .filter(n -> ID.matcher(n).matches()).sorted().forEach(out::add);
            return out;
        }
    }

    /** @return the snapshot, or empty for an unknown or malformed id */
    public synchronized Optional<JsonNode> load(String id) throws IOException {
        if (id == null || !ID.matcher(id).matches()) {
            return Optional.empty();
        }
        Path p = dir.resolve(id + ".json");
        if (!Files.isRegularFile(p) || Files.size(p) > MAX_BYTES) {
            return Optional.empty();
        }
        return Optional.of(json.readTree(p.toFile()));
    }
}
