package io.outpost.edge.bus.kubeedge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.outpost.twin.api.DeviceInventory;
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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Test doubles for the twin and the inventory (the lead engineer's bundles provide the real ones):
 * in memory, with the contract's checks (404 for an unknown device, 400 for an unknown property
 * or a value the model refuses) and listener calls.
 */
public final class Fixtures {
    static final ObjectMapper JSON = new ObjectMapper();

    private Fixtures() {
    }

    /** A thermometer: temperature (float, -40..100, pushed over MQTT when pushAddress is set) and setpoint (float). */
    public static EdgeDevice thermometer(String ns, String name, String pushAddress) {
        try {
            String push = pushAddress == null ? "" : ",\"pushMethod\":{\"mqtt\":{\"address\":\"" + pushAddress
                    + "\",\"topic\":\"plant/" + name + "/temperature\",\"qos\":1,\"retained\":false}}";
            JsonNode device = JSON.readTree("{\"metadata\":{\"namespace\":\"" + ns + "\",\"name\":\"" + name
                    + "\",\"labels\":{\"description\":\"boiler room\"}},\"spec\":{\"deviceModelRef\":{\"name\":\"thermometer\"},"
                    + "\"protocol\":{\"protocolName\":\"virtual\"},\"properties\":[{\"name\":\"temperature\"" + push + "},"
                    + "{\"name\":\"setpoint\",\"desired\":{\"value\":\"21.5\"}}]}}");
            JsonNode model = JSON.readTree("{\"metadata\":{\"namespace\":\"" + ns + "\",\"name\":\"thermometer\"},\"spec\":{\"properties\":["
                    + "{\"name\":\"temperature\",\"type\":\"float\",\"minimum\":-40,\"maximum\":100,\"accessMode\":\"ReadOnly\"},"
                    + "{\"name\":\"setpoint\",\"type\":\"float\",\"minimum\":5,\"maximum\":30}]}}");
            return new EdgeDevice(ns, name, "thermometer", "virtual", List.of("temperature", "setpoint"), device, model);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Devices by id; announces additions to the listeners. */
    public static final class Inventory implements DeviceInventory {
        final Map<String, EdgeDevice> devices = new ConcurrentHashMap<>();
        public final List<java.util.function.Consumer<EdgeDevice>> onAdded = new CopyOnWriteArrayList<>();

        public void add(EdgeDevice d) {
            devices.put(d.id(), d);
            onAdded.forEach(l -> l.accept(d));
        }

        @Override
        public List<EdgeDevice> devices() {
            return new ArrayList<>(new TreeMap<>(devices).values());
        }

        @Override
        public Optional<EdgeDevice> device(String namespace, String name) {
            return Optional.ofNullable(devices.get(namespace + "/" + name));
        }
    }

    /** The twin contract in memory. */
    public static final class Twin implements DeviceTwin {
        private final Inventory inventory;
        public final List<TwinListener> listeners = new CopyOnWriteArrayList<>();
        final Map<String, Map<String, TwinProperty>> twins = new ConcurrentHashMap<>();
        final Map<String, DeviceState> states = new ConcurrentHashMap<>();
        final List<Map<String, TwinChange>> updates = new CopyOnWriteArrayList<>();
        long now = 1_700_000_000_000L;

        public Twin(Inventory inventory) {
            this.inventory = inventory;
        }

        @Override
        public Optional<Map<String, TwinProperty>> twins(String namespace, String name) {
            return inventory.device(namespace, name).map(d -> Map.copyOf(twins.getOrDefault(d.id(), Map.of())));
        }

        @Override
        public synchronized Map<String, TwinProperty> update(String namespace, String name, Map<String, TwinChange> changes) {
            EdgeDevice d = inventory.device(namespace, name)
                    .orElseThrow(() -> new TwinException(TwinException.NOT_FOUND, "device " + namespace + "/" + name + " is not on this gateway"));
            for (var e : changes.entrySet()) {
                PropertySpec p = d.spec().property(e.getKey())
                        .orElseThrow(() -> new TwinException(TwinException.BAD_REQUEST, "device " + d.id() + " has no property " + e.getKey()));
                for (String v : new String[] {e.getValue().expected(), e.getValue().actual()}) {
                    if (v != null) {
                        p.check(v).ifPresent(m -> {
                            throw new TwinException(TwinException.BAD_REQUEST, m);
                        });
                    }
                }
            }
            updates.add(Map.copyOf(changes));
            Map<String, TwinProperty> mine = twins.computeIfAbsent(d.id(), k -> new ConcurrentHashMap<>());
            Map<String, TwinProperty> last = new HashMap<>();
            Map<String, TwinProperty> current = new HashMap<>();
            now++;
            for (var e : changes.entrySet()) {
                TwinProperty old = mine.get(e.getKey());
                String type = d.spec().property(e.getKey()).orElseThrow().type().wireName();
                TwinValue exp = e.getValue().expected() != null ? new TwinValue(e.getValue().expected(), now) : old == null ? null : old.expected();
                TwinValue act = e.getValue().actual() != null ? new TwinValue(e.getValue().actual(), now) : old == null ? null : old.actual();
                TwinProperty n = new TwinProperty(exp, act, type);
                if (old != null) {
                    last.put(e.getKey(), old);
                }
                mine.put(e.getKey(), n);
                current.put(e.getKey(), n);
            }
            Map<String, String> delta = new HashMap<>();
            mine.forEach((k, v) -> {
                if (v.hasDelta()) {
                    delta.put(k, v.expected().value());
                }
            });
            TwinEvent ev = new TwinEvent(namespace, name, last, current, delta, false);
            listeners.forEach(l -> l.twinChanged(ev));
            return current;
        }

        @Override
        public Optional<DeviceState> state(String namespace, String name) {
            return inventory.device(namespace, name).map(d -> states.getOrDefault(d.id(), new DeviceState(DeviceState.UNKNOWN, "", 0)));
        }

        @Override
        public DeviceState updateState(String namespace, String name, String state, String reason) {
            EdgeDevice d = inventory.device(namespace, name)
                    .orElseThrow(() -> new TwinException(TwinException.NOT_FOUND, "device " + namespace + "/" + name + " is not on this gateway"));
            String s = DeviceState.normalize(state);
            DeviceState ds = new DeviceState(s, reason, s.equals("online") || s.equals("ok") ? now : states.getOrDefault(d.id(),
                    new DeviceState(DeviceState.UNKNOWN, "", 0)).lastOnline());
            states.put(d.id(), ds);
            return ds;
        }
    }
}
