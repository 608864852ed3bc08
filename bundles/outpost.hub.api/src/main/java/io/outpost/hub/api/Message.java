package io.outpost.hub.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import java.util.Objects;
import java.util.UUID;

/**
 * One message on the cloud-edge link: KubeEdge's beehive message, with a header, a route and a
 * JSON content.
 *
 * <p>Instances are immutable and safe to share between threads. On the wire the header fields
 * are {@code msg_id}, {@code parent_msg_id}, {@code timestamp} (milliseconds since the epoch),
 * {@code resourceversion} and {@code sync}; the route fields are {@code source}, {@code
 * destination}, {@code group}, {@code operation} and {@code resource}.
 *
 * <p>The {@code resource} string has the shape {@code <namespace>/<type>/<name>} on the edge and
 * {@code node/<node>/<namespace>/<type>/<name>} on the link, see {@link Resource}.
 *
 * @since 1.0
 */
public final class Message {
    private final String id;
    private final String parentId;
    private final long timestamp;
    private final String resourceVersion;
    private final boolean sync;
    private final String source;
    private final String destination;
    private final String group;
    private final String operation;
    private final String resource;
    private final JsonNode content;

    private Message(Builder b) {
        this.id = b.id != null ? b.id : UUID.randomUUID().toString();
        this.parentId = b.parentId != null ? b.parentId : "";
        this.timestamp = b.timestamp != 0 ? b.timestamp : System.currentTimeMillis();
        this.resourceVersion = b.resourceVersion != null ? b.resourceVersion : "";
        this.sync = b.sync;
        this.source = nz(b.source);
        this.destination = nz(b.destination);
        this.group = nz(b.group);
        this.operation = nz(b.operation);
        this.resource = nz(b.resource);
        this.content = b.content != null ? b.content : NullNode.getInstance();
    }

    private static String nz(String s) {
        return s != null ? s : "";
    }

    /** @return a builder for a new message; id and timestamp are filled in when not set */
    public static Builder builder() {
        return new Builder();
    }

    /** @return a builder initialised with every field of this message */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.id = id;
        b.parentId = parentId;
        b.timestamp = timestamp;
        b.resourceVersion = resourceVersion;
        b.sync = sync;
        b.source = source;
        b.destination = destination;
        b.group = group;
        b.operation = operation;
        b.resource = resource;
        b.content = content;
        return b;
    }

    /**
     * Builds the response to this message, as KubeEdge does: a new id, this message's id as
     * parent, the same route with operation {@link Operations#RESPONSE}, source and destination
     * swapped.
     *
     * @param content the response body, never {@code null} (use a text node such as "OK")
     * @return the response message
     */
    public Message response(JsonNode content) {
        return Message.builder()
                .parentId(id)
                .source(destination.isEmpty() ? source : destination)
                .destination(source)
                .group(group)
                .operation(Operations.RESPONSE)
                .resource(resource)
                .resourceVersion(resourceVersion)
                .content(Objects.requireNonNull(content, "content"))
                .build();
    }

    /** @return the message id (a UUID string), never empty */
    public String id() { return id; }

    /** @return the id of the message this one answers, or "" */
    public String parentId() { return parentId; }

    /** @return creation time in milliseconds since the epoch */
    public long timestamp() { return timestamp; }

    /** @return the resourceVersion of the object carried, or "" */
    public String resourceVersion() { return resourceVersion; }

    /** @return whether the sender waits for a response with this message's id as parent */
    public boolean sync() { return sync; }

    /** @return the sending module, e.g. "edged", "edgecontroller"; never null */
    public String source() { return source; }

    /** @return the destination module, or ""; never null */
    public String destination() { return destination; }

    /** @return the route group, e.g. {@link Groups#RESOURCE}; never null */
    public String group() { return group; }

    /** @return the operation, e.g. {@link Operations#UPDATE}; never null */
    public String operation() { return operation; }

    /** @return the resource path; never null */
    public String resource() { return resource; }

    /** @return the content; a {@link NullNode} when there is none, never Java {@code null} */
    public JsonNode content() { return content; }

    /** @return whether this message answers another one */
    public boolean isResponse() { return !parentId.isEmpty(); }

    @Override
    public String toString() {
        return "Message[id=" + id + (parentId.isEmpty() ? "" : ", parent=" + parentId)
                + ", " + source + "->" + destination + ", " + group + "/" + operation + " " + resource + "]";
    }

    /** Builder for {@link Message}; not thread-safe. */
    public static final class Builder {
        private String id;
        private String parentId;
        private long timestamp;
        private String resourceVersion;
        private boolean sync;
        private String source;
        private String destination;
        private String group;
        private String operation;
        private String resource;
        private JsonNode content;

        private Builder() {
        }

        public Builder id(String v) { this.id = v; return this; }
        public Builder parentId(String v) { this.parentId = v; return this; }
        public Builder timestamp(long v) { this.timestamp = v; return this; }
        public Builder resourceVersion(String v) { this.resourceVersion = v; return this; }
        public Builder sync(boolean v) { this.sync = v; return this; }
        public Builder source(String v) { this.source = v; return this; }
        public Builder destination(String v) { this.destination = v; return this; }
        public Builder group(String v) { this.group = v; return this; }
        public Builder operation(String v) { this.operation = v; return this; }
        public Builder resource(String v) { this.resource = v; return this; }
        public Builder content(JsonNode v) { this.content = v; return this; }

        /** Sets source, group, operation and resource at once. */
        public Builder route(String source, String group, String operation, String resource) {
            this.source = source;
            this.group = group;
            this.operation = operation;
            this.resource = resource;
            return this;
        }

        public Message build() {
            return new Message(this);
        }
    }
}
