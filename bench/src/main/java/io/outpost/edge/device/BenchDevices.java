package io.outpost.edge.device;

import io.outpost.mapper.api.Mapper;
import io.outpost.twin.api.DeviceSpec;
import io.outpost.twin.api.DeviceTwin;
import java.util.concurrent.ScheduledExecutorService;

/**
 * Starts the device manager's per-device driver ({@link DeviceWorker}, package-private in
 * outpost.edge.device) for the benchmarks, exactly as {@code DeviceManager.place} does when a
 * device and its mapper are both present.
 */
public final class BenchDevices {
    private BenchDevices() {
    }

    /** @return stops the device (closes its mapper session) */
    public static Runnable start(DeviceSpec spec, Mapper mapper, DeviceTwin twin, ScheduledExecutorService scheduler) {
        DeviceWorker w = new DeviceWorker(spec, mapper, twin, scheduler, System::currentTimeMillis);
        w.start();
        return w::stop;
    }
}
