package io.outpost.cloud.mesh;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Collection;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What each gateway's mesh should hold, computed from Services, Pods and Nodes (all as JSON). No
 * OSGi, no I/O, level-based: the controller runs it on every change and sends the difference.
 *
 * <p>Endpoints are derived from the pods a Service selects, as Kubernetes' EndpointSlice
 * controller does: the development API server has no controllers, and the mesh needs what a
 * cluster's slices cannot know — that an edge node's link is gone (its pods are then not ready
 * for the mesh at once, not after the node controller's grace period).
 *
 * <p>Relevant to a gateway: a Service that selects a pod on any edge node (reachable through the
 * mesh from every gateway), or a Service in a namespace where this gateway runs a pod (its pods
 * look those names up by the short form).
 */
public final class MeshSync {
    public static final String EDGE_ROLE_LABEL = "node-role.kubernetes.io/edge";
    public static final String SERVICE_NAME_LABEL = "kubernetes.io/service-name";
    public static final String MANAGED_BY_LABEL = "endpointslice.kubernetes.io/managed-by";
    public static final String MANAGED_BY = "mesh.outpost.io";
    public static final String NODE_ADDRESSES_ANNOTATION = "mesh.outpost.io/node-addresses";
    private static final ObjectMapper JSON = new ObjectMapper();

    private MeshSync() {
    }

    /** A derived slice per Service with a selector, keyed {@code <ns>/<name>}. */
    public static Map<String, ObjectNode> slices(Collection<JsonNode> services, Collection<JsonNode> pods, Map<String, JsonNode> nodes,
            Set<String> onlineEdgeNodes) {
        return slices(services, pods, java.util.List.of(), java.util.List.of(), nodes, onlineEdgeNodes);
    }

    /**
     * One slice per Service, keyed {@code <ns>/<name>}: derived from the pods a Service selects;
     * for a Service without a selector (endpoints managed by the user, as in Kubernetes) merged from
     * the cluster's EndpointSlices labelled {@value #SERVICE_NAME_LABEL} with its name, or, when it
     * has none, from its core/v1 Endpoints of the same name. Either way an endpoint on an edge node
     * whose gateway is not connected is not ready.
     */
    public static Map<String, ObjectNode> slices(Collection<JsonNode> services, Collection<JsonNode> pods, Collection<JsonNode> clusterSlices,
            Collection<JsonNode> endpoints, Map<String, JsonNode> nodes, Set<String> onlineEdgeNodes) {
        Map<String, ObjectNode> out = new TreeMap<>();
        for (JsonNode svc : services) {
            JsonNode selector = svc.path("spec").path("selector");
            String ns = svc.path("metadata").path("namespace").asText();
            String name = svc.path("metadata").path("name").asText();
            if ("ExternalName".equals(svc.path("spec").path("type").asText())) {
                continue;
            }
            if (!selector.isObject() || selector.isEmpty()) {
                ObjectNode user = userSlice(ns, name, clusterSlices, endpoints, nodes, onlineEdgeNodes);
                if (user != null) {
                    out.put(ns + "/" + name, user);
                }
                continue;
            }
            ObjectNode slice = JSON.createObjectNode();
            slice.put("apiVersion", "discovery.k8s.io/v1").put("kind", "EndpointSlice").put("addressType", "IPv4");
            ObjectNode meta = slice.putObject("metadata");
            meta.put("name", name).put("namespace", ns);
            meta.putObject("labels").put(SERVICE_NAME_LABEL, name).put(MANAGED_BY_LABEL, MANAGED_BY);
            ArrayNode eps = slice.putArray("endpoints");
            Map<String, ObjectNode> ports = new LinkedHashMap<>();
            Map<String, String> addresses = new TreeMap<>();
            for (JsonNode pod : pods) {
                if (!ns.equals(pod.path("metadata").path("namespace").asText()) || !matches(selector, pod.path("metadata").path("labels"))) {
                    continue;
                }
                String ip = pod.path("status").path("podIP").asText("");
                if (ip.isEmpty()) {
                    continue;
                }
                String node = pod.path("spec").path("nodeName").asText("");
                boolean edge = isEdge(nodes.get(node));
                boolean terminating = pod.path("metadata").has("deletionTimestamp");
                boolean ready = podReady(pod) && !terminating && (!edge || onlineEdgeNodes.contains(node));
                ObjectNode ep = eps.addObject();
                ep.putArray("addresses").add(ip);
                ep.putObject("conditions").put("ready", ready).put("serving", podReady(pod)).put("terminating", terminating);
                ep.put("nodeName", node);
                ep.putObject("targetRef").put("kind", "Pod").put("namespace", ns).put("name", pod.path("metadata").path("name").asText())
                        .put("uid", pod.path("metadata").path("uid").asText());
                if (edge) {
                    String a = internalIp(nodes.get(node));
                    if (!a.isEmpty()) {
                        addresses.put(node, a);
                    }
                }
                for (JsonNode sp : svc.path("spec").path("ports")) {
                    String pname = sp.path("name").asText("");
                    if (!ports.containsKey(pname)) {
                        int target = targetPort(sp, pod);
                        if (target > 0) {
                            ports.put(pname, JSON.createObjectNode().put("name", pname).put("protocol", sp.path("protocol").asText("TCP"))
                                    .put("port", target));
                        }
                    }
                }
            }
            slice.putArray("ports").addAll(ports.values());
            if (!addresses.isEmpty()) {
                meta.putObject("annotations").put(NODE_ADDRESSES_ANNOTATION, JSON.valueToTree(addresses).toString());
            }
            out.put(ns + "/" + name, slice);
        }
        return out;
    }

    private static ObjectNode newSlice(String ns, String name) {
        ObjectNode slice = JSON.createObjectNode();
        slice.put("apiVersion", "discovery.k8s.io/v1").put("kind", "EndpointSlice").put("addressType", "IPv4");
        ObjectNode meta = slice.putObject("metadata");
        meta.put("name", name).put("namespace", ns);
        meta.putObject("labels").put(SERVICE_NAME_LABEL, name).put(MANAGED_BY_LABEL, MANAGED_BY);
        return slice;
    }

    /** A selector-less Service's endpoints as one slice, or null when the user gave none. */
    private static ObjectNode userSlice(String ns, String name, Collection<JsonNode> clusterSlices, Collection<JsonNode> endpoints,
            Map<String, JsonNode> nodes, Set<String> online) {
        ObjectNode slice = newSlice(ns, name);
        ArrayNode eps = slice.putArray("endpoints");
        Map<String, ObjectNode> ports = new LinkedHashMap<>();
        boolean found = false;
        for (JsonNode s : clusterSlices) {
            if (!ns.equals(s.path("metadata").path("namespace").asText())
                    || !name.equals(s.path("metadata").path("labels").path(SERVICE_NAME_LABEL).asText(null))
                    || MANAGED_BY.equals(s.path("metadata").path("labels").path(MANAGED_BY_LABEL).asText())
                    || !"IPv4".equals(s.path("addressType").asText("IPv4"))) {
                continue;
            }
            found = true;
            for (JsonNode e : s.path("endpoints")) {
                // Kubernetes: a missing ready condition means ready.
                boolean ready = e.path("conditions").path("ready").asBoolean(true);
                addEndpoint(eps, e.path("addresses"), e.path("nodeName").asText(""), ready, nodes, online);
            }
            for (JsonNode p : s.path("ports")) {
                ports.putIfAbsent(p.path("name").asText(""), JSON.createObjectNode().put("name", p.path("name").asText(""))
                        .put("protocol", p.path("protocol").asText("TCP")).put("port", p.path("port").asInt(0)));
            }
        }
        if (!found) {
            for (JsonNode ep : endpoints) {
                if (!ns.equals(ep.path("metadata").path("namespace").asText()) || !name.equals(ep.path("metadata").path("name").asText())) {
                    continue;
                }
                found = true;
                for (JsonNode subset : ep.path("subsets")) {
                    for (JsonNode a : subset.path("addresses")) {
                        addEndpoint(eps, JSON.createArrayNode().add(a.path("ip").asText("")), a.path("nodeName").asText(""), true, nodes, online);
                    }
                    for (JsonNode a : subset.path("notReadyAddresses")) {
                        addEndpoint(eps, JSON.createArrayNode().add(a.path("ip").asText("")), a.path("nodeName").asText(""), false, nodes, online);
                    }
                    for (JsonNode p : subset.path("ports")) {
                        ports.putIfAbsent(p.path("name").asText(""), JSON.createObjectNode().put("name", p.path("name").asText(""))
                                .put("protocol", p.path("protocol").asText("TCP")).put("port", p.path("port").asInt(0)));
                    }
                }
            }
        }
        if (!found) {
            return null;
        }
        ports.values().removeIf(p -> p.path("port").asInt() < 1 || p.path("port").asInt() > 65535);
        slice.putArray("ports").addAll(ports.values());
        Map<String, String> addresses = new TreeMap<>();
        for (JsonNode e : eps) {
            String node = e.path("nodeName").asText("");
            if (isEdge(nodes.get(node)) && !internalIp(nodes.get(node)).isEmpty()) {
                addresses.put(node, internalIp(nodes.get(node)));
            }
        }
        if (!addresses.isEmpty()) {
            ((ObjectNode) slice.path("metadata")).putObject("annotations").put(NODE_ADDRESSES_ANNOTATION, JSON.valueToTree(addresses).toString());
        }
        return slice;
    }

    private static void addEndpoint(ArrayNode eps, JsonNode addresses, String node, boolean ready, Map<String, JsonNode> nodes,
            Set<String> online) {
        if (addresses.size() == 0 || addresses.get(0).asText("").isEmpty()) {
            return;
        }
        boolean edge = isEdge(nodes.get(node));
        ObjectNode ep = eps.addObject();
        ep.putArray("addresses").add(addresses.get(0).asText());
        ep.putObject("conditions").put("ready", ready && (!edge || online.contains(node))).put("serving", ready).put("terminating", false);
        if (!node.isEmpty()) {
            ep.put("nodeName", node);
        }
    }

    /**
     * The objects one gateway should hold, keyed {@code service/<ns>/<name>} and
     * {@code endpointslice/<ns>/<name>}.
     */
    public static Map<String, JsonNode> forNode(String node, Collection<JsonNode> services, Collection<JsonNode> pods,
            Map<String, JsonNode> nodes, Map<String, ObjectNode> slices) {
        Set<String> myNamespaces = new HashSet<>();
        for (JsonNode pod : pods) {
            if (node.equals(pod.path("spec").path("nodeName").asText())) {
                myNamespaces.add(pod.path("metadata").path("namespace").asText());
            }
        }
        Map<String, JsonNode> out = new TreeMap<>();
        for (JsonNode svc : services) {
            String key = svc.path("metadata").path("namespace").asText() + "/" + svc.path("metadata").path("name").asText();
            ObjectNode slice = slices.get(key);
            boolean edgeBackends = false;
            if (slice != null) {
                for (JsonNode ep : slice.path("endpoints")) {
                    edgeBackends |= isEdge(nodes.get(ep.path("nodeName").asText()));
                }
            }
            if (edgeBackends || myNamespaces.contains(svc.path("metadata").path("namespace").asText())) {
                out.put("service/" + key, strip(svc));
                if (slice != null) {
                    out.put("endpointslice/" + key, slice);
                }
            }
        }
        return out;
    }

    /** One message to send: operation, key ({@code service/<ns>/<name>} …), object. */
    public record Change(String operation, String key, JsonNode object) {
    }

    /**
     * What to send a gateway that holds {@code have} so that it holds {@code want}: inserts of new
     * keys, updates of changed objects, deletes of keys no longer wanted (with the last object
     * sent, for its resourceVersion). Unchanged objects are not sent again.
     */
    public static java.util.List<Change> diff(Map<String, JsonNode> have, Map<String, JsonNode> want) {
        java.util.List<Change> out = new java.util.ArrayList<>();
        for (var e : want.entrySet()) {
            JsonNode before = have.get(e.getKey());
            if (!e.getValue().equals(before)) {
                out.add(new Change(before == null ? "insert" : "update", e.getKey(), e.getValue()));
            }
        }
        for (var e : have.entrySet()) {
            if (!want.containsKey(e.getKey())) {
                out.add(new Change("delete", e.getKey(), e.getValue()));
            }
        }
        return out;
    }

    /** The Service without what the gateway never needs (managed fields, status). */
    static JsonNode strip(JsonNode svc) {
        ObjectNode s = svc.deepCopy();
        ((ObjectNode) s.path("metadata")).remove("managedFields");
        s.remove("status");
        return s;
    }

    static boolean matches(JsonNode selector, JsonNode labels) {
        for (Iterator<Map.Entry<String, JsonNode>> it = selector.fields(); it.hasNext();) {
            var e = it.next();
            if (!e.getValue().asText().equals(labels.path(e.getKey()).asText(null))) {
                return false;
            }
        }
        return true;
    }

    static boolean podReady(JsonNode pod) {
        if (!"Running".equals(pod.path("status").path("phase").asText())) {
            return false;
        }
        for (JsonNode c : pod.path("status").path("conditions")) {
            if ("Ready".equals(c.path("type").asText())) {
                return "True".equals(c.path("status").asText());
            }
        }
        return false;
    }

    public static boolean isEdge(JsonNode node) {
        return node != null && node.path("metadata").path("labels").has(EDGE_ROLE_LABEL);
    }

    static String internalIp(JsonNode node) {
        for (JsonNode a : node.path("status").path("addresses")) {
            if ("InternalIP".equals(a.path("type").asText())) {
                return a.path("address").asText("");
            }
        }
        return "";
    }

    /** A numeric targetPort, or a named one looked up in the pod's container ports. */
    static int targetPort(JsonNode servicePort, JsonNode pod) {
        JsonNode t = servicePort.path("targetPort");
        if (t.isMissingNode() || t.isNull()) {
            return servicePort.path("port").asInt(0);
        }
        if (t.isInt() || t.asText().matches("\\d+")) {
            return t.asInt(Integer.parseInt(t.asText("0")));
        }
        for (JsonNode c : pod.path("spec").path("containers")) {
            for (JsonNode p : c.path("ports")) {
                if (t.asText().equals(p.path("name").asText())) {
                    return p.path("containerPort").asInt(0);
                }
            }
        }
        return 0;
    }
}
