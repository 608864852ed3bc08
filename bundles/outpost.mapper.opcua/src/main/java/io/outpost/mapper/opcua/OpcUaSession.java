package io.outpost.mapper.opcua;

import io.outpost.mapper.api.DeviceListener;
import io.outpost.mapper.api.DeviceSession;
import io.outpost.mapper.api.MapperException;
import io.outpost.mapper.api.Reading;
import io.outpost.mapper.opcua.client.UaConnection;
import io.outpost.mapper.opcua.client.UaFailure;
import io.outpost.mapper.opcua.client.Values;
import io.outpost.twin.api.PropertySpec;
import io.outpost.twin.api.PropertyType;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;
import java.util.stream.Collectors;
import org.eclipse.milo.opcua.stack.core.types.builtin.DataValue;
import org.eclipse.milo.opcua.stack.core.types.builtin.NodeId;
import org.eclipse.milo.opcua.stack.core.types.builtin.StatusCode;

/**
 * One OPC UA device: its properties read in one request per poll, written one at a time, and —
 * those asked for — monitored through a subscription whose changes go straight to the listener.
 */
final class OpcUaSession implements DeviceSession, UaConnection.Events {
    private final DeviceConfig config;
    private final DeviceListener listener;
    private final LongSupplier clock;
    private final Set<String> pushed;
    /** Nodes found by browse path; read by Milo's threads too. */
    private final Map<String, NodeId> resolved = new java.util.concurrent.ConcurrentHashMap<>();
    private UaConnection connection;
    private final Runnable onClose;

    OpcUaSession(DeviceConfig config, DeviceListener listener, LongSupplier clock, Runnable onClose) {
        this.config = config;
        this.listener = listener;
        this.clock = clock;
        this.onClose = onClose;
        this.pushed = config.points().values().stream().filter(DeviceConfig.Point::subscribe).map(p -> p.property().name())
                .collect(Collectors.toUnmodifiableSet());
    }

    /** Connects in the background; subscribed properties start flowing once connected. */
    void start(UaConnection c) {
        connection = c;
        List<UaConnection.Item> items = new ArrayList<>();
        for (DeviceConfig.Point p : config.points().values()) {
            if (p.subscribe()) {
                items.add(new UaConnection.Item(p.property().name(), p.node(), p.browsePath(), p.samplingMillis()));
            }
        }
        c.monitor(items);
        c.start();
    }

    @Override
    public Set<String> pushed() {
        return pushed;
    }

    @Override
    public Map<String, Reading> read(List<PropertySpec> properties) throws MapperException {
        List<String> names = new ArrayList<>();
        List<NodeId> nodes = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        try {
            for (PropertySpec p : properties) {
                DeviceConfig.Point pt = config.points().get(p.name());
                if (pt == null) {
                    continue;
                }
                try {
                    nodes.add(node(pt));
                    names.add(p.name());
                } catch (UaFailure f) {
                    if (f.kind() != UaFailure.Kind.CONFIG) {
                        throw f;
                    }
                    problems.add("property " + p.name() + ": " + f.getMessage());
                }
            }
            Map<String, Reading> out = new LinkedHashMap<>();
            if (!nodes.isEmpty()) {
                List<DataValue> values = connection.read(nodes);
                long now = clock.getAsLong();
                for (int i = 0; i < names.size() && i < values.size(); i++) {
                    PropertySpec p = config.points().get(names.get(i)).property();
                    DataValue dv = values.get(i);
                    String problem = problem(p, nodes.get(i), dv);
                    if (problem != null) {
                        problems.add(problem);
                        continue;
                    }
                    String v = text(p, dv.getValue().getValue());
                    if (v.length() > PropertySpec.MAX_VALUE_LENGTH) {
                        problems.add("property " + p.name() + ": the value is " + v.length() + " characters long; the twin keeps at most "
                                + PropertySpec.MAX_VALUE_LENGTH);
                        continue;
                    }
                    out.put(p.name(), new Reading(v, now));
                }
            }
            if (!problems.isEmpty()) {
                if (out.isEmpty()) {
                    throw new MapperException(MapperException.Kind.CONFIG, String.join("; ", problems));
                }
                listener.health(false, "config: " + String.join("; ", problems));
            }
            return out;
        } catch (UaFailure f) {
            throw mapped(f);
        }
    }

