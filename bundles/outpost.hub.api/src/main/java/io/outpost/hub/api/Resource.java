package io.outpost.hub.api;

import java.util.Objects;

/**
 * A parsed message resource path.
 *
 * <p>On the link the resource is {@code node/<node>/<namespace>/<type>/<name>}; the cloud adds
 * and strips the {@code node/<node>/} prefix. Some messages carry fewer segments (the keepalive
 * carries just {@code node}); those parse with empty fields.
 *
 * @param node the node name, or "" when the path has no node prefix
 * @param namespace the namespace, or ""
 * @param type the resource type, e.g. "nodestatus", or ""
 * @param name the object name, or "" (a name may itself contain '/')
 * @since 1.0
 */
public record Resource(String node, String namespace, String type, String name) {
    /** The first segment of a resource path that carries a node. */
    public static final String NODE_PREFIX = "node";

    public Resource {
        Objects.requireNonNull(node);
        Objects.requireNonNull(namespace);
        Objects.requireNonNull(type);
        Objects.requireNonNull(name);
    }

    /**
     * Parses a resource path, with or without the {@code node/<node>/} prefix.
     *
     * @param path a resource path, never null
     * @return the parsed resource; missing segments are ""
     */
    public static Resource parse(String path) {
        String[] s = path.split("/", -1);
        int i = 0;
        String node = "";
        if (s.length >= 2 && NODE_PREFIX.equals(s[0])) {
            node = s[1];
            i = 2;
        }
        String ns = s.length > i ? s[i] : "";
        String type = s.length > i + 1 ? s[i + 1] : "";
        String name = "";
        if (s.length > i + 2) {
            name = String.join("/", java.util.Arrays.copyOfRange(s, i + 2, s.length));
        }
        return new Resource(node, ns, type, name);
    }

    /** @return the path without the node prefix: {@code <namespace>/<type>/<name>} */
    public String edgePath() {
        return name.isEmpty() ? namespace + "/" + type : namespace + "/" + type + "/" + name;
    }

    /** @return the path with the node prefix: {@code node/<node>/<namespace>/<type>/<name>} */
    public String linkPath() {
        return NODE_PREFIX + "/" + node + "/" + edgePath();
    }

    /** @return this resource bound to the given node */
    public Resource withNode(String nodeName) {
        return new Resource(nodeName, namespace, type, name);
    }
}
