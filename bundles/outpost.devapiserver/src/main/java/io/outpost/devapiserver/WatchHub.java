package io.outpost.devapiserver;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Fan-out of object changes to watchers, plus a bounded history of recent changes so a watcher
 * can resume from a resource version.
 *
 * <p>Memory is bounded twice: the history keeps at most {@code maxEvents} events and about
 * {@code maxBytes} of objects (older ones are forgotten, and resuming from before them gets
 * "410 Expired"), and each watcher has a fixed-size queue. A watcher that does not keep up is
 * disconnected rather than buffered without limit; Kubernetes clients then re-watch from the last
 * resource version they saw, which replays from the history.
 *
 * <p>{@link ObjectStore} publishes while holding its write lock, so events arrive here in
 * resource-version order; this class has its own monitor so bookmarks, subscriptions and events
 * interleave consistently.
 */
final class WatchHub {

    /** A stored change. {@code previous} is the object before a MODIFIED change, else null. */
    record Event(String type, String storageKey, long resourceVersion, ObjectNode object, ObjectNode previous,
            long approximateBytes) {
    }

    /** What a watcher receives. */
    sealed interface Item permits Change, Bookmark, End {
    }

    /** The hub ended the watch; wakes the writer at once instead of at its next poll. */
    record End() implements Item {
    }

    /** An ADDED/MODIFIED/DELETED change as the watcher sees it (after its selectors). */
    record Change(String type, ObjectNode object) implements Item {
    }

    /** A progress notification; {@code initialEventsEnd} marks the end of sendInitialEvents. */
    record Bookmark(long resourceVersion, boolean initialEventsEnd) implements Item {
    }

    private final int maxEvents;
    private final long maxBytes;
    private final int queueCapacity;
    private final ArrayDeque<Event> history = new ArrayDeque<>();
    private long historyBytes;
    private long compactedThrough;
    private long lastResourceVersion;
    private final List<Subscription> subscriptions = new ArrayList<>();
    private boolean shutDown;

    WatchHub(int maxEvents, long maxBytes, int queueCapacity) {
        this.maxEvents = Math.max(1, maxEvents);
        this.maxBytes = Math.max(1024, maxBytes);
        this.queueCapacity = Math.max(16, queueCapacity);
    }

    /** Forgets history up to {@code resourceVersion}: used after loading saved state. */
    synchronized void resetHistory(long resourceVersion) {
        history.clear();
        historyBytes = 0;
        compactedThrough = resourceVersion;
        lastResourceVersion = resourceVersion;
    }

    synchronized void publish(Event event) {
        history.addLast(event);
        historyBytes += event.approximateBytes();
        while (history.size() > maxEvents || (historyBytes > maxBytes && history.size() > 1)) {
            Event evicted = history.removeFirst();
            historyBytes -= evicted.approximateBytes();
            compactedThrough = evicted.resourceVersion();
        }
        lastResourceVersion = event.resourceVersion();
        for (Iterator<Subscription> it = subscriptions.iterator(); it.hasNext(); ) {
            Subscription s = it.next();
            if (!s.storageKey.equals(event.storageKey())) {
                continue;
            }
            Change change = s.view(event);
            if (change != null && !s.queue.offer(change)) {
                // Too slow: end the stream; the client re-watches from its last resource version.
                s.closed = true;
                it.remove();
            }
        }
    }

    /**
     * Registers a watcher. With {@code sinceResourceVersion >= 0} the events after it are replayed
     * first (410 Expired if they are no longer all in the history); {@code initialObjects} are
     * delivered first as ADDED (for "no resourceVersion" / "0" watches and sendInitialEvents).
     */
    synchronized Subscription subscribe(String storageKey, Predicate<ObjectNode> filter, long sinceResourceVersion,
            List<ObjectNode> initialObjects, boolean bookmarks, boolean initialEventsEndBookmark)
            throws ApiException {
        Subscription s = new Subscription(storageKey, filter, bookmarks, queueCapacity);
        if (shutDown) {
            s.closed = true;
            return s;
        }
        if (sinceResourceVersion >= 0) {
            if (sinceResourceVersion < compactedThrough) {
                throw ApiException.expired("too old resource version: " + sinceResourceVersion + " (" + compactedThrough + ")");
            }
            for (Event e : history) {
                if (e.resourceVersion() > sinceResourceVersion && e.storageKey().equals(storageKey)) {
                    Change change = s.view(e);
                    if (change != null) {
                        s.initial.add(change);
                    }
                }
            }
        }
        for (ObjectNode o : initialObjects) {
            if (filter.test(o)) {
                s.initial.add(new Change("ADDED", o));
            }
        }
        if (initialEventsEndBookmark) {
            s.initial.add(new Bookmark(lastResourceVersion, true));
        }
        subscriptions.add(s);
        return s;
    }

