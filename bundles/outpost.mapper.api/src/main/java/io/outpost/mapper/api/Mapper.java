package io.outpost.mapper.api;

import io.outpost.twin.api.DeviceSpec;
import java.util.List;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * A protocol driver. Register one as an OSGi service with the property {@value #PROTOCOL} set to
 * the protocol name that Devices give in {@code spec.protocol.protocolName} (for example
 * {@code modbus}). Stopping the bundle closes its sessions; the devices go offline and come back
 * when a mapper for their protocol returns.
 *
 * <p>Implementations are thread-safe: sessions of different devices are used concurrently.
 *
 * @since 0.1
 */
@ConsumerType
public interface Mapper {
    /** Service property: the protocol name this mapper serves. */
    String PROTOCOL = "outpost.mapper.protocol";

    /**
     * Checks a device's protocol settings and property visitors before use. Does no I/O.
     *
     * @param device the device with its model, never null
     * @return one message per problem (what is wrong and what to write instead), empty when the
     *     device can be served; a device with problems is not opened, and the problems appear as a
     *     condition in the Device's status
     */
    List<String> validate(DeviceSpec device);

    /**
     * Opens a session to a device. May connect lazily; must not block for longer than the
     * device's own timeouts.
     *
     * @param device the device, already validated
     * @param listener where the session reports pushed values and its health; never null
     * @return the session, never null
     * @throws MapperException when the device cannot be served at all (not for a device that is
     *     merely offline: that is reported through the listener and retried by the session)
     */
    DeviceSession open(DeviceSpec device, DeviceListener listener) throws MapperException;
}
