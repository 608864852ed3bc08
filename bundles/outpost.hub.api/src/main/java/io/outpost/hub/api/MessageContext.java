package io.outpost.hub.api;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Where a message came from, and the way back.
 *
 * @since 1.0
 */
@ProviderType
public interface MessageContext {
    /**
     * @return the gateway's node name: on the cloud, the authenticated peer (taken from its
     *     client certificate, never from the message); on the edge, this gateway's own name
     */
    String nodeName();

    /**
     * Sends a message back over the connection the message came in on.
     *
     * @param message the message to send, typically {@code received.response(...)}
     * @return false if the connection is gone and the message was not queued
     */
    boolean reply(Message message);
}
