package io.outpost.mapper.api;

import java.util.Objects;

/**
 * A value read from a device.
 *
 * @param value the value as a string in the property's type (numbers in Java's plain notation)
 * @param timestamp when it was read, epoch ms
 * @since 0.1
 */
public record Reading(String value, long timestamp) {
    public Reading {
        Objects.requireNonNull(value);
    }
}
