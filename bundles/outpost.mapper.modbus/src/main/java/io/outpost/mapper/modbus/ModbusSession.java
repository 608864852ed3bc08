package io.outpost.mapper.modbus;

import io.outpost.mapper.api.DeviceListener;
import io.outpost.mapper.api.DeviceSession;
import io.outpost.mapper.api.MapperException;
import io.outpost.mapper.api.Reading;
import io.outpost.mapper.modbus.protocol.DataType;
import io.outpost.mapper.modbus.protocol.ModbusIOException;
import io.outpost.mapper.modbus.protocol.Pdu;
import io.outpost.mapper.modbus.protocol.Transport;
import io.outpost.twin.api.PropertySpec;
import io.outpost.twin.api.PropertyType;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * One Modbus device: its own link (nothing shared with other devices, so a slow device only
 * costs its own caller), batched reads, retries, reconnect with back-off, health reports. Called
 * by one thread at a time (the SPI's contract), so it keeps its state without locks.
 */
final class ModbusSession implements DeviceSession {
    /** A read of contiguous registers (or bits) of one kind that serves several properties. */
    record Group(Register register, int start, int count, List<Point> points) {
        String where() {
            return register.kubeName + " " + start + ".." + (start + count - 1);
        }
    }

    private final DeviceConfig config;
    private final Transport transport;
    private final DeviceListener listener;
    private final LongSupplier clock;
    private final Runnable onClose;
    private long nextConnect;
    private int delay;
    private String lastReason = "";
    /** What was last reported through the listener: null before the first report. */
    private Boolean online;
    private String reportedReason = "";
    private boolean closed;
    private long requests;

    ModbusSession(DeviceConfig config, Transport transport, DeviceListener listener, LongSupplier clock, Runnable onClose) {
        this.onClose = onClose;
        this.config = config;
        this.transport = transport;
        this.listener = listener;
        this.clock = clock;
        this.delay = config.reconnectDelayMillis();
    }

    /**
     * Groups points into as few reads as the protocol allows: points of one register kind whose
     * addresses touch or overlap share a read, up to {@code maxBatch} registers (2000 bits).
     */
    static List<Group> plan(List<Point> points, int maxBatch) {
        List<Point> sorted = new ArrayList<>(points);
        sorted.sort(Comparator.comparing(Point::register).thenComparingInt(Point::offset));
        List<Group> groups = new ArrayList<>();
        Register reg = null;
        int start = 0;
        int end = 0;
        List<Point> members = new ArrayList<>();
        for (Point p : sorted) {
            int max = p.register().bit ? Pdu.MAX_READ_BITS : maxBatch;
            if (p.register() == reg && p.offset() <= end && Math.max(end, p.end()) - start <= max) {
                end = Math.max(end, p.end());
                members.add(p);
                continue;
            }
            if (reg != null) {
                groups.add(new Group(reg, start, end - start, List.copyOf(members)));
            }
            reg = p.register();
            start = p.offset();
            end = p.end();
            members = new ArrayList<>(List.of(p));
        }
        if (reg != null) {
            groups.add(new Group(reg, start, end - start, List.copyOf(members)));
        }
        return groups;
    }

    @Override
    public Map<String, Reading> read(List<PropertySpec> properties) throws MapperException {
        List<Point> points = new ArrayList<>();
        for (PropertySpec p : properties) {
            Point pt = config.points().get(p.name());
            if (pt != null) {
                points.add(pt);
            }
        }
        Map<String, Reading> values = new LinkedHashMap<>();
        if (points.isEmpty()) {
            return values;
        }
        connect();
        List<String> failures = new ArrayList<>();
        for (Group g : plan(points, config.maxBatch())) {
            byte[] data;
            try {
                data = exchange(Pdu.read(g.register().readFunction, g.start(), g.count()));
            } catch (ModbusIOException e) {
                if (e.kind() == ModbusIOException.Kind.EXCEPTION_RESPONSE || e.kind() == ModbusIOException.Kind.MALFORMED) {
                    failures.add(groupFailure(g, e));
                    continue;
                }
                throw linkDown(e);
            }
            long now = clock.getAsLong();
            for (Point p : g.points()) {
                try {
                    values.put(p.name(), new Reading(decode(p, data, g.start()), now));
                } catch (RuntimeException e) {
                    failures.add(p.where() + ": " + e.getMessage());
                }
            }
        }
        if (!failures.isEmpty()) {
            String reason = String.join("; ", failures);
            health(false, reason);
            if (values.isEmpty()) {
                throw new MapperException(MapperException.Kind.DEVICE_ERROR, reason);
            }
        } else {
            health(true, "");
        }
        return values;
    }

    private String groupFailure(Group g, ModbusIOException e) {
        String names = g.points().stream().map(Point::name).reduce((a, b) -> a + ", " + b).orElse("");
        String hint = switch (e.exceptionCode()) {
            case 1 -> ": the device does not support reading " + g.register().kubeName + "s; check register";
            case 2 -> ": the device has no such addresses; check offset and limit";
            default -> "";
        };
        return e.getMessage() + " from " + config.describe() + " reading " + g.where() + " (properties " + names + ")" + hint;
    }

    @Override
    public void write(PropertySpec property, String value) throws MapperException {
        Point p = config.points().get(property.name());
        if (p == null) {
            throw new MapperException(MapperException.Kind.CONFIG, "property " + property.name() + " has no Modbus visitor on this device");
        }
        if (!p.register().writable) {
            throw new MapperException(MapperException.Kind.UNSUPPORTED, "property " + p.name() + " is a " + p.register().kubeName
                    + ", which Modbus cannot write; only CoilRegister and HoldingRegister are writable");
        }
        byte[] pdu;
        try {
            pdu = encode(p, value);
        } catch (IllegalArgumentException e) {
            throw new MapperException(MapperException.Kind.CONFIG, "property " + p.name() + ": " + e.getMessage());
        }
        connect();
        try {
            exchange(pdu);
        } catch (ModbusIOException e) {
            if (e.kind() == ModbusIOException.Kind.EXCEPTION_RESPONSE || e.kind() == ModbusIOException.Kind.MALFORMED) {
                String reason = e.getMessage() + " from " + config.describe() + " writing " + p.where();
                health(false, reason);
                throw new MapperException(MapperException.Kind.DEVICE_ERROR, reason, e);
            }
            throw linkDown(e);
        }
        health(true, "");
    }

    /** One exchange with retries: timeouts and garbled answers are retried, a lost link is reopened once. */
    private byte[] exchange(byte[] pdu) throws ModbusIOException {
        ModbusIOException last = null;
        for (int attempt = 0; attempt <= config.retries(); attempt++) {
            boolean wasConnected = transport.isConnected();
            try {
                requests++;
                return Pdu.check(pdu, transport.exchange(config.slaveId(), pdu, config.timeoutMillis()));
            } catch (ModbusIOException e) {
                if (e.kind() == ModbusIOException.Kind.EXCEPTION_RESPONSE || e.kind() == ModbusIOException.Kind.CONNECTION && !wasConnected) {
                    throw e;
                }
                last = e;
            }
        }
        throw Objects.requireNonNull(last);
    }

    /** Opens the link unless the back-off says to wait; then fails fast without I/O. */
    private void connect() throws MapperException {
        if (transport.isConnected()) {
            return;
        }
        long now = clock.getAsLong();
        if (now < nextConnect) {
            throw new MapperException(lastReason.startsWith("timeout") ? MapperException.Kind.TIMEOUT : MapperException.Kind.UNREACHABLE,
                    lastReason + " (next attempt in " + (nextConnect - now) + " ms)");
        }
        try {
            transport.connect();
        } catch (ModbusIOException e) {
            throw linkDown(e);
        }
    }

    /** The device is unreachable: close, back off (doubling up to the maximum), report. */
    private MapperException linkDown(ModbusIOException e) {
        transport.close();
        boolean timeout = e.kind() == ModbusIOException.Kind.TIMEOUT;
        // The transports' messages name the address (and, for RTU, the unit).
        String reason = timeout
                ? "timeout: " + e.getMessage() + (config.tcp() ? " unit " + config.slaveId() : "") + " within " + config.timeoutMillis() + " ms, "
                        + (config.retries() + 1) + " attempts"
                : (e.getMessage().contains("refused") ? "refused: " : "unreachable: ") + e.getMessage();
        nextConnect = clock.getAsLong() + delay;
        delay = (int) Math.min((long) delay * 2, config.maxReconnectDelayMillis());
        lastReason = reason;
        health(false, reason);
        return new MapperException(timeout ? MapperException.Kind.TIMEOUT : MapperException.Kind.UNREACHABLE, reason, e);
    }

    private void health(boolean up, String reason) {
        if (up) {
            delay = config.reconnectDelayMillis();
            nextConnect = 0;
            lastReason = "";
        }
        // Report changes only: the device manager polls often, and a health call is a twin update.
        if (online == null || online != up || !up && !reason.equals(reportedReason)) {
            online = up;
            reportedReason = reason;
            listener.health(up, reason);
        }
    }

    /** @return requests sent so far, retries included (for tests and the benchmark) */
    long requests() {
        return requests;
    }

    static String decode(Point p, byte[] data, int groupStart) {
        int at = p.offset() - groupStart;
        PropertyType type = p.property().type();
        if (p.register().bit) {
            boolean on = data[at] != 0;
            return type == PropertyType.BOOLEAN || type == PropertyType.STRING ? Boolean.toString(on) : on ? "1" : "0";
        }
        byte[] wire = new byte[p.limit() * 2];
        System.arraycopy(data, at * 2, wire, 0, wire.length);
        Object raw = p.dataType().decode(DataType.reorder(wire, p.swapBytes(), p.swapRegisters()));
        if (raw instanceof String s) {
            return s;
        }
        double v = ((Number) raw).doubleValue();
        boolean exact = p.scale() == 1 && p.valueOffset() == 0;
        if (!exact) {
            // 215 × 0.1 is 21.500000000000004 in binary; twelve digits are more than any register holds.
            v = new BigDecimal(v * p.scale() + p.valueOffset()).round(new MathContext(12)).doubleValue();
        }
        return switch (type) {
            case INT -> Long.toString(Math.round(v));
            case BOOLEAN -> Boolean.toString(v != 0);
            default -> raw instanceof Long l && exact ? Long.toString(l) : DataType.plain(v);
        };
    }

    static byte[] encode(Point p, String value) {
        if (p.register() == Register.COIL) {
            String v = value.trim();
            boolean on = v.equalsIgnoreCase("true") || v.equals("1") || v.equalsIgnoreCase("on");
            if (!on && !v.equalsIgnoreCase("false") && !v.equals("0") && !v.equalsIgnoreCase("off")) {
                throw new IllegalArgumentException("'" + value + "' is not a coil state: use true or false");
            }
            return Pdu.writeSingleCoil(p.offset(), on);
        }
        Object raw;
        if (p.dataType() == DataType.STRING) {
            raw = value;
        } else if (p.dataType() == DataType.BOOLEAN || p.property().type() == PropertyType.BOOLEAN) {
            raw = Boolean.parseBoolean(value.trim()) || value.trim().equals("1") ? 1 : 0;
        } else {
            double d;
            try {
                d = Double.parseDouble(value.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + value + "' is not a number");
            }
            raw = (d - p.valueOffset()) / p.scale();
        }
        byte[] regs = DataType.reorder(p.dataType().encode(raw, p.limit()), p.swapBytes(), p.swapRegisters());
        if (regs.length == 2) {
            return Pdu.writeSingleRegister(p.offset(), (regs[0] & 0xFF) << 8 | regs[1] & 0xFF);
        }
        return Pdu.writeMultipleRegisters(p.offset(), regs);
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            transport.close();
            onClose.run();
        }
    }

}
