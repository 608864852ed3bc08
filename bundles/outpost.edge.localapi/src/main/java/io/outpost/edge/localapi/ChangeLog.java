package io.outpost.edge.localapi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * The local API's resource versions and watch events. The meta store keeps objects, not a
 * history, and pod statuses live in the pod manager; so this class compares what the sources
 * hold now with what it saw last ({@link #refresh}) and turns every difference into an event
 * with a resource version of its own: ADDED, MODIFIED, DELETED (and DELETED + ADDED when a name
 * was reused by a new object, i.e. its uid changed).
 *
 * <p>Resource versions are numbers that only grow within one run and start above every number
 * of an earlier run ({@code start epoch ms × 1000}); a client resuming with a version of an
 * earlier run, or older than the bounded history, gets 410 Expired and lists again, as client-go
 * does against any API server. Served objects carry these versions in
 * {@code metadata.resourceVersion}, so informers stay consistent; the cloud's version is not
 * shown. No OSGi; thread-safe (one monitor).
 */
public final class ChangeLog {
    /** A change as stored in the history. */
    record Event(String type, ApiResource resource, ObjectNode object, long resourceVersion) {
    }

    /** Receives a watch's events; returns false when it cannot take more (gone or too slow). */
    public interface Sink {
        boolean event(String type, ObjectNode object);

        /** The watch ended on the server's side (shut down, or the client was too slow). */
        void end();
    }

    /** The resume point is no longer (or never was) in the history. */
    public static final class Expired extends Exception {
        private static final long serialVersionUID = 1L;

        public Expired(String message) {
            super(message, null, false, false);
        }
    }

    /** A registered watch. */
    public final class Watch {
        private final ApiResource resource;
        private final Predicate<JsonNode> filter;
        private final Sink sink;

        private Watch(ApiResource resource, Predicate<JsonNode> filter, Sink sink) {
            this.resource = resource;
            this.filter = filter;
            this.sink = sink;
        }

        /** Ends this watch from the client's side. */
        public void cancel() {
            synchronized (ChangeLog.this) {
                watches.remove(this);
            }
        }
    }

    private record Entry(ObjectNode raw, long resourceVersion) {
    }

    private final long base;
    private final int maxEvents;
    private final long maxBytes;
    private long resourceVersion;
    private long compactedThrough;
    private long historyBytes;
    private final ArrayDeque<Event> history = new ArrayDeque<>();
    private final Map<ApiResource, TreeMap<String, Entry>> current = new HashMap<>();
    private final Set<ApiResource> refreshed = new HashSet<>();
    private final List<Watch> watches = new ArrayList<>();

    /**
     * @param startMillis when this run started (epoch ms): the base of its resource versions
     * @param maxEvents events kept for resuming watches
     * @param maxBytes about this many bytes of objects kept in the history
     */
    public ChangeLog(long startMillis, int maxEvents, long maxBytes) {
        this.base = startMillis * 1000;
        this.resourceVersion = base;
        this.compactedThrough = base;
        this.maxEvents = Math.max(1, maxEvents);
        this.maxBytes = Math.max(1024, maxBytes);
    }

    /** @return the newest resource version */
    public synchronized long resourceVersion() {
        return resourceVersion;
    }

    /** @return the resources that have a watch open (they are refreshed by the caller's timer) */
    public synchronized Set<ApiResource> watched() {
        Set<ApiResource> out = new HashSet<>();
        watches.forEach(w -> out.add(w.resource));
        return out;
    }

    /** @return how many watches are open */
    public synchronized int watchCount() {
        return watches.size();
    }

    /**
     * Compares the objects a resource has now with the last ones, records and delivers the
     * differences.
     *
     * @param resource the resource
     * @param objects every object of it, as the source holds them now
     * @return the objects as served (with their resource versions), sorted by namespace/name
     */
    public synchronized List<ObjectNode> refresh(ApiResource resource, List<? extends JsonNode> objects) {
        TreeMap<String, Entry> before = current.computeIfAbsent(resource, r -> new TreeMap<>());
        boolean first = refreshed.add(resource);
        TreeMap<String, Entry> now = new TreeMap<>();
        for (JsonNode o : objects) {
            if (!o.isObject()) {
                continue;
            }
            ObjectNode raw = normalise(resource, (ObjectNode) o);
            String key = key(raw);
            Entry old = before.get(key);
            if (old != null && old.raw.equals(raw)) {
                now.put(key, old);
                continue;
            }
            if (old != null && !uid(old.raw).equals(uid(raw))) {
                record("DELETED", resource, served(old.raw, ++resourceVersion));
                old = null;
            }
            Entry e = new Entry(raw, ++resourceVersion);
            now.put(key, e);
            // What was there before the first look is not news: no history for it.
            if (!first) {
                record(old == null ? "ADDED" : "MODIFIED", resource, served(raw, e.resourceVersion));
            }
        }
        for (Map.Entry<String, Entry> gone : before.entrySet()) {
            if (!now.containsKey(gone.getKey())) {
                record("DELETED", resource, served(gone.getValue().raw, ++resourceVersion));
            }
        }
        current.put(resource, now);
        List<ObjectNode> out = new ArrayList<>(now.size());
        now.values().forEach(e -> out.add(served(e.raw, e.resourceVersion)));
        return out;
    }

    /**
     * Registers a watch.
     *
     * @param resource what it watches
     * @param filter which objects it sees (namespace, name, selectors)
     * @param since resume after this resource version; negative: start with ADDED events for
     *     every current object (a watch without resourceVersion, or with "0")
     * @param sink where events go; called under this object's monitor, must not block
     * @throws Expired when {@code since} is older than the history or not of this run
     */
    public synchronized Watch watch(ApiResource resource, Predicate<JsonNode> filter, long since, Sink sink) throws Expired {
        if (since >= 0 && (since < compactedThrough || since > resourceVersion)) {
            throw new Expired("too old resource version: " + since + " (" + compactedThrough + ")");
        }
        Watch w = new Watch(resource, filter, sink);
        if (since < 0) {
            for (Entry e : current.getOrDefault(resource, new TreeMap<>()).values()) {
                ObjectNode o = served(e.raw, e.resourceVersion);
                if (filter.test(o) && !sink.event("ADDED", o)) {
                    sink.end();
                    return w;
                }
            }
        } else {
            for (Event e : history) {
                if (e.resourceVersion > since && e.resource.equals(resource) && filter.test(e.object)
                        && !sink.event(e.type, e.object)) {
                    sink.end();
                    return w;
                }
            }
        }
        watches.add(w);
        return w;
    }

    /** Ends every watch (the server stops); clients reconnect and resume or list again. */
    public synchronized void endAll() {
        for (Watch w : watches) {
            w.sink.end();
        }
        watches.clear();
    }

    private void record(String type, ApiResource resource, ObjectNode object) {
        long rv = Long.parseLong(object.path("metadata").path("resourceVersion").asText());
        Event e = new Event(type, resource, object, rv);
        long bytes = object.toString().length();
        history.addLast(e);
        historyBytes += bytes;
        while (history.size() > maxEvents || (historyBytes > maxBytes && history.size() > 1)) {
            Event old = history.removeFirst();
            historyBytes -= old.object.toString().length();
            compactedThrough = old.resourceVersion;
        }
        for (Iterator<Watch> it = watches.iterator(); it.hasNext(); ) {
            Watch w = it.next();
            if (w.resource.equals(resource) && w.filter.test(object) && !w.sink.event(type, object)) {
                it.remove();
                w.sink.end();
            }
        }
    }

    /** The object without the cloud's resourceVersion, with its apiVersion and kind. */
    private static ObjectNode normalise(ApiResource resource, ObjectNode o) {
        ObjectNode raw = o.deepCopy();
        raw.put("apiVersion", resource.groupVersion());
        raw.put("kind", resource.kind());
        if (raw.path("metadata").isObject()) {
            ((ObjectNode) raw.get("metadata")).remove("resourceVersion");
        } else {
            raw.putObject("metadata");
        }
        if (!resource.namespaced()) {
            ((ObjectNode) raw.get("metadata")).remove("namespace");
        }
        return raw;
    }

    private static ObjectNode served(ObjectNode raw, long rv) {
        ObjectNode o = raw.deepCopy();
        ((ObjectNode) o.get("metadata")).put("resourceVersion", Long.toString(rv));
        return o;
    }

    static String key(JsonNode o) {
        return o.path("metadata").path("namespace").asText("") + "/" + o.path("metadata").path("name").asText("");
    }

    private static String uid(JsonNode o) {
        return o.path("metadata").path("uid").asText("");
    }
}
