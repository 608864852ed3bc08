package io.outpost.hub.api;

import java.util.Collection;
import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The cloud side of the link: the sessions of connected gateways. Thread-safe.
 *
 * @since 1.0
 */
@ProviderType
public interface CloudHub {
    /**
     * Sends a message to a gateway. The resource is sent as given; use {@link Resource#linkPath}
     * to address an object on the node.
     *
     * @return false when the node has no session on this replica
     */
    boolean send(String nodeName, Message message);

    /** @return the sessions held by this replica, never null */
    Collection<NodeSession> sessions();

    /** @return the session of a node on this replica, if any */
    Optional<NodeSession> session(String nodeName);
}
