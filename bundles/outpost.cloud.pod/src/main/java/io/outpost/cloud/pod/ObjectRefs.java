package io.outpost.cloud.pod;

import com.fasterxml.jackson.databind.JsonNode;
import io.outpost.hub.api.Groups;
import io.outpost.hub.api.Message;
import io.outpost.hub.api.Modules;
import io.outpost.hub.api.ResourceTypes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which ConfigMaps and Secrets the pods of each edge node use, so the cloud watches only those (by
 * name, never all Secrets of a namespace) and sends each node exactly the objects its pods need,
 * as KubeEdge's edge controller does ({@code <ns>/configmap/<name>}, {@code <ns>/secret/<name>}).
 * No OSGi and no Kubernetes client: tested alone. Not thread-safe; the controller serializes.
 */
final class ObjectRefs {
    /** Largest data of a ConfigMap or Secret sent to a gateway: Kubernetes' own limit, 1 MiB. */
    static final int MAX_DATA_BYTES = 1024 * 1024;

    /** A ConfigMap or Secret: kind is {@link ResourceTypes#CONFIGMAP} or {@link ResourceTypes#SECRET}. */
    record Ref(String kind, String namespace, String name) implements Comparable<Ref> {
        String resource() {
            return namespace + "/" + kind + "/" + name;
        }

        @Override
        public int compareTo(Ref o) {
            return resource().compareTo(o.resource());
        }
    }

    /** A node that now needs, or no longer needs, an object. */
    record NodeRef(String node, Ref ref) {
    }

    /**
     * What one pod change means.
     *
     * @param added nodes that need an object they did not need before (send it when known)
     * @param removed nodes that no longer need an object (send a delete)
     * @param watch objects nobody used before (start watching)
     * @param unwatch objects nobody uses any more (stop watching)
     */
    record Change(List<NodeRef> added, List<NodeRef> removed, Set<Ref> watch, Set<Ref> unwatch) {
    }

    private record Use(String node, Set<Ref> refs) {
    }

    private final Map<String, Use> byPod = new HashMap<>();
    private final Map<NodeRef, Integer> counts = new HashMap<>();
    private final Map<Ref, Integer> watched = new HashMap<>();

    /**
     * @return the objects a pod uses: env {@code valueFrom} and {@code envFrom} of init and app
     *     containers, volumes ({@code configMap}, {@code secret}, {@code projected})
     */
    static Set<Ref> of(JsonNode pod) {
        Set<Ref> out = new TreeSet<>();
        if (pod == null) {
            return out;
        }
        String ns = pod.path("metadata").path("namespace").asText();
        JsonNode spec = pod.path("spec");
        for (String list : List.of("initContainers", "containers")) {
            for (JsonNode c : spec.path(list)) {
                for (JsonNode e : c.path("env")) {
                    add(out, ResourceTypes.CONFIGMAP, ns, e.path("valueFrom").path("configMapKeyRef").path("name"));
                    add(out, ResourceTypes.SECRET, ns, e.path("valueFrom").path("secretKeyRef").path("name"));
                }
                for (JsonNode e : c.path("envFrom")) {
                    add(out, ResourceTypes.CONFIGMAP, ns, e.path("configMapRef").path("name"));
                    add(out, ResourceTypes.SECRET, ns, e.path("secretRef").path("name"));
                }
            }
        }
        for (JsonNode v : spec.path("volumes")) {
            add(out, ResourceTypes.CONFIGMAP, ns, v.path("configMap").path("name"));
            add(out, ResourceTypes.SECRET, ns, v.path("secret").path("secretName"));
            for (JsonNode s : v.path("projected").path("sources")) {
                add(out, ResourceTypes.CONFIGMAP, ns, s.path("configMap").path("name"));
                add(out, ResourceTypes.SECRET, ns, s.path("secret").path("name"));
            }
        }
        return out;
    }

