package io.outpost.edge.mesh.table;

/**
 * Where one service port's traffic can go: a pod's address and port, and the node it runs on.
 *
 * @param ip the pod's IPv4 address
 * @param port the target port on the pod
 * @param node the node the pod runs on ("" when the slice does not say: taken as local)
 */
public record Backend(String ip, int port, String node) {
    @Override
    public String toString() {
        return ip + ":" + port + (node.isEmpty() ? "" : "@" + node);
    }
}
