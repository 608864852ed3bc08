package io.outpost.mapper.modbus;

import static io.outpost.mapper.api.ConfigFields.bool;
import static io.outpost.mapper.api.ConfigFields.integer;
import static io.outpost.mapper.api.ConfigFields.number;
import static io.outpost.mapper.api.ConfigFields.text;

import com.fasterxml.jackson.databind.JsonNode;
import io.outpost.mapper.modbus.protocol.DataType;
import io.outpost.twin.api.DeviceSpec;
import io.outpost.twin.api.PropertySpec;
import io.outpost.twin.api.PropertyType;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A Modbus device's settings, from KubeEdge's shapes: {@code spec.protocol.configData} (TCP:
 * {@code ip}, {@code port}; RTU: {@code serialPort}, {@code baudRate}, {@code dataBits},
 * {@code parity}, {@code stopBits}; both: {@code slaveID}) and each property's
 * {@code visitors.configData} ({@code register}, {@code offset}, {@code limit}, {@code scale},
 * {@code isSwap}, {@code isRegisterSwap}, {@code dataType}). Outpost's additions are documented
 * in the module README.
 */
record DeviceConfig(String ip, int port, String serialPort, int baudRate, int dataBits, String parity, int stopBits, int slaveId,
        int timeoutMillis, int retries, int reconnectDelayMillis, int maxReconnectDelayMillis, int maxBatch, Map<String, Point> points) {

    boolean tcp() {
        return !ip.isEmpty();
    }

    String describe() {
        return (tcp() ? ip + ":" + port : serialPort) + " unit " + slaveId;
    }

    /** The parsed config, or the problems that keep the device from being served. */
    record Parsed(DeviceConfig config, List<String> problems) {
    }

    static Parsed parse(DeviceSpec device) {
        List<String> problems = new ArrayList<>();
        JsonNode c = device.protocolConfig();
        String where = "spec.protocol.configData";
        String ip = text(c, "ip");
        // serialName: what mappers generated from KubeEdge's mapper-framework call the port.
        String serial = text(c, "serialPort").isEmpty() ? text(c, "serialName") : text(c, "serialPort");
        if (ip.isEmpty() && serial.isEmpty()) {
            problems.add(where + ": set ip (Modbus TCP, with port) or serialPort (Modbus RTU, for example /dev/ttyUSB0)");
        } else if (!ip.isEmpty() && !serial.isEmpty()) {
            problems.add(where + ": both ip and serialPort are set; keep ip for Modbus TCP or serialPort for Modbus RTU");
        }
        int port = integer(c, "port", 502, 1, 65535, where, problems);
        // TCP allows unit 0 and 255 (gateways); RTU addresses are 1..247 (0 is broadcast, never answered).
        int slave = serial.isEmpty() ? integer(c, "slaveID", 1, 0, 255, where, problems) : integer(c, "slaveID", 1, 1, 247, where, problems);
        int baud = integer(c, "baudRate", 9600, 50, 4_000_000, where, problems);
        int dataBits = integer(c, "dataBits", 8, 5, 8, where, problems);
        int stopBits = integer(c, "stopBits", 1, 1, 2, where, problems);
        String parity = parity(text(c, "parity"), where, problems);
        int timeout = integer(c, "timeout", 1000, 10, 60_000, where, problems);
        int retries = integer(c, "retries", 1, 0, 10, where, problems);
        int reconnect = integer(c, "reconnectDelay", 500, 10, 600_000, where, problems);
        int maxReconnect = integer(c, "maxReconnectDelay", 30_000, 10, 3_600_000, where, problems);
        int maxBatch = integer(c, "maxBatchRegisters", 125, 1, 125, where, problems);
        Map<String, Point> points = new LinkedHashMap<>();
        for (PropertySpec p : device.properties()) {
            Point pt = point(p, problems);
            if (pt != null) {
                points.put(p.name(), pt);
            }
        }
        DeviceConfig cfg = problems.isEmpty() ? new DeviceConfig(ip, port, serial, baud, dataBits, parity, stopBits, slave, timeout, retries,
                reconnect, Math.max(reconnect, maxReconnect), maxBatch, Map.copyOf(points)) : null;
        return new Parsed(cfg, List.copyOf(problems));
    }

    private static Point point(PropertySpec p, List<String> problems) {
        JsonNode v = p.visitor();
        String where = "property " + p.name() + ": visitors.configData";
        int before = problems.size();
        String regName = text(v, "register");
        Register reg = null;
        if (regName.isEmpty()) {
            problems.add(where + ".register is missing: set one of " + Register.names());
        } else {
            reg = Register.parse(regName).orElse(null);
            if (reg == null) {
                problems.add(where + ".register '" + regName + "' is none of " + Register.names());
            }
        }
        // Absent means 0: KubeEdge's older Go structs drop a zero offset (omitempty).
        int offset = integer(v, "offset", 0, 0, 65535, where, problems);
        DataType type = null;
        String typeName = text(v, "dataType");
        if (!typeName.isEmpty()) {
            type = DataType.parse(typeName).orElse(null);
            if (type == null) {
                problems.add(where + ".dataType '" + typeName + "' is none of int16, uint16, int32, uint32, float32, float64, string, boolean");
            }
        }
        int limit = integer(v, "limit", 0, 0, 125, where, problems);
        if (reg != null && reg.bit) {
            if (type != null && type != DataType.BOOLEAN) {
                problems.add(where + ".dataType " + type.wireName() + " does not fit a " + reg.kubeName + ", which holds one bit: use boolean or leave it out");
            }
            if (limit > 1) {
                problems.add(where + ".limit " + limit + ": a property maps one " + reg.kubeName + "; use limit 1 or leave it out");
            }
            type = DataType.BOOLEAN;
            limit = 1;
        } else if (reg != null && problems.size() == before) {
            if (type == null) {
                type = defaultType(p.type(), limit);
                if (type == null) {
                    problems.add(where + ".dataType is missing and limit " + limit + " does not say it for a " + p.type().wireName()
                            + " property: set dataType (int16, uint16, int32, uint32, float32, float64, string)");
                }
            }
            if (type == DataType.STRING) {
                if (limit < 1) {
                    problems.add(where + ".limit is missing: a string needs the number of registers it takes (two characters each)");
                }
            } else if (type != null) {
                if (limit != 0 && limit != type.registers()) {
                    problems.add(where + ".limit " + limit + " does not fit dataType " + type.wireName() + ", which takes " + type.registers()
                            + (type.registers() == 1 ? " register" : " registers") + ": fix limit or leave it out");
                }
                limit = type.registers();
            }
        }
        if (problems.size() == before && offset + limit > 65536) {
            problems.add(where + ": offset " + offset + " with limit " + limit + " runs past the last address 65535");
        }
        double scale = number(v, "scale", 1, where, problems);
        if (scale == 0) {
            problems.add(where + ".scale is 0: every value would read 0; use 1 for none");
        }
        double valueOffset = number(v, "valueOffset", 0, where, problems);
        if (reg != null && !reg.writable && !p.desired().isEmpty()) {
            problems.add("property " + p.name() + " has a desired value but " + reg.kubeName
                    + " is read-only in Modbus: use a " + (reg.bit ? "CoilRegister" : "HoldingRegister") + " or remove desired.value");
        }
        if (problems.size() != before) {
            return null;
        }
        return new Point(p, reg, offset, limit, type, scale, valueOffset, bool(v, "isSwap"), bool(v, "isRegisterSwap"));
    }

    /** KubeEdge's models rarely name a register type; guess the common one from the model's type and limit. */
    private static DataType defaultType(PropertyType t, int limit) {
        return switch (t) {
            case INT -> limit == 2 ? DataType.INT32 : limit <= 1 ? DataType.INT16 : null;
            case FLOAT, DOUBLE -> limit == 4 ? DataType.FLOAT64 : limit == 2 || limit == 0 ? DataType.FLOAT32 : limit == 1 ? DataType.INT16 : null;
            case BOOLEAN -> limit <= 1 ? DataType.BOOLEAN : null;
            case STRING, BYTES -> limit >= 1 ? DataType.STRING : null;
        };
    }

    private static String parity(String p, String where, List<String> problems) {
        return switch (p.toLowerCase(Locale.ROOT)) {
            case "", "n", "none" -> "none";
            case "e", "even" -> "even";
            case "o", "odd" -> "odd";
            default -> {
                problems.add(where + ".parity '" + p + "' is none of none, even, odd (or N, E, O)");
                yield "none";
            }
        };
    }
}
