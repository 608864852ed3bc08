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
import io.outpost.twin.api.DeviceInventory;
import io.outpost.twin.api.EdgeDevice;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.osgi.service.component.annotations.Component;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the devices the cloud assigned to this gateway, from KubeEdge's downstream messages:
 * {@code insert|update|delete <ns>/devicemodel/<name>} and {@code <ns>/device/<name>} in group
 * {@code resource}, acknowledged with {@code response "OK"} as KubeEdge's meta manager does.
 * (KubeEdge's membership updates in group {@code twin} only name the devices; the twin bundle
 * will take them.)
 *
 * <p>In memory for now: the gateway's meta store (SQLite) will keep them across restarts.
 */
@Component(service = {MessageHandler.class, DeviceInventory.class},
        property = {MessageHandler.GROUP + "=" + Groups.RESOURCE,
                MessageHandler.RESOURCE_TYPE + "=" + DeviceInventoryComponent.DEVICE,
                MessageHandler.RESOURCE_TYPE + "=" + DeviceInventoryComponent.DEVICE_MODEL})
public class DeviceInventoryComponent implements MessageHandler, DeviceInventory {
    static final String DEVICE = "device";
    static final String DEVICE_MODEL = "devicemodel";
    private static final Logger LOG = LoggerFactory.getLogger(DeviceInventoryComponent.class);

    private final Map<String, JsonNode> devices = new ConcurrentHashMap<>();
    private final Map<String, JsonNode> models = new ConcurrentHashMap<>();

    @Override
    public void handle(MessageContext ctx, Message m) {
        Resource r = Resource.parse(m.resource());
        if (r.namespace().isEmpty() || r.name().isEmpty()) {
            throw new IllegalArgumentException("resource '" + m.resource() + "' must be <namespace>/" + r.type() + "/<name>");
        }
        Map<String, JsonNode> store = DEVICE.equals(r.type()) ? devices : models;
        String key = r.namespace() + "/" + r.name();
        switch (m.operation()) {
            case Operations.INSERT, Operations.UPDATE -> {
                if (!m.content().isObject()) {
                    throw new IllegalArgumentException("a " + r.type() + " " + m.operation() + " must carry the object as content");
                }
                JsonNode old = store.put(key, m.content());
                LOG.info("{} {} {}", old == null ? "received" : "updated", r.type(), key);
            }
            case Operations.DELETE -> {
                if (store.remove(key) != null) {
                    LOG.info("removed {} {}", r.type(), key);
                }
            }
            default -> throw new IllegalArgumentException("operation '" + m.operation() + "' on " + r.type() + " is not supported");
        }
        ctx.reply(m.response(TextNode.valueOf("OK")));
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
