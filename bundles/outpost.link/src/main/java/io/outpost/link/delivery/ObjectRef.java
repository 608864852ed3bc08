package io.outpost.link.delivery;

import com.fasterxml.jackson.databind.JsonNode;
import io.outpost.hub.api.Message;
import io.outpost.hub.api.Resource;

/**
 * What a queued message is about, read from the message: the object's identity (uid, apiVersion,
 * kind, namespace, name), its resourceVersion and the route a delete for it would take.
 *
 * @param uid {@code metadata.uid}, or "" for a message that is not about one object
 * @param resourceVersion the header's resourceversion, else {@code metadata.resourceVersion}, or ""
 * @param source route source, e.g. {@code edgecontroller}
 * @param group route group
 * @param resource the edge path {@code <ns>/<type>/<name>}
 */
public record ObjectRef(String uid, String apiVersion, String kind, String namespace, String name, String resourceVersion,
        String source, String group, String resource) {

    /** Reads the reference from a message; never fails, missing fields are "". */
    public static ObjectRef of(Message m) {
        JsonNode c = m.content();
        JsonNode meta = c.path("metadata");
        Resource r = Resource.parse(m.resource());
        String rv = m.resourceVersion().isEmpty() ? meta.path("resourceVersion").asText("") : m.resourceVersion();
        String ns = meta.path("namespace").asText(r.namespace());
        String name = meta.path("name").asText(r.name());
        return new ObjectRef(meta.path("uid").asText(""), c.path("apiVersion").asText(""), c.path("kind").asText(""), ns, name, rv,
                m.source(), m.group(), r.edgePath());
    }

    /** @return whether the message is about one identified object (has a uid) */
    public boolean identified() {
        return !uid.isEmpty();
    }

    /** The merge key within a node's queue: the object's uid, else the route. */
    public String key() {
        return identified() ? "uid:" + uid : "route:" + group + ":" + resource;
    }

    /**
     * Compares resourceVersions. Kubernetes calls them opaque, but every API server in use
     * (etcd's revision, the development server's counter) makes them increasing integers;
     * when either is not a number only equality is known.
     *
     * @return negative, zero or positive as {@code a} is older, the same or newer than {@code b};
     *     {@code null} when unknown (empty or not comparable)
     */
    public static Integer compareVersions(String a, String b) {
        if (a == null || b == null || a.isEmpty() || b.isEmpty()) {
            return null;
        }
        if (a.equals(b)) {
            return 0;
        }
        try {
            return Long.compare(Long.parseLong(a), Long.parseLong(b));
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
