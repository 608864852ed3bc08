package io.outpost.edge.mesh.table;

/**
 * One port of a Service.
 *
 * @param name the port's name ("" for a single unnamed port)
 * @param protocol "TCP" or "UDP" (SCTP ports are ignored)
 * @param port the port on the ClusterIP
 * @param targetPort the pod port, a number or a container port name
 */
public record ServicePort(String name, String protocol, int port, String targetPort) {
}