    synchronized void unsubscribe(Subscription s) {
        subscriptions.remove(s);
        s.closed = true;
    }

    /** Sends a bookmark with the current resource version to every watcher that asked for them. */
    synchronized void bookmarkTick() {
        for (Subscription s : subscriptions) {
            if (s.bookmarks) {
                s.queue.offer(new Bookmark(lastResourceVersion, false));
            }
        }
    }

    /** Ends every watch of one resource (its CRD was deleted). */
    synchronized void closeResource(String storageKey) {
        for (Iterator<Subscription> it = subscriptions.iterator(); it.hasNext(); ) {
            Subscription s = it.next();
            if (s.storageKey.equals(storageKey)) {
                s.end();
                it.remove();
            }
        }
    }

    /** Ends all watches; clients reconnect. With {@code permanently}, new watches end at once too. */
    synchronized void closeAll(boolean permanently) {
        for (Subscription s : subscriptions) {
            s.end();
        }
        subscriptions.clear();
        shutDown |= permanently;
    }

    synchronized int activeWatches() {
        return subscriptions.size();
    }

    synchronized long lastResourceVersion() {
        return lastResourceVersion;
    }

    synchronized int historySize() {
        return history.size();
    }

    /** One watcher: its filter, what it must receive first, and its bounded live queue. */
    static final class Subscription {
        private final String storageKey;
        private final Predicate<ObjectNode> filter;
        private final boolean bookmarks;
        private final BlockingQueue<Item> queue;
        private final List<Item> initial = new ArrayList<>();
        private volatile boolean closed;

        private Subscription(String storageKey, Predicate<ObjectNode> filter, boolean bookmarks, int capacity) {
            this.storageKey = storageKey;
            this.filter = filter;
            this.bookmarks = bookmarks;
            this.queue = new ArrayBlockingQueue<>(capacity);
        }

        /** Items to send before any live one (replayed history, initial ADDED events). */
        List<Item> initialItems() {
            return initial;
        }

        /** The next live item, or null after {@code timeoutMillis} or when closed. */
        Item next(long timeoutMillis) throws InterruptedException {
            Item item = queue.poll(timeoutMillis, TimeUnit.MILLISECONDS);
            return item;
        }

        private void end() {
            closed = true;
            queue.offer(new End());
        }

        /** True once the hub ended this watch; items already queued may still be drained. */
        boolean isClosed() {
            return closed;
        }

        Item pollNow() {
            return queue.poll();
        }

        /**
         * How an event looks through this watcher's selectors: an object that starts matching
         * is ADDED, one that stops matching is DELETED, as on a real server.
         */
        private Change view(Event e) {
            boolean now = filter.test(e.object());
            switch (e.type()) {
                case "ADDED":
                    return now ? new Change("ADDED", e.object()) : null;
                case "DELETED":
                    return now ? new Change("DELETED", e.object()) : null;
                default:
                    boolean before = e.previous() != null && filter.test(e.previous());
                    if (now && before) {
                        return new Change("MODIFIED", e.object());
                    }
                    if (now) {
                        return new Change("ADDED", e.object());
                    }
                    if (before) {
                        ObjectNode gone = e.previous().deepCopy();
                        KubeObjects.metadata(gone).put("resourceVersion", Long.toString(e.resourceVersion()));
                        return new Change("DELETED", gone);
                    }
                    return null;
            }
        }
    }
}
