package io.outpost.meta.api;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Durable objects by kind and key. A write has reached the disk (SQLite in WAL mode, synchronous
 * commit) when the method returns, so a message may be acknowledged to the cloud after it.
 *
 * <p>Kinds are short lower-case names owned by the bundle that writes them ({@code device},
 * {@code devicemodel}, {@code twin}, {@code pod}, …); keys are usually {@code <namespace>/<name>}.
 * Thread-safe.
 *
 * @since 0.1
 */
@ProviderType
public interface MetaStore {
    /** The largest value accepted, in bytes of its JSON form. */
    int MAX_VALUE_BYTES = 4 * 1024 * 1024;

    /**
     * @return the object of this kind and key, or empty
     * @throws MetaStoreException when the store cannot be read
     */
    Optional<StoredObject> get(String kind, String key);

    /**
     * @return every object of this kind, sorted by key; never null
     * @throws MetaStoreException when the store cannot be read
     */
    List<StoredObject> list(String kind);

    /**
     * Inserts or replaces an object.
     *
     * @param kind the kind
     * @param key the key
     * @param value the object, never null
     * @param resourceVersion the Kubernetes resourceVersion the object was sent with, or "" for
     *     objects of the edge's own
     * @throws MetaStoreException when the store cannot be written, or the value is larger than
     *     {@link #MAX_VALUE_BYTES}
     */
    void put(String kind, String key, JsonNode value, String resourceVersion);

    /**
     * @return whether an object was there to delete
     * @throws MetaStoreException when the store cannot be written
     */
    boolean delete(String kind, String key);
}
