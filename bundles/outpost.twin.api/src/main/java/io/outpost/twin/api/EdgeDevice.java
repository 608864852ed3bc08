package io.outpost.twin.api;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Objects;

/**
 * A device assigned to this gateway, as the cloud sent it.
 *
 * @param namespace the Device's namespace
 * @param name the Device's name
 * @param model the DeviceModel's name ({@code spec.deviceModelRef.name}), or "" if none
 * @param protocol {@code spec.protocol.protocolName}, or ""
 * @param properties the names of the device's properties, in the Device's order
 * @param device the whole Device object, never null
 * @param deviceModel the whole DeviceModel object, or a JSON null node when the cloud has not
 *     sent it (yet)
 * @since 0.1
 */
public record EdgeDevice(String namespace, String name, String model, String protocol, List<String> properties, JsonNode device,
        JsonNode deviceModel) {
    public EdgeDevice {
        Objects.requireNonNull(namespace);
        Objects.requireNonNull(name);
        properties = List.copyOf(properties);
    }

    /**
     * @return the device merged with its model and checked
     * @since 0.2
     */
    public DeviceSpec spec() {
        return DeviceSpec.of(device, deviceModel);
    }

    /** @return KubeEdge's device id, {@code <namespace>/<name>} */
    public String id() {
        return namespace + "/" + name;
    }
}
