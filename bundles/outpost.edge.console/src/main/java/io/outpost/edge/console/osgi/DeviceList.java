package io.outpost.edge.console.osgi;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.outpost.edge.console.api.ApiException;
import io.outpost.edge.console.api.Backends;
import io.outpost.twin.api.AccessMode;
import io.outpost.twin.api.DeviceInventory;
import io.outpost.twin.api.DeviceSpec;
import io.outpost.twin.api.DeviceState;
import io.outpost.twin.api.DeviceTwin;
import io.outpost.twin.api.EdgeDevice;
import io.outpost.twin.api.PropertySpec;
import io.outpost.twin.api.TwinChange;
import io.outpost.twin.api.TwinEvent;
import io.outpost.twin.api.TwinException;
import io.outpost.twin.api.TwinListener;
import io.outpost.twin.api.TwinProperty;
import io.outpost.twin.api.TwinValue;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiConsumer;
import java.util.function.Supplier;

/**
 * The devices the cloud assigned to this gateway with their twins, from the device inventory and
 * the device twin. Registered as a {@link TwinListener} too, to pass changes on to open pages.
 */
final class DeviceList implements Backends.Devices, TwinListener {
    private final Supplier<DeviceInventory> inventory;
    private final Supplier<DeviceTwin> twin;
    private final List<BiConsumer<String, String>> listeners = new CopyOnWriteArrayList<>();

    DeviceList(Supplier<DeviceInventory> inventory, Supplier<DeviceTwin> twin) {
        this.inventory = inventory;
        this.twin = twin;
    }

    private DeviceInventory inventory() throws ApiException {
        DeviceInventory inv = inventory.get();
        if (inv == null) {
            throw ApiException.unavailable("the device inventory", "the gateway's device bundle (outpost.edge.device, feature outpost-twin) "
                    + "is not running");
        }
        return inv;
    }

    private DeviceTwin twin() throws ApiException {
        DeviceTwin t = twin.get();
        if (t == null) {
            throw ApiException.unavailable("the device twin", "the bundle outpost.edge.twin (feature outpost-twin) is not running");
        }
        return t;
    }

    @Override
    public ArrayNode list() throws ApiException {
        ArrayNode a = JsonNodeFactory.instance.arrayNode();
        DeviceTwin t = twin.get();
        for (EdgeDevice d : inventory().devices()) {
            var o = a.addObject().put("id", d.id()).put("namespace", d.namespace()).put("name", d.name()).put("model", d.model())
                    .put("protocol", d.protocol());
            d.properties().forEach(o.putArray("properties")::add);
            if (t != null) {
                t.state(d.namespace(), d.name()).ifPresent(s -> o.put("state", s.state()));
            }
        }
        return a;
    }

    private EdgeDevice find(String namespace, String name) throws ApiException {
        for (EdgeDevice d : inventory().devices()) {
            if (d.namespace().equals(namespace) && d.name().equals(name)) {
                return d;
            }
        }
        throw new ApiException(404, "device " + namespace + "/" + name + " is not assigned to this gateway (GET /api/devices lists them)");
    }

    @Override
    public ObjectNode device(String namespace, String name) throws ApiException {
        EdgeDevice d = find(namespace, name);
        DeviceTwin t = twin();
        DeviceSpec spec = d.spec();
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("id", d.id()).put("namespace", d.namespace()).put("name", d.name()).put("model", d.model()).put("protocol", d.protocol());
        o.put("modelFound", spec.modelFound());
        DeviceState s = t.state(namespace, name).orElse(new DeviceState(DeviceState.UNKNOWN, "", 0));
        o.put("state", s.state()).put("reason", s.reason());
        if (s.lastOnline() > 0) {
            o.put("lastOnline", Instant.ofEpochMilli(s.lastOnline()).toString());
        }
        spec.allProblems().forEach(o.putArray("problems")::add);
        Map<String, TwinProperty> twins = t.twins(namespace, name).orElse(Map.of());
        ArrayNode a = o.putArray("twins");
        for (PropertySpec p : spec.properties()) {
            ObjectNode po = a.addObject().put("property", p.name()).put("type", p.type().wireName())
                    .put("access", p.access() == AccessMode.READ_ONLY ? "ReadOnly" : "ReadWrite").put("unit", p.unit());
            if (p.minimum() != null) {
                po.put("minimum", p.minimum());
            }
            if (p.maximum() != null) {
                po.put("maximum", p.maximum());
            }
            TwinProperty tp = twins.get(p.name());
            if (tp != null) {
                value(po, "desired", tp.expected());
                value(po, "reported", tp.actual());
                po.put("inSync", !tp.hasDelta());
            }
        }
        return o;
    }

    private static void value(ObjectNode o, String field, TwinValue v) {
        if (v != null) {
            o.putObject(field).put("value", v.value()).put("time", Instant.ofEpochMilli(v.timestamp()).toString());
        }
    }

    @Override
    public ObjectNode setDesired(String namespace, String name, String property, String value) throws ApiException {
        EdgeDevice d = find(namespace, name);
        DeviceTwin t = twin();
        PropertySpec p = d.spec().property(property).orElseThrow(() -> new ApiException(404, "device " + d.id() + " has no property '"
                + property + "'; it has " + String.join(", ", d.properties())));
        if (p.access() == AccessMode.READ_ONLY) {
            throw new ApiException(422, "property " + property + " is ReadOnly in model " + d.model() + ": it cannot be set");
        }
        var refused = p.check(value);
        if (refused.isPresent()) {
            throw new ApiException(422, refused.get());
        }
        try {
            t.update(namespace, name, Map.of(property, new TwinChange(value, null)));
        } catch (TwinException e) {
            throw new ApiException(e.code() == TwinException.NOT_FOUND ? 404 : e.code() == TwinException.BAD_REQUEST ? 422 : 500,
                    e.getMessage());
        }
        return device(namespace, name);
    }

    @Override
    public AutoCloseable onChange(BiConsumer<String, String> listener) {
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    @Override
    public void twinChanged(TwinEvent event) {
        listeners.forEach(l -> l.accept(event.namespace(), event.name()));
    }

    @Override
    public void stateChanged(String namespace, String name, DeviceState state) {
        listeners.forEach(l -> l.accept(namespace, name));
    }
}
