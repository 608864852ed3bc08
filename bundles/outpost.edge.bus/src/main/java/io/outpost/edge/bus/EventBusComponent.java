package io.outpost.edge.bus;

import io.outpost.edge.bus.broker.Bus;
import io.outpost.edge.bus.broker.BrokerSettings;
import io.outpost.edge.bus.broker.Credentials;
import io.outpost.edge.bus.broker.MqttBroker;
import io.outpost.edge.bus.kubeedge.KubeEdgeAcl;
import io.outpost.edge.bus.kubeedge.TopicAdapter;
import io.outpost.edge.bus.kubeedge.TwinDocuments;
import io.outpost.edge.bus.paho.PahoBus;
import io.outpost.edge.bus.paho.PahoPush;
import io.outpost.hub.api.EdgeHub;
import io.outpost.twin.api.DeviceInventory;
import io.outpost.twin.api.DeviceState;
import io.outpost.twin.api.DeviceTwin;
import io.outpost.twin.api.EdgeDevice;
import io.outpost.twin.api.InventoryListener;
import io.outpost.twin.api.TwinEvent;
import io.outpost.twin.api.TwinListener;
import java.time.ZoneId;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's event bus: runs the embedded MQTT broker (or connects to an external one) and
 * serves KubeEdge's mapper topics on it for the device twin. Thin: the broker and the topic
 * adapter are plain classes; this only assembles them from the configuration.
 */
@Component(configurationPid = EventBusComponent.PID, service = {}, immediate = true)
@Designate(ocd = EventBusComponent.Config.class)
public class EventBusComponent implements TwinListener, InventoryListener {
    static final String PID = "io.outpost.edge.bus";
    private static final Logger LOG = LoggerFactory.getLogger(EventBusComponent.class);

    @ObjectClassDefinition(name = "Outpost edge: event bus", description = "The gateway's MQTT broker and KubeEdge's mapper topics "
            + "($hw/events/device/…, $hw/events/node/…).")
    public @interface Config {
        @AttributeDefinition(name = "Broker", description = "embedded: the gateway runs its own broker; external: the gateway uses the broker at External broker URI (for example Mosquitto), which enforces its own ACL.",
                options = {@Option(value = "embedded", label = "embedded"), @Option(value = "external", label = "external")})
        String mode() default "embedded";

        @AttributeDefinition(name = "Listen address", description = "Address the embedded broker binds. Anything but loopback needs users.")
        String host() default "127.0.0.1";

        @AttributeDefinition(name = "Port", description = "TCP port of the embedded broker.", min = "0", max = "65535")
        int port() default BrokerSettings.DEFAULT_PORT;

        @AttributeDefinition(name = "Users", description = "One entry per user: name:password or name:sha256:<hex of SHA-256 of the password>, "
                + "optionally followed by :<ns>/<device>,<ns>/* to restrict the user to those devices.", required = false)
        String[] users() default {};

        @AttributeDefinition(name = "Anonymous on loopback", description = "Whether clients on the loopback interface may connect without a user name.")
        boolean anonymousOnLoopback() default true;

        @AttributeDefinition(name = "Largest packet (bytes)", description = "MQTT packets above this close the connection (MQTT 5: reason 0x95).", min = "256")
        int maxPacketBytes() default BrokerSettings.DEFAULT_MAX_PACKET;

        @AttributeDefinition(name = "Most clients", min = "1")
        int maxClients() default 64;

        @AttributeDefinition(name = "Messages per second per client", description = "A client publishing faster is read more slowly, so it cannot starve the others.", min = "1")
        int messagesPerSecond() default 1000;

        @AttributeDefinition(name = "Burst per client", description = "Messages a client may send at once above its rate.", min = "1")
        int burst() default 2000;

        @AttributeDefinition(name = "Most retained messages", min = "0")
        int maxRetained() default 10_000;

        @AttributeDefinition(name = "Most subscriptions per client", min = "1")
        int maxSubscriptions() default 100;

        @AttributeDefinition(name = "External broker URI", description = "tcp://host:port or ssl://host:port, used when Broker is external.")
        String externalUri() default "tcp://127.0.0.1:1883";

        @AttributeDefinition(name = "External broker user", required = false)
        String externalUser() default "";

