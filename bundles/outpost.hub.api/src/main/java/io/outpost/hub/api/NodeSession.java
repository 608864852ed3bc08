package io.outpost.hub.api;

import java.time.Instant;

/**
 * A gateway connected to the cloud hub.
 *
 * @param nodeName the node, from the client certificate's common name
 * @param remoteAddress the peer's address as host:port
 * @param connectedAt when the session started
 * @param lastSeen when the last frame arrived
 * @param certificateExpiry when the client certificate expires
 * @param latencyMillis round-trip time of the cloud's last answered WebSocket ping to the gateway,
 *     in ms, or -1 while none was answered (since 1.2)
 * @since 1.0
 */
public record NodeSession(
        String nodeName, String remoteAddress, Instant connectedAt, Instant lastSeen, Instant certificateExpiry, long latencyMillis) {

    /** A session whose latency is not known (yet). */
    public NodeSession(String nodeName, String remoteAddress, Instant connectedAt, Instant lastSeen, Instant certificateExpiry) {
        this(nodeName, remoteAddress, connectedAt, lastSeen, certificateExpiry, -1);
    }
}
