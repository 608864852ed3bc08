package io.outpost.twin.api;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Whiteboard: register a service of this type to hear when the cloud adds, changes or removes a
 * device of this gateway. Called on the link's thread: return quickly.
 *
 * @since 0.2
 */
@ConsumerType
public interface InventoryListener {
    /** The device was assigned to this gateway. */
    void deviceAdded(EdgeDevice device);

    /** The device or its model changed. */
    void deviceUpdated(EdgeDevice device);

    /** The device is no longer assigned to this gateway. */
    void deviceRemoved(EdgeDevice device);
}
