package io.outpost.edge.twin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.outpost.meta.api.MetaStore;
import io.outpost.meta.api.StoredObject;
import io.outpost.twin.api.DeviceSpec;
import io.outpost.twin.api.DeviceState;
import io.outpost.twin.api.DeviceTwin;
import io.outpost.twin.api.PropertySpec;
import io.outpost.twin.api.TwinChange;
import io.outpost.twin.api.TwinEvent;
import io.outpost.twin.api.TwinException;
import io.outpost.twin.api.TwinListener;
import io.outpost.twin.api.TwinProperty;
import io.outpost.twin.api.TwinValue;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The device twins: desired values from the cloud, actual values from mappers, the device state,
 * the delta between them, and what the cloud has not heard yet.
 *
 * <p>Persistence: desired values and states are written to the meta store at once; actual values
 * are written by {@link #tick} at most every {@value #FLUSH_INTERVAL} ms per device, so a device that
 * reports a thousand values a second costs one write every two seconds, not a thousand. A crash
 * loses at most the readings of those two seconds, which the mapper reads again.
 *
 * <p>Upstream: per property, the latest actual value goes to the cloud once per report cycle;
 * older values are never queued, so a gateway that was offline sends one message per device when
 * it comes back, not a backlog. A value that settles a delta (the device now has the desired
 * value) goes at once, so a user who set a value sees it reported within the next tick.
 *
 * <p>Thread-safe: state changes under one lock; listeners and the uplink are called outside it.
 */
final class TwinEngine implements DeviceTwin {
    static final String KIND = "twin";
    /** How often collected values of a device are written to the meta store, at most, in ms. */
    static final long FLUSH_INTERVAL = 2000;
    /** How often an unchanged online state is sent again, to keep lastOnlineTime current, in ms. */
    static final long STATE_REFRESH = 60_000;
    private static final Logger LOG = LoggerFactory.getLogger(TwinEngine.class);
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private final MetaStore store;
    private final Uplink uplink;
    private final Supplier<List<TwinListener>> listeners;
    private final LongSupplier clock;
    private final Map<String, Twin> twins = new HashMap<>();

    /** One device's twins and what is pending for it. Guarded by the engine's lock. */
    private static final class Twin {
        DeviceSpec spec;
        final Map<String, TwinProperty> props = new LinkedHashMap<>();
        /** Properties whose actual value the cloud has not received; with the value's timestamp. */
        final Map<String, Long> unsent = new HashMap<>();
        final Map<String, Long> lastReport = new HashMap<>();
        final Set<String> urgent = new HashSet<>();
        DeviceState state = new DeviceState(DeviceState.UNKNOWN, "", 0);
        boolean stateUnsent;
        boolean dirty;
        boolean inFlight;
        boolean stateInFlight;
        long persisted;
        long stateSentAt;

        Twin(DeviceSpec spec) {
            this.spec = spec;
        }
    }

    TwinEngine(MetaStore store, Uplink uplink, Supplier<List<TwinListener>> listeners, LongSupplier clock) {
        this.store = store;
        this.uplink = uplink;
        this.listeners = listeners;
        this.clock = clock;
    }

    // ---- devices, from the inventory -------------------------------------------------------

    /** A device arrived or changed (from the cloud): takes its desired values. */
    void deviceChanged(DeviceSpec spec) {
        TwinEvent event;
        synchronized (this) {
            Twin t = twins.get(spec.id());
            if (t == null) {
                t = load(spec);
                twins.put(spec.id(), t);
            }
            t.spec = spec;
            long now = clock.getAsLong();
            Map<String, TwinProperty> last = new LinkedHashMap<>();
            Map<String, TwinProperty> current = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, TwinProperty>> it = t.props.entrySet().iterator(); it.hasNext();) {
                Map.Entry<String, TwinProperty> e = it.next();
                if (spec.property(e.getKey()).isEmpty()) {
                    last.put(e.getKey(), e.getValue());
                    it.remove();
                    t.unsent.remove(e.getKey());
                }
            }
            for (PropertySpec p : spec.properties()) {
                TwinProperty old = t.props.get(p.name());
                TwinValue expected = old == null ? null : old.expected();
                String desired = p.desired();
                // A desired value the model refuses is not taken: nothing is written to the device,
                // and the cloud shows why in the Device's conditions.
                boolean acceptable = !desired.isEmpty() && p.check(desired).isEmpty()
                        && p.access() != io.outpost.twin.api.AccessMode.READ_ONLY;
                if (acceptable && (expected == null || !expected.value().equals(desired))) {
                    expected = new TwinValue(desired, now);
                } else if (desired.isEmpty()) {
                    expected = null;
                }
                TwinProperty next = new TwinProperty(expected, old == null ? null : old.actual(), p.type().wireName());
                if (!next.equals(old)) {
                    if (old != null) {
                        last.put(p.name(), old);
                    }
                    current.put(p.name(), next);
                    t.props.put(p.name(), next);
                }
            }
            if (last.isEmpty() && current.isEmpty()) {
                return;
            }
            persist(t);
            event = new TwinEvent(spec.namespace(), spec.name(), last, current, delta(t), true);
        }
        fire(event);
    }

    /** The device left this gateway: its twins go with it. */
    void deviceRemoved(String namespace, String name) {
        synchronized (this) {
            twins.remove(namespace + "/" + name);
        }
        store.delete(KIND, namespace + "/" + name);
    }

    // ---- DeviceTwin ------------------------------------------------------------------------

    @Override
    public synchronized Optional<Map<String, TwinProperty>> twins(String namespace, String name) {
        Twin t = twins.get(namespace + "/" + name);
        return t == null ? Optional.empty() : Optional.of(Map.copyOf(t.props));
    }

    @Override
    public Map<String, TwinProperty> update(String namespace, String name, Map<String, TwinChange> changes) {
        TwinEvent event;
        Map<String, TwinProperty> changed = new LinkedHashMap<>();
        synchronized (this) {
            Twin t = twin(namespace, name);
            // Check everything first: an update is applied whole or not at all.
            for (Map.Entry<String, TwinChange> c : changes.entrySet()) {
                PropertySpec p = t.spec.property(c.getKey()).orElseThrow(() -> new TwinException(TwinException.BAD_REQUEST,
                        "device " + t.spec.id() + " has no property '" + c.getKey() + "'; its properties are "
                                + t.spec.properties().stream().map(PropertySpec::name).toList()));
                if (c.getValue().expected() != null) {
                    p.check(c.getValue().expected()).ifPresent(m -> {
                        throw new TwinException(TwinException.BAD_REQUEST, "expected value refused: " + m);
                    });
                }
                String actual = c.getValue().actual();
                if (actual != null && actual.length() > PropertySpec.MAX_VALUE_LENGTH) {
                    throw new TwinException(TwinException.BAD_REQUEST, "property " + p.name() + ": the value is " + actual.length()
                            + " characters long, at most " + PropertySpec.MAX_VALUE_LENGTH + " are allowed");
                }
            }
            long now = clock.getAsLong();
            Map<String, TwinProperty> last = new LinkedHashMap<>();
            boolean expectedChanged = false;
            for (Map.Entry<String, TwinChange> c : changes.entrySet()) {
                PropertySpec p = t.spec.property(c.getKey()).orElseThrow();
                TwinProperty old = t.props.getOrDefault(p.name(), new TwinProperty(null, null, p.type().wireName()));
                TwinValue expected = old.expected();
                TwinValue actual = old.actual();
                if (c.getValue().expected() != null) {
                    expected = new TwinValue(c.getValue().expected(), now);
                    expectedChanged = true;
                }
                if (c.getValue().actual() != null) {
                    actual = new TwinValue(c.getValue().actual(), now);
                    if (p.reportToCloud()) {
                        t.unsent.put(p.name(), now);
                        if (old.hasDelta() && expected != null && expected.value().equals(actual.value())) {
                            t.urgent.add(p.name());
                        }
                    }
                }
                TwinProperty next = new TwinProperty(expected, actual, p.type().wireName());
                boolean valueChanged = !same(old.actual(), actual) || !same(old.expected(), expected);
                t.props.put(p.name(), next);
                if (valueChanged) {
                    last.put(p.name(), old);
                    changed.put(p.name(), next);
                }
            }
            if (expectedChanged) {
                persist(t);
            } else {
                t.dirty = true;
            }
            if (changed.isEmpty()) {
                return changed;
            }
            event = new TwinEvent(namespace, name, last, changed, delta(t), false);
        }
        fire(event);
        return changed;
    }

    @Override
    public synchronized Optional<DeviceState> state(String namespace, String name) {
        Twin t = twins.get(namespace + "/" + name);
        return t == null ? Optional.empty() : Optional.of(t.state);
    }

    @Override
    public DeviceState updateState(String namespace, String name, String state, String reason) {
        String s = DeviceState.normalize(state);
        DeviceState next;
        synchronized (this) {
            Twin t = twin(namespace, name);
            boolean online = s.equals(DeviceState.ONLINE) || s.equals("ok");
            next = new DeviceState(s, online ? "" : reason, online ? clock.getAsLong() : t.state.lastOnline());
            boolean changed = !t.state.state().equals(next.state()) || !t.state.reason().equals(next.reason());
            t.state = next;
            if (!changed) {
                // Only lastOnline moved: kept in memory; the cloud hears it once a minute so that
                // status.lastOnlineTime stays current without a message per read.
                if (online && !t.stateUnsent && clock.getAsLong() - t.stateSentAt >= STATE_REFRESH) {
                    t.stateUnsent = true;
                }
                return next;
            }
            t.stateUnsent = true;
            persist(t);
        }
        for (TwinListener l : listeners.get()) {
            try {
                l.stateChanged(namespace, name, next);
            } catch (RuntimeException e) {
                LOG.warn("twin listener {} failed: {}", l.getClass().getName(), e.toString());
            }
        }
        return next;
    }

    // ---- periodic work ---------------------------------------------------------------------

    /** Writes every collected value to the meta store now (when the gateway stops). */
    synchronized void flush() {
        twins.values().stream().filter(t -> t.dirty).forEach(this::persist);
    }

    /** Writes what changed to the meta store and sends what is due to the cloud. */
    void tick() {
        List<Runnable> sends = new ArrayList<>();
        boolean connected = uplink.connected();
        synchronized (this) {
            long now = clock.getAsLong();
            for (Twin t : twins.values()) {
                if (t.dirty && now - t.persisted >= FLUSH_INTERVAL) {
                    persist(t);
                }
                if (connected) {
                    collectDue(t, now, sends);
                }
            }
        }
        sends.forEach(Runnable::run);
    }

    private void collectDue(Twin t, long now, List<Runnable> sends) {
        if (!t.inFlight && !t.unsent.isEmpty()) {
            ObjectNode twin = F.objectNode();
            Map<String, Long> sent = new HashMap<>();
            for (Map.Entry<String, Long> u : t.unsent.entrySet()) {
                PropertySpec p = t.spec.property(u.getKey()).orElse(null);
                TwinProperty tp = t.props.get(u.getKey());
                if (p == null || tp == null || tp.actual() == null) {
                    continue;
                }
                boolean due = t.urgent.contains(p.name()) || now - t.lastReport.getOrDefault(p.name(), 0L) >= p.reportCycleMillis();
                if (due) {
                    twin.set(p.name(), wire(tp));
                    sent.put(p.name(), u.getValue());
                }
            }
            if (!twin.isEmpty()) {
                t.inFlight = true;
                sent.keySet().forEach(k -> {
                    t.lastReport.put(k, now);
                    t.urgent.remove(k);
                });
                ObjectNode content = F.objectNode().put("event_id", UUID.randomUUID().toString()).put("timestamp", now);
                content.set("twin", twin);
                String resource = "device/" + t.spec.id() + "/twin/edge_updated";
                sends.add(() -> uplink.send(resource, content).thenAccept(ok -> delivered(t, sent, ok)));
            }
        }
        if (!t.stateInFlight && t.stateUnsent) {
            t.stateInFlight = true;
            DeviceState s = t.state;
            ObjectNode content = F.objectNode().put("event_id", UUID.randomUUID().toString()).put("timestamp", now);
            ObjectNode device = content.putObject("device").put("name", t.spec.name()).put("state", s.state())
                    .put("last_online", s.lastOnline() == 0 ? "" : KubeEdgeTime.format(s.lastOnline()));
            if (!s.reason().isEmpty()) {
                device.put("reason", s.reason());
            }
            String resource = "device/" + t.spec.id() + "/state/update";
            sends.add(() -> uplink.send(resource, content).thenAccept(ok -> stateDelivered(t, s, ok)));
        }
    }

    private synchronized void delivered(Twin t, Map<String, Long> sent, boolean ok) {
        t.inFlight = false;
        if (!ok) {
            return; // still unsent: the next tick after the report cycle tries again with the latest value
        }
        // Clear only what was not updated while the message was on its way.
        sent.forEach((k, ts) -> t.unsent.remove(k, ts));
        t.dirty = true;
    }

    private synchronized void stateDelivered(Twin t, DeviceState s, boolean ok) {
        t.stateInFlight = false;
        if (ok) {
            t.stateSentAt = clock.getAsLong();
        }
        if (ok && t.state.equals(s)) {
            t.stateUnsent = false;
            t.dirty = true;
        }
    }

    // ---- helpers ---------------------------------------------------------------------------

    private Twin twin(String namespace, String name) {
        Twin t = twins.get(namespace + "/" + name);
        if (t == null) {
            throw new TwinException(TwinException.NOT_FOUND, "device " + namespace + "/" + name + " is not assigned to this gateway");
        }
        return t;
    }

    private static boolean same(TwinValue a, TwinValue b) {
        return a == null ? b == null : b != null && a.value().equals(b.value());
    }

    private static Map<String, String> delta(Twin t) {
        Map<String, String> d = new LinkedHashMap<>();
        t.props.forEach((k, v) -> {
            if (v.hasDelta()) {
                d.put(k, v.expected().value());
            }
        });
        return d;
    }

    private void fire(TwinEvent event) {
        for (TwinListener l : listeners.get()) {
            try {
                l.twinChanged(event);
            } catch (RuntimeException e) {
                LOG.warn("twin listener {} failed: {}", l.getClass().getName(), e.toString());
            }
        }
    }

    /** The cloud's form of a twin, as KubeEdge's edge_updated carries it. */
    static ObjectNode wire(TwinProperty tp) {
        ObjectNode o = F.objectNode();
        if (tp.actual() != null) {
            o.putObject("actual").put("value", tp.actual().value()).putObject("metadata").put("timestamp", tp.actual().timestamp());
        }
        if (tp.expected() != null) {
            o.putObject("expected").put("value", tp.expected().value()).putObject("metadata").put("timestamp", tp.expected().timestamp());
        }
        o.putObject("metadata").put("type", tp.type());
        return o;
    }

    private void persist(Twin t) {
        ObjectNode doc = F.objectNode();
        ObjectNode props = doc.putObject("twins");
        t.props.forEach((k, v) -> {
            ObjectNode o = wire(v);
            if (t.unsent.containsKey(k)) {
                o.put("unsent", true);
            }
            props.set(k, o);
        });
        doc.putObject("state").put("state", t.state.state()).put("reason", t.state.reason()).put("lastOnline", t.state.lastOnline())
                .put("unsent", t.stateUnsent);
        try {
            store.put(KIND, t.spec.id(), doc, "");
            t.dirty = false;
            t.persisted = clock.getAsLong();
        } catch (RuntimeException e) {
            // Kept in memory and dirty: the next tick tries again.
            t.dirty = true;
            LOG.warn("twin of {} not stored: {}", t.spec.id(), e.getMessage());
        }
    }

    private Twin load(DeviceSpec spec) {
        Twin t = new Twin(spec);
        Optional<StoredObject> o;
        try {
            o = store.get(KIND, spec.id());
        } catch (RuntimeException e) {
            LOG.warn("twin of {} not read from the meta store: {}", spec.id(), e.getMessage());
            return t;
        }
        if (o.isEmpty()) {
            return t;
        }
        JsonNode doc = o.get().value();
        doc.path("twins").fields().forEachRemaining(e -> {
            JsonNode v = e.getValue();
            t.props.put(e.getKey(), new TwinProperty(value(v.path("expected")), value(v.path("actual")),
                    v.path("metadata").path("type").asText("string")));
            if (v.path("unsent").asBoolean(false) && v.path("actual").isObject()) {
                t.unsent.put(e.getKey(), v.path("actual").path("metadata").path("timestamp").asLong());
            }
        });
        JsonNode s = doc.path("state");
        if (s.isObject()) {
            t.state = new DeviceState(s.path("state").asText(DeviceState.UNKNOWN), s.path("reason").asText(""), s.path("lastOnline").asLong(0));
            t.stateUnsent = s.path("unsent").asBoolean(false);
        }
        return t;
    }

    private static TwinValue value(JsonNode v) {
        return v.isObject() && v.has("value") ? new TwinValue(v.path("value").asText(), v.path("metadata").path("timestamp").asLong()) : null;
    }
}
