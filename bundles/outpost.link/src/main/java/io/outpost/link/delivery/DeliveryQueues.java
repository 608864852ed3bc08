package io.outpost.link.delivery;

import io.outpost.hub.api.Message;
import io.outpost.hub.api.Operations;
import io.outpost.hub.api.Resource;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Per-node queues of cloud-to-edge object messages with at-least-once delivery (see
 * {@code io.outpost.hub.api.delivery.ReliableDelivery} for the contract).
 *
 * <p>Per node: a FIFO of entries, one per object (uid) or route; an entry holds the message
 * being delivered ({@code inFlight}, sent and not yet acknowledged) and the newest message not
 * yet sent ({@code next}). At most {@link Settings#window} entries of a node are in flight at
 * once, so one slow gateway never holds memory of unbounded sends, and one object is never in
 * flight twice, so two versions of it cannot overtake each other on the wire. Each node is
 * guarded by its own lock; sends are non-blocking writes to the link.
 */
public final class DeliveryQueues {
    private static final Logger LOG = LoggerFactory.getLogger(DeliveryQueues.class);

    /** Where messages go. {@link #send} must not block. */
    public interface Transport {
        /** @return false when the node has no session here (the message waits for its connect) */
        boolean send(String node, Message message);
    }

    /**
     * @param ackTimeout first wait for an ACK before resending; doubled per attempt
     * @param maxBackoff the longest wait between resends
     * @param window most messages of one node awaiting an ACK at once
     * @param maxQueued most objects queued for one node; beyond, new objects are refused (logged)
     */
    /** How often an unacknowledged list (a barrier) is sent again before it is given up. */
    static final int BARRIER_RESENDS = 1;

    public record Settings(Duration ackTimeout, Duration maxBackoff, int window, int maxQueued) {
        public static final Settings DEFAULT = new Settings(Duration.ofSeconds(5), Duration.ofSeconds(60), 64, 100_000);
    }

    private final ScheduledExecutorService scheduler;
    private final Transport transport;
    private final AckRecord record;
    private final Settings settings;
    private final Map<String, NodeQueue> nodes = new ConcurrentHashMap<>();
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong resent = new AtomicLong();
    private final AtomicLong acked = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();

    public DeliveryQueues(ScheduledExecutorService scheduler, Transport transport, AckRecord record, Settings settings) {
        this.scheduler = scheduler;
        this.transport = transport;
        this.record = record;
        this.settings = settings;
    }

    /** Counters since start: messages sent first time, resent, acknowledged, dropped as stale. */
    public record Stats(long sent, long resent, long acked, long dropped) {
    }

    public Stats stats() {
        return new Stats(sent.get(), resent.get(), acked.get(), dropped.get());
    }

    private NodeQueue node(String name) {
        return nodes.computeIfAbsent(name, NodeQueue::new);
    }

    /**
     * Restores what a node acknowledged before a restart (from the durable record), so that those
     * versions are not sent again. Call before the node's messages are enqueued.
     */
    public void restore(String node, String uid, String resourceVersion) {
        NodeQueue q = node(node);
        synchronized (q) {
            q.acked.put(uid, resourceVersion);
        }
    }

    /** @return the resourceVersion the node acknowledged for the object, or null */
    public String acknowledgedVersion(String node, String uid) {
        NodeQueue q = nodes.get(node);
        if (q == null) {
            return null;
        }
        synchronized (q) {
            return q.acked.get(uid);
        }
    }

    /** @return the uids the node has acknowledged and not deleted since */
    public List<String> acknowledgedUids(String node) {
        NodeQueue q = nodes.get(node);
        if (q == null) {
            return List.of();
        }
        synchronized (q) {
            return List.copyOf(q.acked.keySet());
        }
    }

    /** See {@code ReliableDelivery#enqueue}. */
    public boolean enqueue(String node, Message message) {
        Message m = message.toBuilder().resource(strip(message.resource())).build();
        ObjectRef ref = ObjectRef.of(m);
        NodeQueue q = node(node);
        synchronized (q) {
            boolean delete = Operations.DELETE.equals(m.operation());
            if (ref.identified() && !delete) {
                Integer c = ObjectRef.compareVersions(ref.resourceVersion(), q.acked.get(ref.uid()));
                if (c != null && c <= 0) {
                    dropped.incrementAndGet();
                    return false; // the node already has this version or a newer one
                }
            }
            Entry e = q.entries.get(ref.key());
            if (e == null) {
                if (q.entries.size() >= settings.maxQueued()) {
                    LOG.warn("node {}: {} objects queued already; {} {} refused", node, q.entries.size(), m.operation(), m.resource());
                    dropped.incrementAndGet();
                    return false;
                }
                e = new Entry(ref.key(), !ref.identified());
                q.entries.put(e.key, e);
                e.next = m;
                e.queued = true;
                q.ready.addLast(e);
            } else {
                Message newest = e.next != null ? e.next : e.inFlight;
                if (newest != null && !delete) {
                    if (Operations.DELETE.equals(newest.operation()) && ref.identified()) {
                        dropped.incrementAndGet();
                        return false; // nothing about a deleted object comes after its delete
                    }
                    Integer c = ObjectRef.compareVersions(ref.resourceVersion(), ObjectRef.of(newest).resourceVersion());
                    if (c != null && c < 0) {
                        dropped.incrementAndGet();
                        return false; // older than what is already on its way
                    }
                }
                e.next = m; // latest wins; a delete replaces any update not sent yet
                if (e.inFlight == null && !e.queued && e.timer == null) {
                    e.queued = true;
                    q.ready.addLast(e);
                }
            }
            pump(q);
        }
        return true;
    }

    /**
     * Takes an answer from a node. A {@code response} with the id of a message in flight
     * acknowledges it; an {@code error} answer is retried with back-off.
     *
     * @return true when the answer belonged to a queued message (the caller need not route it)
     */
    public boolean answered(String node, Message answer) {
        if (answer.parentId().isEmpty()) {
            return false;
        }
        NodeQueue q = nodes.get(node);
        if (q == null) {
            return false;
        }
        synchronized (q) {
            Entry e = q.inFlightById.remove(answer.parentId());
            if (e == null) {
                return false;
            }
            if (Operations.ERROR.equals(answer.operation())) {
                // Not stored there (no handler yet, or it failed): stays in flight and the
                // timer resends it with back-off, keeping its place in the order.
                q.inFlightById.put(answer.parentId(), e);
                LOG.warn("node {} refused {} {}: {}; resending with back-off", node, e.inFlight.operation(), e.inFlight.resource(),
                        answer.content().asText());
                return true;
            }
            cancel(e);
            acked.incrementAndGet();
            ObjectRef ref = ObjectRef.of(e.inFlight);
            if (ref.identified()) {
                if (Operations.DELETE.equals(e.inFlight.operation())) {
                    q.acked.remove(ref.uid());
                    record.deleted(node, ref);
                } else if (!ref.resourceVersion().isEmpty()) {
                    Integer c = ObjectRef.compareVersions(ref.resourceVersion(), q.acked.get(ref.uid()));
                    if (c == null || c > 0) {
                        q.acked.put(ref.uid(), ref.resourceVersion());
                        record.acknowledged(node, ref);
                    }
                }
            }
            e.inFlight = null;
            e.attempts = 0;
            if (e.barrier) {
                q.barrierInFlight = false;
            }
            if (e.next == null) {
                q.entries.remove(e.key);
            } else if (!e.queued) {
                e.queued = true;
                q.ready.addLast(e);
            }
            pump(q);
            return true;
        }
    }

    /** The node connected: its waiting messages go out. */
    public void connected(String node) {
        NodeQueue q = node(node);
        synchronized (q) {
            q.connected = true;
            pump(q);
        }
    }

    /**
     * The node disconnected: messages in flight go back to the head of its queue, in their
     * order, to be sent again when it returns (no resends while it is away).
     */
    public void disconnected(String node) {
        NodeQueue q = nodes.get(node);
        if (q == null) {
            return;
        }
        synchronized (q) {
            q.connected = false;
            List<Entry> back = new ArrayList<>();
            for (Entry e : q.entries.values()) {
                if (e.inFlight != null) {
                    cancel(e);
                    if (e.next == null) {
                        e.next = e.inFlight;
                    }
                    e.inFlight = null;
                    e.attempts = 0;
                    if (!e.queued) {
                        back.add(e);
                    }
                }
            }
            q.inFlightById.clear();
            q.barrierInFlight = false;
            back.sort(java.util.Comparator.comparingLong(e -> e.sentSeq));
            for (int i = back.size() - 1; i >= 0; i--) {
                back.get(i).queued = true;
                q.ready.addFirst(back.get(i));
            }
        }
    }

    /** Forgets a node entirely (it was deleted): queue, timers and acknowledged versions. */
    public void forget(String node) {
        NodeQueue q = nodes.remove(node);
        if (q != null) {
            synchronized (q) {
                q.entries.values().forEach(this::cancel);
            }
        }
    }

    /** @return messages of the node queued or in flight */
    public int pending(String node) {
        NodeQueue q = nodes.get(node);
        if (q == null) {
            return 0;
        }
        synchronized (q) {
            return q.entries.size();
        }
    }

    /** Sends while the window allows; called with the node's lock held. */
    private void pump(NodeQueue q) {
        if (!q.connected) {
            return;
        }
        while (q.inFlightById.size() < settings.window() && !q.ready.isEmpty() && !q.barrierInFlight) {
            Entry e = q.ready.peekFirst();
            if (e.barrier && !q.inFlightById.isEmpty()) {
                return; // a barrier goes alone, after everything before it was acknowledged
            }
            q.ready.pollFirst();
            e.queued = false;
            if (q.entries.get(e.key) != e || e.next == null || e.inFlight != null) {
                continue;
            }
            if (e.barrier) {
                q.barrierInFlight = true;
            }
            Message m = e.next.toBuilder().id(UUID.randomUUID().toString()).build();
            e.next = null;
            e.inFlight = m;
            e.sentSeq = sent.incrementAndGet();
            q.inFlightById.put(m.id(), e);
            if (!transport.send(q.name, m)) {
                // No session after all (it has just gone): back to the head, wait for the connect.
                q.inFlightById.remove(m.id());
                q.barrierInFlight = false;
                e.inFlight = null;
                e.next = m;
                e.queued = true;
                q.ready.addFirst(e);
                q.connected = false;
                return;
            }
            armTimeout(q, e, m);
        }
    }

    private void armTimeout(NodeQueue q, Entry e, Message m) {
        long delay = backoffMillis(e.attempts);
        e.timer = scheduler.schedule(() -> timedOut(q.name, e, m.id()), delay, TimeUnit.MILLISECONDS);
    }

    private void timedOut(String node, Entry e, String id) {
        NodeQueue q = nodes.get(node);
        if (q == null) {
            return;
        }
        synchronized (q) {
            if (e.inFlight == null || !e.inFlight.id().equals(id) || !q.connected) {
                return;
            }
            e.attempts++;
            if (e.barrier && e.next == null && e.attempts > BARRIER_RESENDS) {
                // A list nobody on the gateway takes (e.g. the pod list on a gateway without the
                // pod manager) must not hold back every other object of the node; a module asks
                // for its list when it starts, and the next connect sends a fresh one.
                LOG.info("node {}: no ACK for {} {} after {} attempts; not resent, other objects go on", node, e.inFlight.operation(),
                        e.inFlight.resource(), e.attempts);
                q.inFlightById.remove(id);
                e.inFlight = null;
                q.barrierInFlight = false;
                q.entries.remove(e.key);
                pump(q);
                return;
            }
            resent.incrementAndGet();
            // A newer version replaces the lost one; else the same message (same id) again,
            // so a late ACK of the first send still counts.
            Message m = e.inFlight;
            if (e.next != null) {
                q.inFlightById.remove(id);
                m = e.next.toBuilder().id(UUID.randomUUID().toString()).build();
                e.next = null;
                e.inFlight = m;
                q.inFlightById.put(m.id(), e);
            }
            LOG.debug("node {}: no ACK for {} {} ({} attempts); resending", node, m.operation(), m.resource(), e.attempts);
            transport.send(node, m);
            armTimeout(q, e, m);
        }
    }

    private long backoffMillis(int attempts) {
        long base = settings.ackTimeout().toMillis();
        long max = settings.maxBackoff().toMillis();
        return attempts >= 20 ? max : Math.min(max, base << attempts);
    }

    private void cancel(Entry e) {
        ScheduledFuture<?> t = e.timer;
        if (t != null) {
            t.cancel(false);
            e.timer = null;
        }
    }

    private static String strip(String resource) {
        Resource r = Resource.parse(resource);
        return r.node().isEmpty() ? resource : r.edgePath();
    }

    private static final class NodeQueue {
        final String name;
        final Map<String, Entry> entries = new HashMap<>();
        final Deque<Entry> ready = new ArrayDeque<>();
        final Map<String, Entry> inFlightById = new HashMap<>();
        /** uid → acknowledged resourceVersion. */
        final Map<String, String> acked = new HashMap<>();
        boolean connected;
        boolean barrierInFlight;

        NodeQueue(String name) {
            this.name = name;
        }
    }

    private static final class Entry {
        final String key;
        /**
         * A message about no single object (a list such as {@code _/podlist}) is a snapshot that
         * the gateway compares with what it has: it must neither overtake the object messages
         * queued before it nor be overtaken by those after it, or a stale list would make the
         * gateway drop objects it has just received. So it is sent alone.
         */
        final boolean barrier;
        Message inFlight;
        Message next;
        boolean queued;
        int attempts;
        long sentSeq;
        ScheduledFuture<?> timer;

        Entry(String key, boolean barrier) {
            this.key = key;
            this.barrier = barrier;
        }
    }
}
