package io.outpost.bench;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * What the benchmark cloud counts. Updated from the hub's I/O threads (so {@link LongAdder}s,
 * which do not make those threads contend), read by the reporting thread. Counters only grow;
 * the driver takes differences between two snapshots.
 */
final class CloudCounters {
    /** Distinct disconnect reasons kept; further ones are counted under "other". */
    private static final int MAX_REASONS = 20;

    final LongAdder framesReceived = new LongAdder();
    final LongAdder keepalives = new LongAdder();
    final LongAdder statusUpdates = new LongAdder();
    final LongAdder statusRepliesSent = new LongAdder();
    /** Replies the connection refused to queue (closed, or over its write-buffer high-water mark). */
    final LongAdder repliesDropped = new LongAdder();
    final LongAdder statusRefused = new LongAdder();
    final LongAdder connects = new LongAdder();
    final LongAdder disconnects = new LongAdder();
    final AtomicLong sessions = new AtomicLong();
    private final Map<String, LongAdder> dispatchedByOperation = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> disconnectReasons = new ConcurrentHashMap<>();

    void dispatched(String operation) {
        dispatchedByOperation.computeIfAbsent(operation, k -> new LongAdder()).increment();
    }

    void disconnected(String reason) {
        disconnects.increment();
        sessions.decrementAndGet();
        String key = reason;
        if (!disconnectReasons.containsKey(key) && disconnectReasons.size() >= MAX_REASONS) {
            key = "other";
        }
        disconnectReasons.computeIfAbsent(key, k -> new LongAdder()).increment();
    }

    /** @return the counters as a JSON object */
    ObjectNode toJson() {
        JsonNodeFactory f = JsonNodeFactory.instance;
        ObjectNode o = f.objectNode();
        o.put("sessions", sessions.get());
        o.put("connects", connects.sum());
        o.put("disconnects", disconnects.sum());
        o.put("frames", framesReceived.sum());
        o.put("keepalives", keepalives.sum());
        o.put("statusUpdates", statusUpdates.sum());
        o.put("statusReplies", statusRepliesSent.sum());
        o.put("statusRefused", statusRefused.sum());
        o.put("repliesDropped", repliesDropped.sum());
        ObjectNode ops = o.putObject("dispatched");
        dispatchedByOperation.forEach((k, v) -> ops.put(k, v.sum()));
        ObjectNode reasons = o.putObject("disconnectReasons");
        disconnectReasons.forEach((k, v) -> reasons.put(k, v.sum()));
        return o;
    }
}
