package io.outpost.edge.twin;

import com.fasterxml.jackson.databind.JsonNode;
import io.outpost.meta.api.MetaStore;
import io.outpost.twin.api.DeviceSpec;
import io.outpost.twin.api.DeviceTwin;
import io.outpost.twin.api.TwinListener;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The gateway's real twin ({@link TwinEngine}, package-private in outpost.edge.twin) for the
 * OPC UA benchmark, wired as {@code DeviceTwinComponent} wires it, with a cloud link that is
 * always connected and accepts every message at once (it counts what the twin sends up), so the
 * figures are the twin's, not a cloud's.
 */
public final class BenchTwin {
    private final TwinEngine engine;
    /** Messages the twin sent to the cloud (edge_updated), and the property values they carried. */
    public final AtomicLong cloudMessages = new AtomicLong();
    public final AtomicLong cloudValues = new AtomicLong();

    public BenchTwin(MetaStore store, List<TwinListener> listeners) {
        Uplink cloud = new Uplink() {
            @Override
            public boolean connected() {
                return true;
            }

            @Override
            public CompletionStage<Boolean> send(String resource, JsonNode content) {
                if (resource.endsWith("/twin/edge_updated")) {
                    cloudMessages.incrementAndGet();
                    cloudValues.addAndGet(content.path("twin").size());
                }
                return CompletableFuture.completedFuture(true);
            }
        };
        engine = new TwinEngine(store, cloud, () -> listeners, System::currentTimeMillis);
    }

    public DeviceTwin twin() {
        return engine;
    }

    /** What the twin component does when the inventory announces a device. */
    public void deviceChanged(DeviceSpec spec) {
        engine.deviceChanged(spec);
    }

    /** The twin component's 100 ms tick: persistence and reports due to the cloud. */
    public void tick() {
        engine.tick();
    }

    /** What the twin component does when it stops. */
    public void flush() {
        engine.flush();
    }
}
