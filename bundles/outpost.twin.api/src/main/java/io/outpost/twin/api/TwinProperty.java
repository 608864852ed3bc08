package io.outpost.twin.api;

import java.util.Objects;

/**
 * The twin of one device property: what the cloud (or an edge app) wants and what the device
 * has.
 *
 * @param expected the desired value, or null when none is set
 * @param actual the value last read from the device, or null when none was read yet
 * @param type the property's type as KubeEdge writes it ({@code int}, {@code float}, …)
 * @since 0.2
 */
public record TwinProperty(TwinValue expected, TwinValue actual, String type) {
    public TwinProperty {
        Objects.requireNonNull(type);
    }

    /** @return whether a desired value is set and the device does not have it (yet) */
    public boolean hasDelta() {
        return expected != null && !expected.value().isEmpty() && (actual == null || !actual.value().equals(expected.value()));
    }
}
