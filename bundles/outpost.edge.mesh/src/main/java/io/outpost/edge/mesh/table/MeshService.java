package io.outpost.edge.mesh.table;

import java.util.List;
import java.util.Map;

/**
 * A Service as the mesh sees it, with its ready backends per port.
 *
 * @param namespace the namespace
 * @param name the name
 * @param clusterIp the ClusterIP, "" for none, "None" for a headless service
 * @param ports the ports (TCP and UDP)
 * @param clientIpAffinity {@code spec.sessionAffinity: ClientIP}
 * @param affinitySeconds how long a client stays with its backend
 * @param balancer "round-robin" or "random" (annotation {@code mesh.outpost.io/lb}), "" = the default
 * @param backends ready backends per port name
 * @param readyAddresses the ready endpoints' addresses (for headless services)
 */
public record MeshService(String namespace, String name, String clusterIp, List<ServicePort> ports, boolean clientIpAffinity,
        int affinitySeconds, String balancer, Map<String, List<Backend>> backends, List<String> readyAddresses) {

    /** @return ready backends of a port, never null */
    public List<Backend> backends(ServicePort port) {
        return backends.getOrDefault(port.name(), List.of());
    }

    public String key() {
        return namespace + "/" + name;
    }

    public boolean headless() {
        return "None".equals(clusterIp);
    }
}
