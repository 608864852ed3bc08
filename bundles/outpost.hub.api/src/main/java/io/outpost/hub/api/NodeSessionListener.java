package io.outpost.hub.api;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Whiteboard service told when gateways connect to and disconnect from this cloud replica.
 * Called on a link thread; must not block.
 *
 * @since 1.0
 */
@ConsumerType
public interface NodeSessionListener {
    void connected(NodeSession session);

    /** @param reason why, in words, e.g. "keepalive timeout" or "closed by peer" */
    void disconnected(NodeSession session, String reason);
}
