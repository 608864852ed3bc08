package io.outpost.mapper.ble;

import static io.outpost.mapper.api.ConfigFields.bool;
import static io.outpost.mapper.api.ConfigFields.integer;
import static io.outpost.mapper.api.ConfigFields.number;
import static io.outpost.mapper.api.ConfigFields.text;

import com.fasterxml.jackson.databind.JsonNode;
import io.outpost.twin.api.DeviceSpec;
import io.outpost.twin.api.PropertySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A BLE device's settings in KubeEdge's shapes: {@code spec.protocol.configData.macAddress} and each
 * property's {@code visitors.configData} ({@code characteristicUUID}, {@code dataWrite},
 * {@code dataConverter} with {@code startIndex}, {@code endIndex}, {@code shiftLeft},
 * {@code shiftRight}, {@code orderOfOperations}). Outpost's additions are documented in the README.
 */
record BleConfig(String mac, String adapter, int timeoutMillis, int connectTimeoutMillis, int discoveryTimeoutMillis, int reconnectDelayMillis,
        int maxReconnectDelayMillis, Map<String, Point> points) {
    private static final Pattern MAC = Pattern.compile("[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}");
    private static final Pattern HEX = Pattern.compile("[0-9a-f]+");
    private static final Pattern ADAPTER = Pattern.compile("[A-Za-z0-9_]{1,32}");
    /** Most dataWrite entries a property may have; a lookup table, not a data store. */
    private static final int MAX_DATA_WRITE = 64;

    record Parsed(BleConfig config, List<String> problems) {
    }

    static Parsed parse(DeviceSpec device) {
        List<String> problems = new ArrayList<>();
        JsonNode c = device.protocolConfig();
        String where = "spec.protocol.configData";
        String mac = text(c, "macAddress");
        if (mac.isEmpty()) {
            problems.add(where + ".macAddress is missing: set the device's Bluetooth address, for example A4:C1:38:0B:5E:21");
        } else if (!MAC.matcher(mac).matches()) {
            problems.add(where + ".macAddress '" + mac + "' is not a Bluetooth address: six hex pairs separated by colons, for example A4:C1:38:0B:5E:21");
        }
        String adapter = text(c, "adapter");
        if (!adapter.isEmpty() && !ADAPTER.matcher(adapter).matches()) {
            problems.add(where + ".adapter '" + adapter + "' is not an adapter name such as hci0");
        }
        int timeout = integer(c, "timeout", 5000, 100, 60_000, where, problems);
        int connect = integer(c, "connectTimeout", 15_000, 100, 120_000, where, problems);
        int discovery = integer(c, "discoveryTimeout", 10_000, 0, 120_000, where, problems);
        int reconnect = integer(c, "reconnectDelay", 1000, 10, 600_000, where, problems);
        int maxReconnect = integer(c, "maxReconnectDelay", 60_000, 10, 3_600_000, where, problems);
        Map<String, Point> points = new LinkedHashMap<>();
        for (PropertySpec p : device.properties()) {
            Point pt = point(p, problems);
            if (pt != null) {
                points.put(p.name(), pt);
            }
        }
        BleConfig cfg = problems.isEmpty() ? new BleConfig(mac.toUpperCase(Locale.ROOT), adapter, timeout, connect, discovery, reconnect,
                Math.max(reconnect, maxReconnect), Map.copyOf(points)) : null;
        return new Parsed(cfg, List.copyOf(problems));
    }

    private static Point point(PropertySpec p, List<String> problems) {
        JsonNode v = p.visitor();
        String where = "property " + p.name() + ": visitors.configData";
        int before = problems.size();
        String uuid = uuid(text(v, "characteristicUUID"));
        if (text(v, "characteristicUUID").isEmpty()) {
            problems.add(where + ".characteristicUUID is missing: set the GATT characteristic's UUID, for example 00002a6e-0000-1000-8000-00805f9b34fb or 2a6e");
        } else if (uuid == null) {
            problems.add(where + ".characteristicUUID '" + text(v, "characteristicUUID")
                    + "' is not a UUID: 32 hex digits (dashes allowed) or a 16-bit (4 digits) or 32-bit (8 digits) Bluetooth short form");
        }
        Point.Converter converter = null;
        JsonNode dc = v.path("dataConverter");
        if (dc.isObject() && dc.size() > 0) {
            converter = converter(dc, where + ".dataConverter", problems);
        } else if (!dc.isMissingNode() && !dc.isNull() && !dc.isObject()) {
            problems.add(where + ".dataConverter must be an object (startIndex, endIndex, shiftLeft, shiftRight, orderOfOperations)");
        }
        Point.DataType type = null;
        String typeName = text(v, "dataType");
        if (!typeName.isEmpty()) {
            type = Point.DataType.parse(typeName);
            if (type == null) {
                problems.add(where + ".dataType '" + typeName + "' is none of " + Point.DataType.names());
            } else if (converter != null) {
                problems.add(where + ": set dataConverter (KubeEdge's) or dataType (Outpost's), not both");
            }
        }
        int byteOffset = integer(v, "byteOffset", 0, 0, Bleconst.MAX_INDEX, where, problems);
        String order = text(v, "byteOrder").toLowerCase(Locale.ROOT);
        if (!order.isEmpty() && !order.equals("little") && !order.equals("big")) {
            problems.add(where + ".byteOrder '" + text(v, "byteOrder") + "' is none of little, big");
        }
        double scale = number(v, "scale", 1, where, problems);
        if (scale == 0) {
            problems.add(where + ".scale is 0: every value would read 0; use 1 for none");
        }
        double valueOffset = number(v, "valueOffset", 0, where, problems);
        Map<String, byte[]> dataWrite = dataWrite(v.path("dataWrite"), where + ".dataWrite", problems);
        String writeType = text(v, "writeType").toLowerCase(Locale.ROOT);
        if (writeType.isEmpty()) {
            writeType = "request";
        } else if (!writeType.equals("request") && !writeType.equals("command")) {
            problems.add(where + ".writeType '" + text(v, "writeType") + "' is none of request (with response), command (without)");
        }
        boolean notify = bool(v, "notify");
        if (problems.size() != before) {
            return null;
        }
        Point pt = new Point(p, uuid, notify, converter, type, byteOffset, order.equals("big"), scale, valueOffset, dataWrite, writeType);
        if (!p.desired().isEmpty() && !pt.encodable() && dataWrite.isEmpty()) {
            problems.add("property " + p.name() + " has a desired value but no way to write it: set visitors.configData.dataWrite "
                    + "(value → bytes, as KubeEdge does) or dataType");
            return null;
        }
        return pt;
    }

    private static Point.Converter converter(JsonNode dc, String where, List<String> problems) {
        int before = problems.size();
        int start = integer(dc, "startIndex", 0, 0, Bleconst.MAX_INDEX, where, problems);
        int end = integer(dc, "endIndex", start, 0, Bleconst.MAX_INDEX, where, problems);
        if (Math.abs(end - start) > 7) {
            problems.add(where + ": startIndex " + start + " to endIndex " + end + " spans " + (Math.abs(end - start) + 1)
                    + " bytes; at most 8 make one number");
        }
        int left = integer(dc, "shiftLeft", 0, 0, 63, where, problems);
        int right = integer(dc, "shiftRight", 0, 0, 63, where, problems);
        List<Point.Operation> ops = new ArrayList<>();
        JsonNode list = dc.path("orderOfOperations");
        if (!list.isMissingNode() && !list.isNull() && !list.isArray()) {
            problems.add(where + ".orderOfOperations must be a list of {operationType, operationValue}");
        }
        int i = 0;
        for (JsonNode o : list.isArray() ? list : List.<JsonNode>of()) {
            String w = where + ".orderOfOperations[" + i++ + "]";
            // operationType/operationValue in KubeEdge's mapper; type/value in some of its older examples.
            String t = text(o, "operationType").isEmpty() ? text(o, "type") : text(o, "operationType");
            Point.Op op = switch (t.toLowerCase(Locale.ROOT)) {
                case "add" -> Point.Op.ADD;
                case "subtract" -> Point.Op.SUBTRACT;
                case "multiply" -> Point.Op.MULTIPLY;
                case "divide" -> Point.Op.DIVIDE;
                default -> null;
            };
            if (op == null) {
                problems.add(w + ".operationType '" + t + "' is none of Add, Subtract, Multiply, Divide");
                continue;
            }
            String field = o.has("operationValue") ? "operationValue" : "value";
            if (!o.has(field)) {
                problems.add(w + ".operationValue is missing");
                continue;
            }
            double val = number(o, field, 0, w, problems);
            if (op == Point.Op.DIVIDE && val == 0) {
                problems.add(w + ": Divide by 0");
            }
            ops.add(new Point.Operation(op, val));
        }
        return problems.size() == before ? new Point.Converter(start, end, left, right, List.copyOf(ops)) : null;
    }

    private static Map<String, byte[]> dataWrite(JsonNode dw, String where, List<String> problems) {
        Map<String, byte[]> out = new LinkedHashMap<>();
        if (dw.isMissingNode() || dw.isNull()) {
            return out;
        }
        if (!dw.isObject()) {
            problems.add(where + " must map twin values to bytes, for example {\"ON\": [1], \"OFF\": [0]}");
            return out;
        }
        if (dw.size() > MAX_DATA_WRITE) {
            problems.add(where + " has " + dw.size() + " entries; at most " + MAX_DATA_WRITE);
            return out;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = dw.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode b = e.getValue();
            byte[] bytes = null;
            if (b.isArray() && b.size() <= Bleconst.MAX_VALUE) {
                byte[] list = new byte[b.size()];
                boolean ok = true;
                for (int i = 0; i < list.length && ok; i++) {
                    JsonNode n = b.get(i);
                    ok = n.isIntegralNumber() && n.canConvertToInt() && n.asInt() >= 0 && n.asInt() <= 255;
                    list[i] = (byte) n.asInt();
                }
                bytes = ok ? list : null;
            } else if (b.isTextual()) {
                // Go marshals []byte as base64: what a KubeEdge Device read back from the API carries.
                try {
                    bytes = Base64.getDecoder().decode(b.asText());
                } catch (IllegalArgumentException ex) {
                    bytes = null;
                }
                if (bytes != null && bytes.length > Bleconst.MAX_VALUE) {
                    bytes = null;
                }
            }
            if (bytes == null) {
                problems.add(where + "." + e.getKey() + " must be a list of byte values 0..255 (at most " + Bleconst.MAX_VALUE + ") or base64");
            } else {
                out.put(e.getKey(), bytes);
            }
        }
        return out;
    }

    /** @return the 128-bit form, lower case with dashes, or null when it is not a UUID */
    static String uuid(String s) {
        String h = s.trim().toLowerCase(Locale.ROOT).replace("-", "");
        if (h.startsWith("0x")) {
            h = h.substring(2);
        }
        if (!HEX.matcher(h).matches()) {
            return null;
        }
        if (h.length() == 4) {
            h = "0000" + h;
        }
        if (h.length() == 8) {
            h = h + "00001000800000805f9b34fb";
        }
        if (h.length() != 32) {
            return null;
        }
        return h.substring(0, 8) + "-" + h.substring(8, 12) + "-" + h.substring(12, 16) + "-" + h.substring(16, 20) + "-" + h.substring(20);
    }

    /** Limits shared by the checks. */
    static final class Bleconst {
        /** ATT values are at most 512 bytes, so no index beyond 511 can ever be read. */
        static final int MAX_VALUE = 512;
        static final int MAX_INDEX = MAX_VALUE - 1;

        private Bleconst() {
        }
    }
}