        @AttributeDefinition(name = "External broker password", type = AttributeType.PASSWORD, required = false)
        String externalPassword() default "";

        @AttributeDefinition(name = "MQTT push methods", description = "Whether properties with pushMethod.mqtt have their values sent to the broker they name.")
        boolean pushMethods() default true;
    }

    @Reference
    private EdgeHub hub;
    @Reference
    private DeviceInventory inventory;
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile DeviceTwin twin;

    private ExecutorService worker;
    private final java.util.List<ServiceRegistration<?>> registrations = new java.util.ArrayList<>();
    private Bus bus;
    private PahoPush push;
    private TopicAdapter adapter;

    @Activate
    void activate(BundleContext context, Config cfg) throws InterruptedException {
        String node = hub.nodeName();
        // One worker handles every request and event in order; the twin's SQLite calls never run on the I/O thread.
        worker = Executors.newSingleThreadExecutor(r -> new Thread(r, "outpost-bus"));
        try {
            if ("external".equals(cfg.mode())) {
                bus = new PahoBus(cfg.externalUri(), "outpost-" + node, cfg.externalUser(), cfg.externalPassword());
                LOG.info("event bus on the external broker {}", cfg.externalUri());
            } else if ("embedded".equals(cfg.mode())) {
                BrokerSettings s = new BrokerSettings(cfg.host(), cfg.port(), cfg.maxPacketBytes(), cfg.maxClients(), cfg.messagesPerSecond(),
                        cfg.burst(), cfg.maxRetained(), cfg.maxSubscriptions());
                try {
                    bus = MqttBroker.start(s, Credentials.parse(cfg.users(), cfg.anonymousOnLoopback()), new KubeEdgeAcl(node));
                } catch (RuntimeException e) {
                    if (e instanceof IllegalArgumentException) {
                        throw e;
                    }
                    throw new IllegalStateException("the MQTT broker cannot listen on " + cfg.host() + ":" + cfg.port() + " (" + e
                            + "): is the port in use? Set port in etc/" + PID + ".cfg", e);
                }
            } else {
                throw new IllegalArgumentException("mode '" + cfg.mode() + "' must be embedded or external");
            }
            push = cfg.pushMethods() ? new PahoPush("outpost-" + node) : null;
            adapter = new TopicAdapter(node, bus, () -> twin, inventory, worker, new TwinDocuments(System::currentTimeMillis, ZoneId.systemDefault()),
                    push, cfg.maxPacketBytes()).start();
            if (cfg.pushMethods()) {
                adapter.withHttpPush(new io.outpost.edge.bus.http.HttpPush(worker));
            }
            // Registered here rather than as DS services: the inventory and the twin bind their
            // listeners dynamically, and a DS listener that references the inventory would be a cycle.
            registrations.add(context.registerService(TwinListener.class, this, null));
            registrations.add(context.registerService(InventoryListener.class, this, null));
        } catch (RuntimeException | InterruptedException e) {
            deactivate();
            throw e;
        }
    }

    @Deactivate
    void deactivate() {
        registrations.forEach(r -> {
            try {
                r.unregister();
            } catch (IllegalStateException e) {
                // already gone with the bundle
            }
        });
        registrations.clear();
        if (adapter != null) {
            adapter.close();
        }
        if (worker != null) {
            worker.shutdown();
            try {
                worker.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (push != null) {
            push.close();
        }
        if (bus != null) {
            bus.close();
        }
        adapter = null;
        push = null;
        bus = null;
    }

    @Override
    public void twinChanged(TwinEvent event) {
        TopicAdapter a = adapter;
        if (a != null) {
            a.twinChanged(event);
        }
    }

    @Override
    public void stateChanged(String namespace, String name, DeviceState state) {
        // KubeEdge publishes state results only in answer to state/update; nothing to send here.
    }

    @Override
    public void deviceAdded(EdgeDevice device) {
        TopicAdapter a = adapter;
        if (a != null) {
            a.deviceAdded(device);
        }
    }

    @Override
    public void deviceUpdated(EdgeDevice device) {
        // KubeEdge's membership/updated names only added and removed devices.
    }

    @Override
    public void deviceRemoved(EdgeDevice device) {
        TopicAdapter a = adapter;
        if (a != null) {
            a.deviceRemoved(device);
        }
    }
}
