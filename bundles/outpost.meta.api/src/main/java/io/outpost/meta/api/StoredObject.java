package io.outpost.meta.api;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Objects;

/**
 * An object in the meta store.
 *
 * @param kind its kind
 * @param key its key
 * @param value the object
 * @param resourceVersion the resourceVersion it was stored with, or ""
 * @param updated when it was last written, epoch ms
 * @since 0.1
 */
public record StoredObject(String kind, String key, JsonNode value, String resourceVersion, long updated) {
    public StoredObject {
        Objects.requireNonNull(kind);
        Objects.requireNonNull(key);
        Objects.requireNonNull(value);
        resourceVersion = resourceVersion == null ? "" : resourceVersion;
    }
}
