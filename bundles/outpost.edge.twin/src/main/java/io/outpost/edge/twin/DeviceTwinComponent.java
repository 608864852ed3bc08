package io.outpost.edge.twin;

import com.fasterxml.jackson.databind.JsonNode;
import io.outpost.hub.api.EdgeHub;
import io.outpost.hub.api.Groups;
import io.outpost.hub.api.LinkStatus;
import io.outpost.hub.api.Message;
import io.outpost.hub.api.Operations;
import io.outpost.meta.api.MetaStore;
import io.outpost.twin.api.DeviceInventory;
import io.outpost.twin.api.DeviceState;
import io.outpost.twin.api.DeviceTwin;
import io.outpost.twin.api.EdgeDevice;
import io.outpost.twin.api.InventoryListener;
import io.outpost.twin.api.TwinChange;
import io.outpost.twin.api.TwinListener;
import io.outpost.twin.api.TwinProperty;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's {@link DeviceTwin}: wires the {@link TwinEngine} to the meta store, the device
 * inventory (as an {@link InventoryListener}), the edge hub and the {@link TwinListener}
 * whiteboard. The hub is optional: without a link the twin keeps collecting and sends later.
 */
@Component(service = DeviceTwin.class)
public class DeviceTwinComponent implements DeviceTwin, InventoryListener {
    private static final Logger LOG = LoggerFactory.getLogger(DeviceTwinComponent.class);
    private static final Duration TICK = Duration.ofMillis(100);

    @Reference
    private MetaStore store;

    @Reference
    private DeviceInventory inventory;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    private volatile EdgeHub hub;

    private final List<TwinListener> listeners = new CopyOnWriteArrayList<>();
    private TwinEngine engine;
    private ScheduledExecutorService scheduler;
    private ServiceRegistration<InventoryListener> inventoryListener;

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void addListener(TwinListener l) {
        listeners.add(l);
    }

    void removeListener(TwinListener l) {
        listeners.remove(l);
    }

    @Activate
    void activate(BundleContext context) {
        engine = new TwinEngine(store, new HubUplink(), () -> listeners, System::currentTimeMillis);
        // Registered here rather than as a DS service: the inventory binds its listeners
        // dynamically, and a DS listener that references the inventory would be a cycle.
        inventoryListener = context.registerService(InventoryListener.class, this, null);
        for (EdgeDevice d : inventory.devices()) {
            engine.deviceChanged(d.spec());
        }
        // One thread: persistence of collected values and reports to the cloud, every 100 ms.
        scheduler = Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "outpost-twin"));
        scheduler.scheduleWithFixedDelay(this::tick, TICK.toMillis(), TICK.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Deactivate
    void deactivate() {
        inventoryListener.unregister();
        scheduler.shutdownNow();
        engine.flush(); // what was collected reaches the meta store
    }

    private void tick() {
        try {
            engine.tick();
        } catch (RuntimeException e) {
            LOG.warn("twin: {}", e.toString());
        }
    }

    @Override
    public void deviceAdded(EdgeDevice device) {
        engine.deviceChanged(device.spec());
    }

    @Override
    public void deviceUpdated(EdgeDevice device) {
        engine.deviceChanged(device.spec());
    }

    @Override
    public void deviceRemoved(EdgeDevice device) {
        engine.deviceRemoved(device.namespace(), device.name());
    }

    @Override
    public Optional<Map<String, TwinProperty>> twins(String namespace, String name) {
        return engine.twins(namespace, name);
    }

    @Override
    public Map<String, TwinProperty> update(String namespace, String name, Map<String, TwinChange> changes) {
        return engine.update(namespace, name, changes);
    }

    @Override
    public Optional<DeviceState> state(String namespace, String name) {
        return engine.state(namespace, name);
    }

    @Override
    public DeviceState updateState(String namespace, String name, String state, String reason) {
        return engine.updateState(namespace, name, state, reason);
    }

    /** Device messages go up with source {@code twin}: KubeEdge's cloud hub routes on it. */
    private final class HubUplink implements Uplink {
        @Override
        public boolean connected() {
            EdgeHub h = hub;
            return h != null && h.status().state() == LinkStatus.State.CONNECTED;
        }

        @Override
        public CompletionStage<Boolean> send(String resource, JsonNode content) {
            EdgeHub h = hub;
            if (h == null) {
                return CompletableFuture.completedFuture(false);
            }
            Message m = Message.builder().source("twin").group(Groups.RESOURCE).operation(Operations.UPDATE).resource(resource)
                    .content(content).build();
            return h.request(m, Duration.ofSeconds(10)).handle((reply, e) -> {
                if (e != null) {
                    LOG.debug("{} not delivered: {}", resource, e.getMessage());
                    return false;
                }
                if (Operations.ERROR.equals(reply.operation())) {
                    LOG.warn("the cloud refused {}: {}", resource, reply.content().asText());
                    return false;
                }
                return true;
            });
        }
    }
}
