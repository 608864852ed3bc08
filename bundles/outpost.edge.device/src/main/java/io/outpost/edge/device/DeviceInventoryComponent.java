package io.outpost.edge.device;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.outpost.hub.api.Groups;
import io.outpost.hub.api.Message;
import io.outpost.hub.api.MessageContext;
import io.outpost.hub.api.MessageHandler;
import io.outpost.hub.api.Operations;
import io.outpost.hub.api.Resource;
import io.outpost.meta.api.MetaStore;
import io.outpost.meta.api.StoredObject;
import io.outpost.twin.api.DeviceInventory;
import io.outpost.twin.api.EdgeDevice;
import io.outpost.twin.api.InventoryListener;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the devices the cloud assigned to this gateway, from KubeEdge's downstream messages:
 * {@code insert|update|delete <ns>/devicemodel/<name>} and {@code <ns>/device/<name>} in group
 * {@code resource}. Each object is written to the meta store before the message is acknowledged
 * ({@code response "OK"}, as KubeEdge's meta manager does), so a gateway that restarts without
 * the cloud still knows its devices.
 */
@Component(service = {MessageHandler.class, DeviceInventory.class},
        property = {MessageHandler.GROUP + "=" + Groups.RESOURCE,
                MessageHandler.RESOURCE_TYPE + "=" + DeviceInventoryComponent.DEVICE,
                MessageHandler.RESOURCE_TYPE + "=" + DeviceInventoryComponent.DEVICE_MODEL})
public class DeviceInventoryComponent implements MessageHandler, DeviceInventory {
    static final String DEVICE = "device";
    static final String DEVICE_MODEL = "devicemodel";
    private static final Logger LOG = LoggerFactory.getLogger(DeviceInventoryComponent.class);

    @Reference
    private MetaStore store;

    private final Map<String, JsonNode> devices = new ConcurrentHashMap<>();
    private final Map<String, JsonNode> models = new ConcurrentHashMap<>();
    private final List<InventoryListener> listeners = new CopyOnWriteArrayList<>();

    public DeviceInventoryComponent() {
    }

    DeviceInventoryComponent(MetaStore store) {
        this.store = store;
        activate();
    }

    @Activate
    void activate() {
        for (StoredObject o : store.list(DEVICE_MODEL)) {
            models.put(o.key(), o.value());
        }
        for (StoredObject o : store.list(DEVICE)) {
            devices.put(o.key(), o.value());
        }
        if (!devices.isEmpty()) {
            LOG.info("{} devices and {} models from the meta store", devices.size(), models.size());
        }
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void addListener(InventoryListener l) {
        listeners.add(l);
    }

    void removeListener(InventoryListener l) {
        listeners.remove(l);
    }

    @Override
    public void handle(MessageContext ctx, Message m) {
        Resource r = Resource.parse(m.resource());
        if (r.namespace().isEmpty() || r.name().isEmpty()) {
            throw new IllegalArgumentException("resource '" + m.resource() + "' must be <namespace>/" + r.type() + "/<name>");
        }
        boolean isDevice = DEVICE.equals(r.type());
        Map<String, JsonNode> map = isDevice ? devices : models;
        String key = r.namespace() + "/" + r.name();
        switch (m.operation()) {
            case Operations.INSERT, Operations.UPDATE -> {
                if (!m.content().isObject()) {
                    throw new IllegalArgumentException("a " + r.type() + " " + m.operation() + " must carry the object as content");
                }
                store.put(r.type(), key, m.content(), m.resourceVersion());
                JsonNode old = map.put(key, m.content());
                LOG.info("{} {} {}", old == null ? "received" : "updated", r.type(), key);
                if (isDevice) {
                    EdgeDevice d = toDevice(m.content());
                    notify(old == null ? l -> l.deviceAdded(d) : l -> l.deviceUpdated(d));
                } else {
                    devicesOfModel(r.namespace(), r.name()).forEach(d -> notify(l -> l.deviceUpdated(d)));
                }
            }
            case Operations.DELETE -> {
                store.delete(r.type(), key);
                JsonNode old = map.remove(key);
                if (old != null) {
                    LOG.info("removed {} {}", r.type(), key);
                    if (isDevice) {
                        EdgeDevice d = toDevice(old);
                        notify(l -> l.deviceRemoved(d));
                    } else {
                        devicesOfModel(r.namespace(), r.name()).forEach(d -> notify(l -> l.deviceUpdated(d)));
                    }
                }
            }
            default -> throw new IllegalArgumentException("operation '" + m.operation() + "' on " + r.type() + " is not supported");
        }
        ctx.reply(m.response(TextNode.valueOf("OK")));
    }

    private List<EdgeDevice> devicesOfModel(String namespace, String model) {
        return devices().stream().filter(d -> d.namespace().equals(namespace) && d.model().equals(model)).toList();
    }

    private void notify(Consumer<InventoryListener> call) {
        for (InventoryListener l : listeners) {
            try {
                call.accept(l);
            } catch (RuntimeException e) {
                LOG.warn("inventory listener {} failed: {}", l.getClass().getName(), e.toString());
            }
        }
    }

    @Override
    public List<EdgeDevice> devices() {
        List<EdgeDevice> out = new ArrayList<>();
        devices.forEach((key, d) -> out.add(toDevice(d)));
        out.sort(Comparator.comparing(EdgeDevice::id));
        return out;
    }

    @Override
    public Optional<EdgeDevice> device(String namespace, String name) {
        return Optional.ofNullable(devices.get(namespace + "/" + name)).map(this::toDevice);
    }

    private EdgeDevice toDevice(JsonNode d) {
        String ns = d.path("metadata").path("namespace").asText("default");
        String model = d.path("spec").path("deviceModelRef").path("name").asText("");
        List<String> props = new ArrayList<>();
        d.path("spec").path("properties").forEach(p -> props.add(p.path("name").asText()));
        JsonNode m = model.isEmpty() ? NullNode.getInstance() : models.getOrDefault(ns + "/" + model, NullNode.getInstance());
        return new EdgeDevice(ns, d.path("metadata").path("name").asText(), model, d.path("spec").path("protocol").path("protocolName").asText(""),
                props, d, m);
    }
}
