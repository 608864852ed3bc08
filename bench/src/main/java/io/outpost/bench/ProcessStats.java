package io.outpost.bench;

import java.io.IOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Reads what the benchmark reports about a JVM process and the machine: heap, resident set size,
 * CPU time. Linux first (/proc); where a /proc file is missing the value is -1, never invented.
 */
final class ProcessStats {
    private ProcessStats() {
    }

    /** @return the heap in use right now, bytes (includes garbage not yet collected) */
    static long heapUsedBytes() {
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /** @return the heap committed by the JVM, bytes */
    static long heapCommittedBytes() {
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getCommitted();
    }

    /**
     * The live heap as of the last collection: the sum of the heap pools' "collection usage".
     * Unlike {@link #heapUsedBytes()} this does not grow with garbage between collections, so
     * it can be sampled periodically without forcing a GC.
     *
     * @return bytes, or -1 when no pool reports it (no collection yet)
     */
    static long heapAfterLastGcBytes() {
        long sum = 0;
        boolean any = false;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() != MemoryType.HEAP) {
                continue;
            }
            MemoryUsage u = pool.getCollectionUsage();
            if (u != null) {
                sum += u.getUsed();
                any = true;
            }
        }
        return any ? sum : -1;
    }

    /** @return memory used by NIO direct buffers (Netty's pooled arenas live here), bytes */
    static long directBufferBytes() {
        for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            if ("direct".equals(pool.getName())) {
                return pool.getMemoryUsed();
            }
        }
        return -1;
    }

    /** @return the number of collections of all collectors so far */
    static long gcCount() {
        long n = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            n += Math.max(0, gc.getCollectionCount());
        }
        return n;
    }

    /** @return the time spent in all collectors so far, ms */
    static long gcTimeMillis() {
        long n = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            n += Math.max(0, gc.getCollectionTime());
        }
        return n;
    }

    /** @return CPU time used by this process (all threads, user and system), ns, or -1 */
    static long processCpuNanos() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime();
        }
        return -1;
    }

    /** @return the resident set size from /proc/self/status (VmRSS), KiB, or -1 off Linux */
    static long rssKib() {
        return statusField(Path.of("/proc/self/status"), "VmRSS:");
    }

    /** @return the live thread count of this JVM */
    static int threadCount() {
        return ManagementFactory.getThreadMXBean().getThreadCount();
    }

    /** Reads a "Name:   123 kB" line of a /proc status-like file; -1 if absent. */
    static long statusField(Path file, String name) {
        try {
            for (String line : Files.readAllLines(file)) {
                if (line.startsWith(name)) {
                    String[] parts = line.substring(name.length()).trim().split("\\s+");
                    return Long.parseLong(parts[0]);
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or an unexpected format: report unknown
        }
        return -1;
    }

    /**
     * Machine-wide CPU counters from the first line of /proc/stat, in clock ticks: {busy, total}.
     * The difference of two readings gives how busy the whole machine was, which shows how much
     * of the CPU went to neither the cloud nor the driver (other work on a shared machine).
     *
     * @return {busy, total}, or {-1, -1} off Linux
     */
    static long[] machineCpuTicks() {
        try {
            List<String> lines = Files.readAllLines(Path.of("/proc/stat"));
            String[] f = lines.get(0).trim().split("\\s+");
            long total = 0;
            for (int i = 1; i < f.length && i <= 8; i++) {
                total += Long.parseLong(f[i]);
            }
            long idle = Long.parseLong(f[4]) + Long.parseLong(f[5]);
            return new long[] {total - idle, total};
        } catch (IOException | RuntimeException e) {
            return new long[] {-1, -1};
        }
    }
}