    /** Why a value read is no good, or null when it is. */
    private static String problem(PropertySpec p, NodeId node, DataValue dv) {
        StatusCode sc = dv.getStatusCode();
        if (sc != null && sc.isBad()) {
            return "property " + p.name() + ": " + failureOf(sc, node).getMessage();
        }
        if (dv.getValue() == null || dv.getValue().isNull()) {
            return "property " + p.name() + ": node " + node.toParseableString() + " has no value";
        }
        return null;
    }

    private static UaFailure failureOf(StatusCode sc, NodeId node) {
        return UaConnection.failureOf(sc, "reading node " + node.toParseableString());
    }

    @Override
    public void write(PropertySpec property, String value) throws MapperException {
        DeviceConfig.Point pt = config.points().get(property.name());
        if (pt == null) {
            throw new MapperException(MapperException.Kind.CONFIG, "property " + property.name() + " has no visitor for this device");
        }
        try {
            connection.write(node(pt), value);
        } catch (UaFailure f) {
            throw mapped(new UaFailure(f.kind(), "property " + property.name() + ": " + f.getMessage(), f));
        }
    }

    private NodeId node(DeviceConfig.Point pt) throws UaFailure {
        if (pt.node() != null) {
            return pt.node();
        }
        NodeId n = resolved.get(pt.property().name());
        if (n == null) {
            n = connection.resolve(pt.browsePath());
            resolved.put(pt.property().name(), n);
        }
        return n;
    }

    /** A value in the property's type: INT rounded, BOOLEAN from numbers too, the rest as text. */
    static String text(PropertySpec p, Object v) {
        if (p.type() == PropertyType.INT && v instanceof Number n && !(v instanceof Long) && !(v instanceof Integer)) {
            return new BigDecimal(Values.text(n)).setScale(0, RoundingMode.HALF_UP).toPlainString();
        }
        if (p.type() == PropertyType.INT && v instanceof Boolean b) {
            return b ? "1" : "0";
        }
        if (p.type() == PropertyType.BOOLEAN && v instanceof Number n) {
            return Boolean.toString(n.doubleValue() != 0);
        }
        return Values.text(v);
    }

    static MapperException mapped(UaFailure f) {
        MapperException.Kind k = switch (f.kind()) {
            case TIMEOUT -> MapperException.Kind.TIMEOUT;
            case UNREACHABLE -> MapperException.Kind.UNREACHABLE;
            case SECURITY -> MapperException.Kind.SECURITY;
            case CONFIG -> MapperException.Kind.CONFIG;
            case DEVICE -> MapperException.Kind.DEVICE_ERROR;
        };
        return new MapperException(k, f.getMessage(), f);
    }

    /** The offline reason as the device manager writes it: kind, then what happened. */
    static String reason(UaFailure f) {
        return mapped(f).kind().name().toLowerCase().replace('_', ' ') + ": " + f.getMessage();
    }

    @Override
    public void online() {
        listener.health(true, "");
    }

    @Override
    public void offline(UaFailure why) {
        listener.health(false, reason(why));
    }

    @Override
    public void value(String key, DataValue value) {
        DeviceConfig.Point pt = config.points().get(key);
        if (pt == null) {
            return;
        }
        NodeId node = pt.node() != null ? pt.node() : resolved.getOrDefault(key, NodeId.NULL_VALUE);
        StatusCode sc = value.getStatusCode();
        if (sc != null && sc.isBad()) {
            listener.health(false, reason(UaConnection.failureOf(sc, "monitoring property " + key + " (node " + node.toParseableString() + ")")));
            return;
        }
        if (value.getValue() == null || value.getValue().isNull()) {
            return;
        }
        String v = text(pt.property(), value.getValue().getValue());
        if (v.length() <= PropertySpec.MAX_VALUE_LENGTH) {
            listener.value(key, v, clock.getAsLong());
        }
    }

    @Override
    public void close() {
        if (connection != null) {
            connection.close();
        }
        onClose.run();
    }
}
