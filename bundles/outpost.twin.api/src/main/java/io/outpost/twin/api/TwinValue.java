package io.outpost.twin.api;

import java.util.Objects;

/**
 * One side of a twin (expected or actual): a value and when it was set.
 *
 * @param value the value as a string, as KubeEdge carries all twin values
 * @param timestamp when it was set, epoch milliseconds
 * @since 0.2
 */
public record TwinValue(String value, long timestamp) {
    public TwinValue {
        Objects.requireNonNull(value);
    }
}
