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
 * @since 1.0
 */
public record NodeSession(
        String nodeName, String remoteAddress, Instant connectedAt, Instant lastSeen, Instant certificateExpiry) {
}
