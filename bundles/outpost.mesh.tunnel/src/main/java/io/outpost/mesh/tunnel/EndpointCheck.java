package io.outpost.mesh.tunnel;

/**
 * Whether an address may be reached through this gateway's tunnel: it must be a ready endpoint on
 * this gateway. Keeps the tunnel from being an open proxy into the gateway's networks.
 */
@FunctionalInterface
public interface EndpointCheck {
    /**
     * @param ip the pod's IPv4 address
     * @param port the pod's port
     * @param protocol "TCP" or "UDP"
     * @return whether a stream to it may be opened
     */
    boolean isLocalEndpoint(String ip, int port, String protocol);
}
