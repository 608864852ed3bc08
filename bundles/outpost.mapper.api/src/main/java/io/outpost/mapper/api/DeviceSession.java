package io.outpost.mapper.api;

import io.outpost.twin.api.PropertySpec;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * A mapper's connection to one device. The device manager calls it from one thread at a time per
 * device (never concurrently for the same session), so implementations need no locking of their
 * own for the device's state. Calls may block on I/O up to the device's timeouts.
 *
 * @since 0.1
 */
@ConsumerType
public interface DeviceSession extends AutoCloseable {
    /**
     * Reads properties. A mapper should batch what the protocol allows (contiguous registers in
     * one request, several nodes in one read).
     *
     * @param properties the properties due, never empty
     * @return the values read by property name; a property missing from the map was not read
     *     (its error is reported through {@link DeviceListener#health})
     * @throws MapperException when the device could not be read at all (offline, timeout)
     */
    Map<String, Reading> read(List<PropertySpec> properties) throws MapperException;

    /**
     * Writes a desired value; the value has been checked against the property's type and range.
     *
     * @throws MapperException when the device refused or could not be reached
     */
    void write(PropertySpec property, String value) throws MapperException;

    /**
     * @return the properties this session pushes through {@link DeviceListener#value} on its own
     *     (subscriptions, notifications); these are not polled. Empty by default.
     */
    default Set<String> pushed() {
        return Set.of();
    }

    /** Closes the connection and stops any push. Never throws. */
    @Override
    void close();
}
