package io.outpost.edge.twin;

import com.fasterxml.jackson.databind.JsonNode;
import io.outpost.meta.api.MetaStore;
import io.outpost.twin.api.DeviceSpec;
import io.outpost.twin.api.DeviceTwin;
import io.outpost.twin.api.TwinListener;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The gateway's real twin ({@link TwinEngine}, package-private in outpost.edge.twin) for the
 * device manager's integration tests, without an edge hub: nothing goes to a cloud.
 */
public final class TwinHarness {
    private final TwinEngine engine;

    public TwinHarness(MetaStore store, List<TwinListener> listeners) {
        Uplink offline = new Uplink() {
            @Override
            public boolean connected() {
                return false;
            }

            @Override
            public CompletionStage<Boolean> send(String resource, JsonNode content) {
                return CompletableFuture.completedFuture(false);
            }
        };
        engine = new TwinEngine(store, offline, () -> listeners, System::currentTimeMillis);
    }

    public DeviceTwin twin() {
        return engine;
    }

    /** What the twin component does when the inventory announces the device. */
    public void deviceChanged(DeviceSpec spec) {
        engine.deviceChanged(spec);
    }
}
