package io.outpost.devapiserver;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;

/** Small accessors for the parts of Kubernetes objects the server reads and writes. */
final class KubeObjects {
    private KubeObjects() {
    }

    /** The object's metadata, created if missing (or replaced if it was not an object). */
    static ObjectNode metadata(ObjectNode object) {
        JsonNode meta = object.get("metadata");
        if (meta instanceof ObjectNode m) {
            return m;
        }
        return object.putObject("metadata");
    }

    /** The child object {@code field} of {@code parent}, created if missing or not an object. */
    static ObjectNode child(ObjectNode parent, String field) {
        JsonNode child = parent.get(field);
        if (child instanceof ObjectNode o) {
            return o;
        }
        return parent.putObject(field);
    }

    static String name(JsonNode object) {
        return object.path("metadata").path("name").asText("");
    }

    static String namespace(JsonNode object) {
        return object.path("metadata").path("namespace").asText("");
    }

    static String resourceVersion(JsonNode object) {
        return object.path("metadata").path("resourceVersion").asText("");
    }

    static boolean isBeingDeleted(JsonNode object) {
        JsonNode ts = object.path("metadata").get("deletionTimestamp");
        return ts != null && !ts.isNull();
    }

    static boolean hasFinalizers(JsonNode object) {
        JsonNode f = object.path("metadata").get("finalizers");
        return f != null && f.isArray() && f.size() > 0;
    }

    /** Store key of an object: "namespace/name", with an empty namespace for cluster scope. */
    static String key(String namespace, String name) {
        return namespace + "/" + name;
    }

    /** Timestamps as Kubernetes writes them: RFC 3339, UTC, whole seconds. */
    static String timestamp(Instant instant) {
        return DateTimeFormatter.ISO_INSTANT.format(instant.truncatedTo(ChronoUnit.SECONDS));
    }

    /** MicroTime, used by leases and events: RFC 3339 with microseconds. */
    static String microTimestamp(Instant instant) {
        return DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'")
                .withZone(java.time.ZoneOffset.UTC).format(instant);
    }

    /** Parses a Kubernetes timestamp, or returns null when it is missing or malformed. */
    static Instant parseTime(JsonNode node) {
        if (node == null || !node.isTextual()) {
            return null;
        }
        try {
            return DateTimeFormatter.ISO_OFFSET_DATE_TIME.parse(node.asText(), Instant::from);
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    /** Resolves a dotted path ("spec.nodeName"); null when any step is missing. */
    static JsonNode at(JsonNode object, String dottedPath) {
        JsonNode node = object;
        for (String part : dottedPath.split("\\.")) {
            if (part.isEmpty()) {
                continue;
            }
            if (node == null || !node.isObject()) {
                return null;
            }
            node = node.get(part);
        }
        return node;
    }

    /**
     * Parses a resourceVersion parameter. Resource versions are opaque to clients, but this
     * server's are decimal counters, so anything else is a bad request.
     */
    static long parseResourceVersion(String value) throws ApiException {
        try {
            long rv = Long.parseLong(value);
            if (rv < 0) {
                throw new NumberFormatException();
            }
            return rv;
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("invalid resource version \"" + value + "\": must be a non-negative integer");
        }
    }
}
