package io.outpost.twin.api;

import java.util.Map;
import java.util.Objects;

/**
 * What changed in a device's twins.
 *
 * @param namespace the device's namespace
 * @param name the device's name
 * @param last the twins that changed, before (a property absent here had no twin)
 * @param current the same twins, after
 * @param delta every property of the device whose desired value the device does not have yet:
 *     property → desired value (KubeEdge's {@code delta}); may be empty
 * @param fromCloud whether the change came from the cloud (a Device update) rather than the edge
 * @since 0.2
 */
public record TwinEvent(String namespace, String name, Map<String, TwinProperty> last, Map<String, TwinProperty> current,
        Map<String, String> delta, boolean fromCloud) {
    public TwinEvent {
        Objects.requireNonNull(namespace);
        Objects.requireNonNull(name);
        last = Map.copyOf(last);
        current = Map.copyOf(current);
        delta = Map.copyOf(delta);
    }
}
