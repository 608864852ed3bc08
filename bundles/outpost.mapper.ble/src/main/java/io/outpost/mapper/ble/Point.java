package io.outpost.mapper.ble;

import io.outpost.twin.api.PropertySpec;
import io.outpost.twin.api.PropertyType;
import java.math.BigDecimal;
import java.math.MathContext;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * One property's characteristic and how its bytes become a twin value and back. Two ways to
 * decode, as documented in the README: KubeEdge's {@code dataConverter} (bytes startIndex..endIndex
 * as one unsigned number, shifts, then arithmetic in order) or Outpost's {@code dataType} (a typed
 * field at {@code byteOffset} in {@code byteOrder}); both then {@code scale} and {@code valueOffset}.
 *
 * @param uuid the characteristic's UUID, 128-bit, lower case with dashes
 * @param notifies whether the value is pushed by notifications rather than read
 * @param converter KubeEdge's converter, or null
 * @param dataType Outpost's data type, or null (then the model's type decides)
 * @param dataWrite KubeEdge's dataWrite: twin value → bytes to write
 * @param writeType "request" or "command"
 */
record Point(PropertySpec property, String uuid, boolean notifies, Converter converter, DataType dataType, int byteOffset, boolean bigEndian,
        double scale, double valueOffset, Map<String, byte[]> dataWrite, String writeType) {

    /** KubeEdge's operations, applied in the order given. */
    enum Op {
        ADD, SUBTRACT, MULTIPLY, DIVIDE;

        double apply(double v, double operand) {
            return switch (this) {
                case ADD -> v + operand;
                case SUBTRACT -> v - operand;
                case MULTIPLY -> v * operand;
                case DIVIDE -> v / operand;
            };
        }
    }

    record Operation(Op op, double value) {
    }

    /** KubeEdge's dataConverter. startIndex > endIndex takes the bytes backwards (little-endian). */
    record Converter(int startIndex, int endIndex, int shiftLeft, int shiftRight, List<Operation> operations) {
        int length() {
            return Math.abs(endIndex - startIndex) + 1;
        }

        double apply(byte[] data) {
            int last = Math.max(startIndex, endIndex);
            if (last >= data.length) {
                throw new IllegalArgumentException("the value has " + data.length + " bytes, dataConverter reads up to index " + last);
            }
            long raw = 0;
            int step = startIndex <= endIndex ? 1 : -1;
            for (int i = startIndex; ; i += step) {
                raw = raw << 8 | data[i] & 0xFF;
                if (i == endIndex) {
                    break;
                }
            }
            raw = raw << shiftLeft >>> shiftRight;
            // An 8-byte value may not fit a signed long: read it unsigned, as KubeEdge's uint64 does.
            double v = raw >= 0 ? raw : (raw >>> 1) * 2.0 + (raw & 1);
            for (Operation o : operations) {
                v = o.op().apply(v, o.value());
            }
            return v;
        }
    }

    /** Outpost's typed fields. Bluetooth's own characteristics are little-endian, hence the default. */
    enum DataType {
        INT8(1), UINT8(1), INT16(2), UINT16(2), INT32(4), UINT32(4), INT64(8), FLOAT32(4), FLOAT64(8), BOOLEAN(1), STRING(0), BYTES(0);

        final int size;

        DataType(int size) {
            this.size = size;
        }

        String wireName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        static DataType parse(String s) {
            for (DataType t : values()) {
                if (t.wireName().equalsIgnoreCase(s)) {
                    return t;
                }
            }
            return null;
        }

        static String names() {
            return "int8, uint8, int16, uint16, int32, uint32, int64, float32, float64, boolean, string, bytes";
        }
    }

    String name() {
        return property.name();
    }

    /** The twin value for a characteristic's bytes. */
    String decode(byte[] data) {
        PropertyType type = property.type();
        if (converter != null) {
            return format(scaled(converter.apply(data)), type, false);
        }
        DataType t = dataType != null ? dataType : defaultType(data.length);
        if (byteOffset + t.size > data.length) {
            throw new IllegalArgumentException("the value has " + data.length + " bytes, " + t.wireName() + " at byteOffset " + byteOffset
                    + " needs " + (byteOffset + Math.max(1, t.size)));
        }
        ByteBuffer b = ByteBuffer.wrap(data, byteOffset, data.length - byteOffset).order(bigEndian ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
        double v;
        switch (t) {
            case STRING:
                return new String(data, byteOffset, data.length - byteOffset, StandardCharsets.UTF_8);
            case BYTES:
                return HexFormat.of().formatHex(data, byteOffset, data.length);
            case BOOLEAN:
                boolean on = data[byteOffset] != 0;
                return type == PropertyType.BOOLEAN || type == PropertyType.STRING ? Boolean.toString(on) : on ? "1" : "0";
            case INT8:
                v = b.get();
                break;
            case UINT8:
                v = b.get() & 0xFF;
                break;
            case INT16:
                v = b.getShort();
                break;
            case UINT16:
                v = b.getShort() & 0xFFFF;
                break;
            case INT32:
                v = b.getInt();
                break;
            case UINT32:
                v = b.getInt() & 0xFFFFFFFFL;
                break;
            case INT64:
                long l = b.getLong();
                if (scale == 1 && valueOffset == 0 && type != PropertyType.BOOLEAN) {
                    return Long.toString(l);
                }
                v = l;
                break;
            case FLOAT32:
                // The shortest decimal that reads back as the same float: 21.5, not 21.500000953674316.
                float f = b.getFloat();
                if (scale == 1 && valueOffset == 0 && (type == PropertyType.FLOAT || type == PropertyType.DOUBLE || type == PropertyType.STRING)) {
                    return plain(Double.parseDouble(Float.toString(f)));
                }
                v = f;
                break;
            default:
                v = b.getDouble();
        }
        return format(scaled(v), type, true);
    }

    private double scaled(double v) {
        if (scale == 1 && valueOffset == 0) {
            return v;
        }
        // 215 × 0.1 is 21.500000000000004 in binary; twelve significant digits are more than any sensor has.
        return new BigDecimal(v * scale + valueOffset).round(new MathContext(12)).doubleValue();
    }

    private static String format(double v, PropertyType type, boolean typed) {
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            throw new IllegalArgumentException("the value decodes to " + v);
        }
        return switch (type) {
            case INT -> Long.toString(Math.round(v));
            case BOOLEAN -> Boolean.toString(v != 0);
            default -> plain(v);
        };
    }

    static String plain(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        return BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
    }

    /** Without dataType or dataConverter, the model's type and the value's length decide. */
    private DataType defaultType(int length) {
        return switch (property.type()) {
            case INT -> switch (length) {
                case 1 -> DataType.INT8;
                case 2 -> DataType.INT16;
                case 4 -> DataType.INT32;
                case 8 -> DataType.INT64;
                default -> throw new IllegalArgumentException("an int property needs a value of 1, 2, 4 or 8 bytes, not " + length
                        + ": set dataType or dataConverter");
            };
            case FLOAT, DOUBLE -> switch (length) {
                case 4 -> DataType.FLOAT32;
                case 8 -> DataType.FLOAT64;
                default -> throw new IllegalArgumentException("a float property needs a value of 4 or 8 bytes, not " + length
                        + ": set dataType or dataConverter");
            };
            case BOOLEAN -> DataType.BOOLEAN;
            case STRING -> DataType.STRING;
            case BYTES -> DataType.BYTES;
        };
    }

    /** Whether a value can be written without dataWrite: the encoding must be known without seeing a read. */
    boolean encodable() {
        if (dataType != null) {
            return true;
        }
        return converter == null && switch (property.type()) {
            case STRING, BYTES, BOOLEAN -> true;
            default -> false;
        };
    }

    /** The bytes to write for a twin value. */
    byte[] encode(String value) {
        byte[] mapped = dataWrite.get(value);
        if (mapped == null) {
            mapped = dataWrite.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(value.trim())).map(Map.Entry::getValue).findFirst()
                    .orElse(null);
        }
        if (mapped != null) {
            return mapped.clone();
        }
        if (!dataWrite.isEmpty()) {
            // dataWrite lists what may be written, as in KubeEdge: anything else is refused, not guessed.
            throw new IllegalArgumentException("'" + value + "' is none of the dataWrite values " + dataWrite.keySet());
        }
        if (!encodable()) {
            throw new IllegalArgumentException("no dataWrite entry and no dataType: set dataWrite (value → bytes) or dataType to write");
        }
        DataType t = dataType != null ? dataType : switch (property.type()) {
            case BOOLEAN -> DataType.BOOLEAN;
            case BYTES -> DataType.BYTES;
            default -> DataType.STRING;
        };
        switch (t) {
            case STRING:
                return value.getBytes(StandardCharsets.UTF_8);
            case BYTES:
                try {
                    return HexFormat.of().parseHex(value.trim());
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("'" + value + "' is not hexadecimal bytes (for example 0a1b)");
                }
            case BOOLEAN:
                String s = value.trim();
                boolean on = s.equalsIgnoreCase("true") || s.equals("1");
                if (!on && !s.equalsIgnoreCase("false") && !s.equals("0")) {
                    throw new IllegalArgumentException("'" + value + "' is not true or false");
                }
                return new byte[] {(byte) (on ? 1 : 0)};
            default:
                break;
        }
        double d;
        try {
            d = (Double.parseDouble(value.trim()) - valueOffset) / scale;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + value + "' is not a number");
        }
        ByteBuffer b = ByteBuffer.allocate(t.size).order(bigEndian ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
        long r = Math.round(d);
        switch (t) {
            case INT8 -> b.put((byte) range(r, -128, 127, t));
            case UINT8 -> b.put((byte) range(r, 0, 255, t));
            case INT16 -> b.putShort((short) range(r, Short.MIN_VALUE, Short.MAX_VALUE, t));
            case UINT16 -> b.putShort((short) range(r, 0, 65535, t));
            case INT32 -> b.putInt((int) range(r, Integer.MIN_VALUE, Integer.MAX_VALUE, t));
            case UINT32 -> b.putInt((int) range(r, 0, 0xFFFFFFFFL, t));
            case INT64 -> b.putLong(r);
            case FLOAT32 -> b.putFloat((float) d);
            default -> b.putDouble(d);
        }
        return b.array();
    }

    private static long range(long v, long min, long max, DataType t) {
        if (v < min || v > max) {
            throw new IllegalArgumentException(v + " does not fit " + t.wireName() + " (" + min + ".." + max + ")");
        }
        return v;
    }
}
