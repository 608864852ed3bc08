package io.outpost.twin.api;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Whiteboard: register a service of this type to hear about twin changes (the event bus publishes
 * them on MQTT; the mapper manager writes desired values). Called on the twin's thread: return
 * quickly and never block.
 *
 * @since 0.2
 */
@ConsumerType
public interface TwinListener {
    /** A device's twins changed (a new desired value, a new actual value, or the device's model). */
    void twinChanged(TwinEvent event);

    /** A device's state changed. */
    default void stateChanged(String namespace, String name, DeviceState state) {
    }
}
