package io.outpost.edge.device;

import io.outpost.mapper.api.Mapper;
import io.outpost.twin.api.DeviceInventory;
import io.outpost.twin.api.DeviceSpec;
import io.outpost.twin.api.DeviceState;
import io.outpost.twin.api.DeviceTwin;
import io.outpost.twin.api.EdgeDevice;
import io.outpost.twin.api.InventoryListener;
import io.outpost.twin.api.TwinEvent;
import io.outpost.twin.api.TwinListener;
import io.outpost.twin.api.TwinProperty;
import io.outpost.twin.api.TwinValue;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the gateway's devices through the mappers installed: one {@link DeviceWorker} per device
 * whose protocol has a {@link Mapper} service. Mappers come and go with their bundles
 * ({@code feature:install outpost-mapper-modbus}); their devices start and stop with them, and a
 * device without a mapper says which feature to install in its state.
 */
@Component(service = {}, immediate = true, configurationPid = DeviceManager.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL)
@Designate(ocd = DeviceManager.Config.class)
public class DeviceManager implements InventoryListener, TwinListener {
    static final String PID = "io.outpost.edge.device";
    private static final Logger LOG = LoggerFactory.getLogger(DeviceManager.class);

    @ObjectClassDefinition(name = "Outpost device manager", description = "How the gateway drives its devices through the mappers.")
    @interface Config {
        @AttributeDefinition(name = "Threads", min = "1", max = "64",
                description = "Threads shared by all devices for reads and writes; a device uses one at a time.")
        int threads() default 4;
    }

    @Reference
    private DeviceTwin twin;

    @Reference
    private DeviceInventory inventory;

    private final Map<String, Mapper> mappers = new HashMap<>();
    private final Map<String, DeviceWorker> workers = new HashMap<>();
    private ScheduledExecutorService scheduler;
    private final java.util.List<ServiceRegistration<?>> registrations = new java.util.ArrayList<>();

    @Activate
    void activate(BundleContext context, Config config) {
        scheduler = Executors.newScheduledThreadPool(config.threads(), r -> new Thread(r, "outpost-devices"));
        // Registered here rather than as DS services: the inventory and the twin bind their
        // listeners dynamically, and a DS listener that references them would be a cycle.
        registrations.add(context.registerService(InventoryListener.class, this, null));
        registrations.add(context.registerService(TwinListener.class, this, null));
        synchronized (this) {
            inventory.devices().forEach(this::place);
        }
    }

    @Deactivate
    void deactivate() {
        registrations.forEach(ServiceRegistration::unregister);
        synchronized (this) {
            workers.values().forEach(DeviceWorker::stop);
            workers.clear();
        }
        scheduler.shutdown();
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    synchronized void addMapper(Mapper m, Map<String, Object> props) {
        String protocol = Objects.toString(props.get(Mapper.PROTOCOL), "");
        if (protocol.isEmpty()) {
            LOG.warn("mapper {} has no {} property; it serves no devices", m.getClass().getName(), Mapper.PROTOCOL);
            return;
        }
        mappers.put(protocol, m);
        LOG.info("mapper for protocol '{}' available", protocol);
        if (scheduler != null) {
            inventory.devices().stream().filter(d -> d.protocol().equals(protocol)).forEach(this::place);
        }
    }

    synchronized void removeMapper(Mapper m, Map<String, Object> props) {
        String protocol = Objects.toString(props.get(Mapper.PROTOCOL), "");
        if (!mappers.remove(protocol, m)) {
            return;
        }
        workers.entrySet().removeIf(e -> {
            if (e.getValue().mapper() == m) {
                e.getValue().stop();
                e.getValue().state(DeviceState.OFFLINE, noMapper(protocol));
                return true;
            }
            return false;
        });
    }

    /** Starts, restarts or parks the device's worker for its current spec. */
    private void place(EdgeDevice d) {
        DeviceSpec spec = d.spec();
        Mapper m = mappers.get(spec.protocol());
        DeviceWorker w = workers.get(spec.id());
        if (w != null && w.mapper() == m) {
            w.respec(spec);
            return;
        }
        if (w != null) {
            w.stop();
            workers.remove(spec.id());
        }
        if (m == null) {
            try {
                twin.updateState(spec.namespace(), spec.name(), DeviceState.UNKNOWN, noMapper(spec.protocol()));
            } catch (RuntimeException e) {
                LOG.debug("{}: {}", spec.id(), e.getMessage());
            }
            return;
        }
        w = new DeviceWorker(spec, m, twin, scheduler, System::currentTimeMillis);
        workers.put(spec.id(), w);
        w.start();
    }

    private static String noMapper(String protocol) {
        return protocol.isEmpty() ? "the device names no protocol (spec.protocol.protocolName)"
                : "no mapper for protocol '" + protocol + "' is installed (feature:install outpost-mapper-" + protocol
                        + "), and no external mapper has reported over MQTT yet";
    }

    @Override
    public synchronized void deviceAdded(EdgeDevice device) {
        if (scheduler != null) {
            place(device);
        }
    }

    @Override
    public synchronized void deviceUpdated(EdgeDevice device) {
        if (scheduler != null) {
            place(device);
        }
    }

    @Override
    public synchronized void deviceRemoved(EdgeDevice device) {
        DeviceWorker w = workers.remove(device.id());
        if (w != null) {
            w.stop();
        }
    }

    @Override
    public void twinChanged(TwinEvent event) {
        if (event.delta().isEmpty()) {
            return;
        }
        DeviceWorker w;
        synchronized (this) {
            w = workers.get(event.namespace() + "/" + event.name());
        }
        if (w == null) {
            return;
        }
        // Write what was newly asked for; a delta that was already written waits for the device.
        event.delta().forEach((prop, value) -> {
            TwinProperty now = event.current().get(prop);
            TwinProperty before = event.last().get(prop);
            if (now != null && !sameExpected(before == null ? null : before.expected(), now.expected())) {
                w.write(prop, value);
            }
        });
    }

    private static boolean sameExpected(TwinValue a, TwinValue b) {
        return a == null ? b == null : b != null && a.value().equals(b.value());
    }
}
