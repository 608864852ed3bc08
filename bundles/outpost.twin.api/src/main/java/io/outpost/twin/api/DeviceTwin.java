package io.outpost.twin.api;

import java.util.Map;
import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The device twins of this gateway: per device and property, the expected (desired) and the
 * actual value, kept in the gateway's meta store so they survive restarts and cloud outages.
 * Desired values come from the cloud (the Device's {@code spec.properties[].desired}) or from edge
 * applications; actual values come from mappers. The twin sends actual values to the cloud at
 * each property's report cycle — only the latest value, so a gateway that was offline does not
 * replay a backlog.
 *
 * <p>Thread-safe. Changes are announced to {@link TwinListener} services.
 *
 * @since 0.2
 */
@ProviderType
public interface DeviceTwin {
    /**
     * @param namespace the device's namespace
     * @param name the device's name
     * @return the twins of the device by property name, or empty when the device is not on this
     *     gateway
     */
    Optional<Map<String, TwinProperty>> twins(String namespace, String name);

    /**
     * Applies changes from the edge side. Keys must be properties of the device; values must fit
     * the property's type and range (a desired value) and be at most
     * {@link PropertySpec#MAX_VALUE_LENGTH} characters.
     *
     * @param namespace the device's namespace
     * @param name the device's name
     * @param changes by property name
     * @return the twins that changed, after the change (KubeEdge's update result)
     * @throws TwinException 404 when the device is not on this gateway, 400 when a change is
     *     refused (nothing of the update is applied then)
     */
    Map<String, TwinProperty> update(String namespace, String name, Map<String, TwinChange> changes);

    /**
     * @return the device's state, or empty when the device is not on this gateway
     */
    Optional<DeviceState> state(String namespace, String name);

    /**
     * Records the device's state as its mapper sees it and reports it to the cloud.
     *
     * @param namespace the device's namespace
     * @param name the device's name
     * @param state one of {@link DeviceState#STATES}, any case
     * @param reason why, when not online; may be null
     * @return the state recorded
     * @throws TwinException 404 when the device is not here, 400 when the state is unknown
     */
    DeviceState updateState(String namespace, String name, String state, String reason);
}
