package io.outpost.devapiserver;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The in-memory object database: objects per resource, keyed by namespace and name, and one
 * global resourceVersion counter (like etcd's revision) that every write increments.
 *
 * <p>All writes go through {@link #write(Action)}, which holds a single lock, so a
 * read-check-write sequence (update with a resourceVersion precondition, a patch) is atomic and
 * watch events are published in resourceVersion order. Stored objects are never modified after
 * they are stored; callers get and give copies.
 */
final class ObjectStore {

    /** A unit of work run under the store lock. */
    interface Action<T> {
        T run() throws ApiException;
    }

    /** One stored object with the resource it belongs to, for snapshots. */
    record Entry(String storageKey, ObjectNode object) {
    }

    private final ReentrantLock lock = new ReentrantLock();
    private final Map<String, NavigableMap<String, ObjectNode>> objects = new HashMap<>();
    private final WatchHub hub;
    private final Codec codec;
    private final Runnable onChange;
    private long resourceVersion = 1;

    ObjectStore(WatchHub hub, Codec codec, Runnable onChange) {
        this.hub = hub;
        this.codec = codec;
        this.onChange = onChange;
        hub.resetHistory(resourceVersion);
    }

    <T> T write(Action<T> action) throws ApiException {
        lock.lock();
        try {
            return action.run();
        } finally {
            lock.unlock();
        }
    }

    <T> T read(Action<T> action) throws ApiException {
        return write(action);
    }

    long resourceVersion() {
        lock.lock();
        try {
            return resourceVersion;
        } finally {
            lock.unlock();
        }
    }

    /** The stored object (a copy), or null. */
    ObjectNode get(String storageKey, String namespace, String name) {
        lock.lock();
        try {
            NavigableMap<String, ObjectNode> map = objects.get(storageKey);
            ObjectNode o = map == null ? null : map.get(KubeObjects.key(namespace, name));
            return o == null ? null : o.deepCopy();
        } finally {
            lock.unlock();
        }
    }

    /** Objects of one resource, in one namespace or all (null), ordered by namespace and name. */
    List<ObjectNode> list(String storageKey, String namespace) {
        lock.lock();
        try {
            NavigableMap<String, ObjectNode> map = objects.get(storageKey);
            List<ObjectNode> result = new ArrayList<>();
            if (map == null) {
                return result;
            }
            Map<String, ObjectNode> range = namespace == null ? map
                    : map.subMap(namespace + "/", true, namespace + "0", false);
            for (ObjectNode o : range.values()) {
                result.add(o.deepCopy());
            }
            return result;
        } finally {
            lock.unlock();
        }
    }

    /** Whether any object of any resource lives in the namespace. */
    boolean namespaceHasObjects(String namespace) {
        lock.lock();
        try {
            for (NavigableMap<String, ObjectNode> map : objects.values()) {
                if (!map.subMap(namespace + "/", true, namespace + "0", false).isEmpty()) {
                    return true;
                }
            }
            return false;
        } finally {
            lock.unlock();
        }
    }

    /** Resources that have objects in the namespace. */
    List<String> storageKeysInNamespace(String namespace) {
        lock.lock();
        try {
            List<String> result = new ArrayList<>();
            objects.forEach((key, map) -> {
                if (!map.subMap(namespace + "/", true, namespace + "0", false).isEmpty()) {
                    result.add(key);
                }
            });
            return result;
        } finally {
            lock.unlock();
        }
    }

    /** Stores a new object; sets its resourceVersion and publishes ADDED. Requires the lock. */
    ObjectNode insert(String storageKey, ObjectNode object) {
        return store(storageKey, object, "ADDED", null);
    }

    /** Replaces an object; sets its resourceVersion and publishes MODIFIED. Requires the lock. */
    ObjectNode replace(String storageKey, ObjectNode object, ObjectNode previous) {
        return store(storageKey, object, "MODIFIED", previous);
    }

    private ObjectNode store(String storageKey, ObjectNode object, String event, ObjectNode previous) {
        requireLock();
        long rv = ++resourceVersion;
        ObjectNode stored = object.deepCopy();
        KubeObjects.metadata(stored).put("resourceVersion", Long.toString(rv));
        objects.computeIfAbsent(storageKey, k -> new TreeMap<>())
                .put(KubeObjects.key(KubeObjects.namespace(stored), KubeObjects.name(stored)), stored);
        publish(event, storageKey, rv, stored, previous);
        return stored.deepCopy();
    }

    /**
     * Removes an object, publishing DELETED with {@code lastState} (the final state, e.g. with its
     * last finalizer removed) or else the stored state; returns that state, or null if absent.
     */
    ObjectNode remove(String storageKey, String namespace, String name, ObjectNode lastState) {
        requireLock();
        NavigableMap<String, ObjectNode> map = objects.get(storageKey);
        ObjectNode old = map == null ? null : map.remove(KubeObjects.key(namespace, name));
        if (old == null) {
            return null;
        }
        long rv = ++resourceVersion;
        ObjectNode last = (lastState != null ? lastState : old).deepCopy();
        KubeObjects.metadata(last).put("resourceVersion", Long.toString(rv));
        publish("DELETED", storageKey, rv, last, null);
        return last.deepCopy();
    }

    private void publish(String type, String storageKey, long rv, ObjectNode object, ObjectNode previous) {
        long size = codec.write(object).length;
        hub.publish(new WatchHub.Event(type, storageKey, rv, object, previous, size));
        onChange.run();
    }

    /** A consistent copy of everything, for persistence. */
    List<Entry> snapshot(long[] resourceVersionOut) {
        lock.lock();
        try {
            List<Entry> result = new ArrayList<>();
            objects.forEach((key, map) -> map.values().forEach(o -> result.add(new Entry(key, o))));
            resourceVersionOut[0] = resourceVersion;
            return result;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Replaces the whole content with saved state, without watch events (no one watches yet).
     * Watch history starts empty, so resuming from an older resourceVersion gets 410 Expired and
     * clients relist, as after an etcd compaction.
     */
    void restore(List<Entry> entries, long savedResourceVersion) {
        lock.lock();
        try {
            objects.clear();
            long max = savedResourceVersion;
            for (Entry e : entries) {
                ObjectNode o = e.object().deepCopy();
                objects.computeIfAbsent(e.storageKey(), k -> new TreeMap<>())
                        .put(KubeObjects.key(KubeObjects.namespace(o), KubeObjects.name(o)), o);
                try {
                    max = Math.max(max, Long.parseLong(KubeObjects.resourceVersion(o)));
                } catch (NumberFormatException ignored) {
                    // keep the saved counter
                }
            }
            resourceVersion = Math.max(resourceVersion, max);
            hub.resetHistory(resourceVersion);
        } finally {
            lock.unlock();
        }
    }

    private void requireLock() {
        if (!lock.isHeldByCurrentThread()) {
            throw new IllegalStateException("store writes must run inside ObjectStore.write");
        }
    }
}
