package io.outpost.mapper.api;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Where a session reports what it learns on its own. Thread-safe; returns quickly.
 *
 * @since 0.1
 */
@ProviderType
public interface DeviceListener {
    /**
     * A pushed value (a subscription or notification).
     *
     * @param property the property's name
     * @param value the value as a string
     * @param timestamp when it was read, epoch ms
     */
    void value(String property, String value, long timestamp);

    /**
     * The device's health changed.
     *
     * @param online whether the device answers
     * @param reason why not, when offline (for example "connection refused by 10.0.0.5:502"); "" or
     *     null when online
     */
    void health(boolean online, String reason);
}
