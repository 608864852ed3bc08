package io.outpost.link.codec;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.outpost.hub.api.Message;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Encodes and decodes link messages as KubeEdge's JSON:
 * {@code {"header":{"msg_id","parent_msg_id","timestamp","resourceversion","sync"},
 * "route":{"source","destination","group","operation","resource"},"content":...}}.
 *
 * <p>Thread-safe. Decoding is bounded: frames larger than the cap are refused before parsing,
 * and nesting depth is limited, so a hostile peer cannot exhaust memory or stack.
 */
public final class MessageCodec {
    /** Default cap on one encoded message: 8 MiB. */
    public static final int DEFAULT_MAX_BYTES = 8 * 1024 * 1024;

    private final ObjectMapper mapper;
    private final int maxBytes;

    public MessageCodec(int maxBytes) {
        if (maxBytes <= 0) {
            throw new IllegalArgumentException("maxBytes must be positive");
        }
        this.maxBytes = maxBytes;
        this.mapper = new ObjectMapper();
        mapper.getFactory().setStreamReadConstraints(StreamReadConstraints.builder()
                .maxNestingDepth(200).maxStringLength(maxBytes).maxDocumentLength(maxBytes).build());
    }

    public int maxBytes() {
        return maxBytes;
    }

    /** @return the mapper used for contents; callers may use it to build content nodes */
    public ObjectMapper mapper() {
        return mapper;
    }

    /** Encodes a message as UTF-8 JSON. */
    public byte[] encode(Message m) {
        ObjectNode root = mapper.createObjectNode();
        ObjectNode h = root.putObject("header");
        h.put("msg_id", m.id());
        h.put("parent_msg_id", m.parentId());
        h.put("timestamp", m.timestamp());
        if (!m.resourceVersion().isEmpty()) {
            h.put("resourceversion", m.resourceVersion());
        }
        if (m.sync()) {
            h.put("sync", true);
        }
        ObjectNode r = root.putObject("route");
        r.put("source", m.source());
        if (!m.destination().isEmpty()) {
            r.put("destination", m.destination());
        }
        r.put("group", m.group());
        r.put("operation", m.operation());
        r.put("resource", m.resource());
        root.set("content", m.content());
        try {
            return mapper.writeValueAsBytes(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode " + m, e);
        }
    }

    /**
     * Decodes one frame.
     *
     * @throws CodecException when the frame is too large, not JSON, or lacks the header/route
     *     fields every message has
     */
    public Message decode(byte[] frame) throws CodecException {
        if (frame.length > maxBytes) {
            throw new CodecException("message of " + frame.length + " bytes exceeds the limit of " + maxBytes + " bytes");
        }
        JsonNode root;
        try {
            root = mapper.readTree(frame);
        } catch (IOException e) {
            throw new CodecException("message is not valid JSON: " + firstLine(e.getMessage()));
        }
        if (root == null || !root.isObject()) {
            throw new CodecException("message must be a JSON object with 'header', 'route' and 'content'");
        }
        JsonNode h = root.path("header");
        JsonNode r = root.path("route");
        if (!h.isObject()) {
            throw new CodecException("message has no 'header' object");
        }
        if (!r.isObject()) {
            throw new CodecException("message has no 'route' object");
        }
        String id = text(h, "msg_id", true);
        Message.Builder b = Message.builder()
                .id(id)
                .parentId(text(h, "parent_msg_id", false))
                .timestamp(h.path("timestamp").asLong(0))
                .resourceVersion(text(h, "resourceversion", false))
                .sync(h.path("sync").asBoolean(false))
                .source(text(r, "source", false))
                .destination(text(r, "destination", false))
                .group(text(r, "group", false))
                .operation(text(r, "operation", true))
                .resource(text(r, "resource", false));
        b.content(root.get("content"));
        return b.build();
    }

    /** Decodes a text frame. */
    public Message decode(String frame) throws CodecException {
        return decode(frame.getBytes(StandardCharsets.UTF_8));
    }

    private static String text(JsonNode parent, String field, boolean required) throws CodecException {
        JsonNode n = parent.get(field);
        if (n == null || n.isNull()) {
            if (required) {
                throw new CodecException("message lacks '" + field + "'");
            }
            return "";
        }
        if (!n.isValueNode()) {
            throw new CodecException("message field '" + field + "' must be a string");
        }
        String s = n.asText();
        if (required && s.isEmpty()) {
            throw new CodecException("message field '" + field + "' is empty");
        }
        return s;
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
