package io.outpost.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What one step (one fleet size) measured. Filled in by the driver as the step goes; a value
 * that was not measured stays -1 and is shown as "–".
 */
final class StepResult {
    final int nodes;
    /** "ok", or why the step (and the larger ones) stopped. */
    String outcome = "ok";
    /** Whether larger steps may still run. */
    boolean canContinue = true;
    final List<String> notes = new ArrayList<>();

    // connect phase
    int connected = -1;
    int connectFailures = -1;
    final List<String> connectErrors = new ArrayList<>();
    double connectSeconds = -1;
    long handshakeP50Micros = -1;
    long handshakeP99Micros = -1;
    /** Cloud CPU time spent per connected gateway during the connect phase, ms. */
    double connectCloudCpuMillisPerNode = -1;
    /** Driver CPU time spent per connected gateway during the connect phase, ms (the gateways' side). */
    double connectDriverCpuMillisPerNode = -1;
    /** Cloud CPU use during the connect phase, cores. */
    double connectCloudCpuCores = -1;

    // steady state, measured at the cloud
    double windowSeconds = -1;
    int sessionsAtWindowEnd = -1;
    double keepalivesPerSecond = -1;
    double statusUpdatesPerSecond = -1;
    long cloudRepliesDropped = -1;
    long cloudDisconnectsInWindow = -1;
    double cloudCpuCores = -1;
    double driverCpuCores = -1;
    double machineCpuBusyPercent = -1;

    // steady state, measured at the gateways
    long responseP50Micros = -1;
    long responseP99Micros = -1;
    long responseMaxMicros = -1;
    FleetCounters.Snapshot gateways;
    Map<String, Long> closeReasons = new TreeMap<>();

    // cloud memory
    long idleHeapBytes = -1;
    long idleRssKib = -1;
    long loadedHeapBytes = -1;
    long loadedRssKib = -1;
    long loadedDirectBytes = -1;
    long loadedHeapCommittedBytes = -1;

    // driver memory, for sizing the driver
    long driverHeapBytes = -1;
    long driverRssKib = -1;

    StepResult(int nodes) {
        this.nodes = nodes;
    }

    void stop(String why) {
        if (canContinue) {
            outcome = why;
        } else {
            outcome = outcome + "; " + why;
        }
        canContinue = false;
    }

    double connectRate() {
        return connectSeconds > 0 && connected > 0 ? connected / connectSeconds : -1;
    }

    /**
     * @return cloud CPU time per message handled in the window (keepalives and status updates
     *     together; a status update costs several keepalives), µs, or -1
     */
    double cloudCpuMicrosPerMessage() {
        double rate = keepalivesPerSecond + statusUpdatesPerSecond;
        return cloudCpuCores >= 0 && rate > 0 ? cloudCpuCores * 1e6 / rate : -1;
    }

    /** @return heap growth per 1,000 connected gateways, bytes, or -1 */
    double heapPerThousand() {
        return loadedHeapBytes >= 0 && idleHeapBytes >= 0 && connected > 0 ? (loadedHeapBytes - idleHeapBytes) * 1000.0 / connected : -1;
    }

    /** @return RSS growth per 1,000 connected gateways, KiB, or -1 */
    double rssPerThousandKib() {
        return loadedRssKib >= 0 && idleRssKib >= 0 && connected > 0 ? (loadedRssKib - idleRssKib) * 1000.0 / connected : -1;
    }
}
