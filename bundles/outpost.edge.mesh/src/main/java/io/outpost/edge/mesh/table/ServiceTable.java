package io.outpost.edge.mesh.table;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An immutable snapshot of the Services and EndpointSlices this gateway knows, indexed by name and
 * by ClusterIP. Rebuilt whole on every change (a gateway knows tens of services, not thousands).
 * No OSGi, no I/O.
 */
public final class ServiceTable {
    /** Label of an EndpointSlice naming its Service (Kubernetes' own). */
    public static final String SERVICE_NAME_LABEL = "kubernetes.io/service-name";
    /** Slice annotation the cloud adds: JSON object node name → address of that node's tunnel. */
    public static final String NODE_ADDRESSES_ANNOTATION = "mesh.outpost.io/node-addresses";
    /** Service annotation choosing the balancer: round-robin or random. */
    public static final String BALANCER_ANNOTATION = "mesh.outpost.io/lb";
    /** Kubernetes' default ClientIP affinity timeout (3 hours). */
    public static final int DEFAULT_AFFINITY_SECONDS = 10800;

    private final Map<String, MeshService> byKey;
    private final Map<String, MeshService> byClusterIp;
    private final Map<String, String> nodeAddresses;

    private ServiceTable(Map<String, MeshService> byKey, Map<String, String> nodeAddresses) {
        this.byKey = byKey;
        this.nodeAddresses = nodeAddresses;
        Map<String, MeshService> ips = new HashMap<>();
        for (MeshService s : byKey.values()) {
            if (!s.clusterIp().isEmpty() && !s.headless()) {
                ips.put(s.clusterIp(), s);
            }
        }
        this.byClusterIp = ips;
    }

    public static ServiceTable empty() {
        return new ServiceTable(Map.of(), Map.of());
    }

    /**
     * Builds a table. Objects that lack what the mesh needs (a name, a usable ClusterIP, ports) are
     * skipped, never fatal: the cloud's objects were validated by Kubernetes already.
     */
    public static ServiceTable build(Collection<JsonNode> services, Collection<JsonNode> slices) {
        Map<String, List<JsonNode>> slicesByService = new HashMap<>();
        Map<String, String> nodes = new HashMap<>();
        for (JsonNode slice : slices) {
            String ns = slice.path("metadata").path("namespace").asText("");
            String svc = slice.path("metadata").path("labels").path(SERVICE_NAME_LABEL).asText("");
            if (!ns.isEmpty() && !svc.isEmpty()) {
                slicesByService.computeIfAbsent(ns + "/" + svc, k -> new ArrayList<>()).add(slice);
            }
            String addrs = slice.path("metadata").path("annotations").path(NODE_ADDRESSES_ANNOTATION).asText("");
            if (!addrs.isEmpty()) {
                try {
                    new com.fasterxml.jackson.databind.ObjectMapper().readTree(addrs).fields()
                            .forEachRemaining(e -> nodes.put(e.getKey(), e.getValue().asText()));
                } catch (java.io.IOException e) {
                    // A damaged annotation only costs the direct path; the relay still works.
                }
            }
        }
        Map<String, MeshService> byKey = new LinkedHashMap<>();
        for (JsonNode svc : services) {
            JsonNode meta = svc.path("metadata");
            JsonNode spec = svc.path("spec");
            String ns = meta.path("namespace").asText("");
            String name = meta.path("name").asText("");
            if (ns.isEmpty() || name.isEmpty()) {
                continue;
            }
            List<ServicePort> ports = new ArrayList<>();
            for (JsonNode p : spec.path("ports")) {
                String proto = p.path("protocol").asText("TCP");
                int port = p.path("port").asInt(0);
                if ((proto.equals("TCP") || proto.equals("UDP")) && port > 0 && port < 65536) {
                    ports.add(new ServicePort(p.path("name").asText(""), proto, port, p.path("targetPort").asText(Integer.toString(port))));
                }
            }
            Map<String, List<Backend>> backends = new HashMap<>();
            List<String> ready = new ArrayList<>();
            for (JsonNode slice : slicesByService.getOrDefault(ns + "/" + name, List.of())) {
                if (!"IPv4".equals(slice.path("addressType").asText("IPv4"))) {
                    continue;
                }
                for (JsonNode ep : slice.path("endpoints")) {
                    // Kubernetes: a missing ready condition means ready.
                    if (!ep.path("conditions").path("ready").asBoolean(true) || ep.path("addresses").isEmpty()) {
                        continue;
                    }
                    String ip = ep.path("addresses").get(0).asText();
                    ready.add(ip);
                    String node = ep.path("nodeName").asText("");
                    for (ServicePort sp : ports) {
                        int target = targetPort(sp, slice.path("ports"));
                        if (target > 0) {
                            backends.computeIfAbsent(sp.name(), k -> new ArrayList<>()).add(new Backend(ip, target, node));
                        }
                    }
                }
            }
            JsonNode timeout = spec.path("sessionAffinityConfig").path("clientIP").path("timeoutSeconds");
            byKey.put(ns + "/" + name, new MeshService(ns, name, spec.path("clusterIP").asText(""), List.copyOf(ports),
                    "ClientIP".equals(spec.path("sessionAffinity").asText("")),
                    timeout.canConvertToInt() && timeout.asInt() > 0 ? timeout.asInt() : DEFAULT_AFFINITY_SECONDS,
                    meta.path("annotations").path(BALANCER_ANNOTATION).asText(""), backends, List.copyOf(ready)));
        }
        return new ServiceTable(byKey, nodes);
    }

    /** The slice's port of the same name and protocol; else a numeric targetPort. */
    private static int targetPort(ServicePort sp, JsonNode slicePorts) {
        for (JsonNode p : slicePorts) {
            if (p.path("name").asText("").equals(sp.name()) && p.path("protocol").asText("TCP").equals(sp.protocol())) {
                return p.path("port").asInt(0);
            }
        }
        try {
            return slicePorts.isEmpty() ? Integer.parseInt(sp.targetPort()) : 0;
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    public Optional<MeshService> service(String namespace, String name) {
        return Optional.ofNullable(byKey.get(namespace + "/" + name));
    }

    public Optional<MeshService> byClusterIp(String ip) {
        return Optional.ofNullable(byClusterIp.get(ip));
    }

    public Collection<MeshService> services() {
        return byKey.values();
    }

    /** @return the tunnel address the cloud gave for a node, if any */
    public Optional<String> nodeAddress(String node) {
        return Optional.ofNullable(nodeAddresses.get(node));
    }

    /** @return whether some service has this pod address and port as a ready backend on {@code node} */
    public boolean isBackend(String ip, int port, String protocol, String node) {
        for (MeshService s : byKey.values()) {
            for (ServicePort sp : s.ports()) {
                if (sp.protocol().equals(protocol)) {
                    for (Backend b : s.backends(sp)) {
                        if (b.ip().equals(ip) && b.port() == port && (b.node().isEmpty() || b.node().equals(node))) {
                            return true;
                        }
                    }
                }
            }
        }
        return false;
    }
}
