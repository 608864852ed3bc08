package io.outpost.bench;

import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAccumulator;
import java.util.concurrent.atomic.LongAdder;

/**
 * A lock-free log-linear histogram of durations in microseconds, recorded from many I/O
 * threads. Values below 64 µs are exact; above, each power of two is split into 32 buckets, so a
 * reported percentile is at most about 3% above the true value (it reports the bucket's upper
 * edge). Fixed memory (about 9 KiB) however many samples, so a 10,000-node run at one update
 * per second costs nothing extra.
 */
final class LatencyHistogram {
    private static final int EXACT = 64;
    private static final int SUB_BUCKETS = 32;
    private static final int MAX_EXPONENT = 40; // 2^40 µs is about 12 days
    private static final int BUCKETS = EXACT + (MAX_EXPONENT - 6 + 1) * SUB_BUCKETS;

    private final AtomicLongArray counts = new AtomicLongArray(BUCKETS);
    private final LongAdder total = new LongAdder();
    private final LongAdder sum = new LongAdder();
    private final LongAccumulator max = new LongAccumulator(Math::max, 0);

    void recordMicros(long micros) {
        long v = Math.max(0, micros);
        counts.incrementAndGet(index(v));
        total.increment();
        sum.add(v);
        max.accumulate(v);
    }

    long count() {
        return total.sum();
    }

    /** @return the mean in µs, or -1 without samples */
    double meanMicros() {
        long n = total.sum();
        return n == 0 ? -1 : (double) sum.sum() / n;
    }

    long maxMicros() {
        return max.get();
    }

    /**
     * @param percentile e.g. 50 or 99
     * @return an upper bound of the percentile, µs, or -1 without samples
     */
    long percentileMicros(double percentile) {
        long n = 0;
        long[] snapshot = new long[BUCKETS];
        for (int i = 0; i < BUCKETS; i++) {
            snapshot[i] = counts.get(i);
            n += snapshot[i];
        }
        if (n == 0) {
            return -1;
        }
        long rank = Math.max(1, (long) Math.ceil(percentile / 100.0 * n));
        long seen = 0;
        for (int i = 0; i < BUCKETS; i++) {
            seen += snapshot[i];
            if (seen >= rank) {
                return Math.min(upperEdge(i), max.get());
            }
        }
        return max.get();
    }

    private static int index(long v) {
        if (v < EXACT) {
            return (int) v;
        }
        int exponent = 63 - Long.numberOfLeadingZeros(v); // v in [2^e, 2^(e+1)), e >= 6
        if (exponent > MAX_EXPONENT) {
            return BUCKETS - 1;
        }
        int shift = exponent - 5;
        int sub = (int) (v >>> shift) - SUB_BUCKETS; // 0..31
        return EXACT + (exponent - 6) * SUB_BUCKETS + sub;
    }

    private static long upperEdge(int index) {
        if (index < EXACT) {
            return index;
        }
        int exponent = (index - EXACT) / SUB_BUCKETS + 6;
        int sub = (index - EXACT) % SUB_BUCKETS + SUB_BUCKETS;
        int shift = exponent - 5;
        return ((long) (sub + 1) << shift) - 1;
    }
}
