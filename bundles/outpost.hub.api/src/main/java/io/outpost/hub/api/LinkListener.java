package io.outpost.hub.api;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Whiteboard service told when the edge hub's link comes up and goes down, e.g. to send a full
 * state after a reconnect. Called on a link thread; must not block.
 *
 * @since 1.0
 */
@ConsumerType
public interface LinkListener {
    /** The link is connected and authenticated. */
    void linkUp(EdgeHub hub);

    /** The link is gone; a reconnect is scheduled. */
    default void linkDown(EdgeHub hub, String reason) {
    }
}
