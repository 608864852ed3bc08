package io.outpost.bench;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * What the simulated gateways of one step count, seen from the edge. Shared by all gateways of
 * the step and updated from the driver's I/O threads. Counters only grow; the response latency
 * histogram is replaced at the start of the measured window so that it holds only steady state.
 */
final class FleetCounters {
    private static final int MAX_REASONS = 10;

    final LongAdder keepalivesSent = new LongAdder();
    final LongAdder statusSent = new LongAdder();
    final LongAdder responsesOk = new LongAdder();
    /** Responses with operation "error" or content other than "OK". */
    final LongAdder responsesNotOk = new LongAdder();
    /** Status updates with no response within the response timeout. */
    final LongAdder responseTimeouts = new LongAdder();
    /** Frames the connection refused to queue (closed or over its write-buffer high-water mark). */
    final LongAdder sendsDropped = new LongAdder();
    /** Frames that answered nothing waited for: late responses (after their timeout), or others. */
    final LongAdder unexpectedMessages = new LongAdder();
    /** Connections the cloud (or the network) closed while the step ran. */
    final LongAdder unexpectedCloses = new LongAdder();
    private final Map<String, LongAdder> closeReasons = new ConcurrentHashMap<>();
    private volatile LatencyHistogram responseLatency = new LatencyHistogram();

    void unexpectedClose(String reason) {
        unexpectedCloses.increment();
        String key = closeReasons.containsKey(reason) || closeReasons.size() < MAX_REASONS ? reason : "other";
        closeReasons.computeIfAbsent(key, k -> new LongAdder()).increment();
    }

    Map<String, Long> closeReasons() {
        Map<String, Long> m = new java.util.TreeMap<>();
        closeReasons.forEach((k, v) -> m.put(k, v.sum()));
        return m;
    }

    LatencyHistogram responseLatency() {
        return responseLatency;
    }

    /** Starts a new latency histogram (the measured window begins); returns the old one. */
    LatencyHistogram resetResponseLatency() {
        LatencyHistogram old = responseLatency;
        responseLatency = new LatencyHistogram();
        return old;
    }

    /** A point-in-time copy of the counters, for differences over a window. */
    record Snapshot(long keepalivesSent, long statusSent, long responsesOk, long responsesNotOk, long responseTimeouts,
            long sendsDropped, long unexpectedMessages, long unexpectedCloses) {
        Snapshot minus(Snapshot o) {
            return new Snapshot(keepalivesSent - o.keepalivesSent, statusSent - o.statusSent, responsesOk - o.responsesOk,
                    responsesNotOk - o.responsesNotOk, responseTimeouts - o.responseTimeouts, sendsDropped - o.sendsDropped,
                    unexpectedMessages - o.unexpectedMessages, unexpectedCloses - o.unexpectedCloses);
        }
    }

    Snapshot snapshot() {
        return new Snapshot(keepalivesSent.sum(), statusSent.sum(), responsesOk.sum(), responsesNotOk.sum(), responseTimeouts.sum(),
                sendsDropped.sum(), unexpectedMessages.sum(), unexpectedCloses.sum());
    }
}