    private static void add(Set<Ref> out, String kind, String ns, JsonNode name) {
        if (name.isTextual() && !name.asText().isEmpty()) {
            out.add(new Ref(kind, ns, name.asText()));
        }
    }

    /**
     * Records what a pod uses now.
     *
     * @param podKey {@code <ns>/<name>}
     * @param node the node it is bound to, or "" (not bound, or deleted)
     * @param refs what it uses (empty when deleted)
     */
    Change set(String podKey, String node, Set<Ref> refs) {
        List<NodeRef> added = new ArrayList<>();
        List<NodeRef> removed = new ArrayList<>();
        Set<Ref> watch = new TreeSet<>();
        Set<Ref> unwatch = new TreeSet<>();
        Use before = byPod.remove(podKey);
        Use after = node.isEmpty() || refs.isEmpty() ? null : new Use(node, Set.copyOf(refs));
        if (after != null) {
            byPod.put(podKey, after);
            for (Ref r : after.refs()) {
                if (counts.merge(new NodeRef(node, r), 1, Integer::sum) == 1) {
                    added.add(new NodeRef(node, r));
                }
                if (watched.merge(r, 1, Integer::sum) == 1) {
                    watch.add(r);
                }
            }
        }
        if (before != null) {
            for (Ref r : before.refs()) {
                NodeRef nr = new NodeRef(before.node(), r);
                if (counts.merge(nr, -1, Integer::sum) == 0) {
                    counts.remove(nr);
                    removed.add(nr);
                }
                if (watched.merge(r, -1, Integer::sum) == 0) {
                    watched.remove(r);
                    unwatch.add(r);
                }
            }
        }
        // A pod that keeps a reference counted it up then down: neither added nor removed.
        added.removeIf(a -> before != null && before.node().equals(a.node()) && before.refs().contains(a.ref()));
        watch.removeIf(r -> before != null && before.refs().contains(r));
        return new Change(added, removed, watch, unwatch);
    }

    /** @return the nodes whose pods use the object */
    Set<String> nodes(Ref ref) {
        Set<String> out = new HashSet<>();
        counts.keySet().forEach(nr -> {
            if (nr.ref().equals(ref)) {
                out.add(nr.node());
            }
        });
        return out;
    }

    /** @return the objects the pods of a node use */
    Set<Ref> refs(String node) {
        Set<Ref> out = new TreeSet<>();
        counts.keySet().forEach(nr -> {
            if (nr.node().equals(node)) {
                out.add(nr.ref());
            }
        });
        return out;
    }

    /** @return the number of bytes of data (keys and values) of a ConfigMap or Secret, as Kubernetes counts its limit */
    static long dataSize(JsonNode obj) {
        long n = 0;
        for (String f : List.of("data", "binaryData", "stringData")) {
            for (var it = obj.path(f).fields(); it.hasNext(); ) {
                var e = it.next();
                n += e.getKey().length() + e.getValue().asText("").length();
            }
        }
        return n;
    }

    /**
     * @param operation insert, update or delete
     * @param obj the ConfigMap or Secret as JSON
     */
    static Message downstream(String operation, Ref ref, JsonNode obj) {
        if (io.outpost.hub.api.Operations.DELETE.equals(operation)) {
            // A delete needs only the identity: a Secret's data does not travel again.
            com.fasterxml.jackson.databind.node.ObjectNode meta = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
            meta.put("namespace", ref.namespace()).put("name", ref.name());
            for (String f : List.of("uid", "resourceVersion")) {
                if (obj.path("metadata").has(f)) {
                    meta.set(f, obj.path("metadata").get(f));
                }
            }
            com.fasterxml.jackson.databind.node.ObjectNode slim = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
            slim.set("metadata", meta);
            obj = slim;
        }
        return Message.builder().source(Modules.EDGE_CONTROLLER).group(Groups.RESOURCE).operation(operation)
                .resource(ref.resource()).resourceVersion(obj.path("metadata").path("resourceVersion").asText(""))
                .content(obj).build();
    }
}
