package io.outpost.mapper.opcua.client;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Locale;
import org.eclipse.milo.opcua.stack.core.OpcUaDataType;
import org.eclipse.milo.opcua.stack.core.types.builtin.ByteString;
import org.eclipse.milo.opcua.stack.core.types.builtin.DateTime;
import org.eclipse.milo.opcua.stack.core.types.builtin.LocalizedText;
import org.eclipse.milo.opcua.stack.core.types.builtin.NodeId;
import org.eclipse.milo.opcua.stack.core.types.builtin.QualifiedName;
import org.eclipse.milo.opcua.stack.core.types.builtin.unsigned.UByte;
import org.eclipse.milo.opcua.stack.core.types.builtin.unsigned.UInteger;
import org.eclipse.milo.opcua.stack.core.types.builtin.unsigned.ULong;
import org.eclipse.milo.opcua.stack.core.types.builtin.unsigned.UShort;

/** Conversions between OPC UA's built-in types and the twin's strings. */
public final class Values {
    private Values() {
    }

    /**
     * A value as text: numbers in plain notation (floats in their shortest form, so 0.1 and not
     * 0.10000000149), booleans as true/false, texts as they are, arrays as [a, b].
     */
    public static String text(Object v) {
        if (v == null) {
            return "";
        }
        if (v instanceof Float f) {
            return plain(new BigDecimal(Float.toString(f)));
        }
        if (v instanceof Double d) {
            return Double.isFinite(d) ? plain(BigDecimal.valueOf(d)) : d.toString();
        }
        if (v instanceof LocalizedText t) {
            return t.text() == null ? "" : t.text();
        }
        if (v instanceof QualifiedName q) {
            return q.name() == null ? "" : q.name();
        }
        if (v instanceof DateTime t) {
            return t.getJavaInstant().toString();
        }
        if (v instanceof ByteString b) {
            return java.util.Base64.getEncoder().encodeToString(b.bytesOrEmpty());
        }
        if (v instanceof NodeId n) {
            return n.toParseableString();
        }
        if (v.getClass().isArray()) {
            StringBuilder sb = new StringBuilder("[");
            int n = java.lang.reflect.Array.getLength(v);
            for (int i = 0; i < n; i++) {
                sb.append(i == 0 ? "" : ", ").append(text(java.lang.reflect.Array.get(v, i)));
            }
            return sb.append(']').toString();
        }
        return v.toString();
    }

    private static String plain(BigDecimal d) {
        String s = d.stripTrailingZeros().toPlainString();
        return s.equals("-0") ? "0" : s;
    }

    /** The built-in type of a value as the server sent it, or null for values that are not scalars of one. */
    public static OpcUaDataType typeOf(Object v) {
        if (v == null || v.getClass().isArray()) {
            return null;
        }
        for (OpcUaDataType t : OpcUaDataType.values()) {
            if (t.getBackingClass() == v.getClass()) {
                return t;
            }
        }
        return null;
    }

    /**
     * Parses text into a value of a built-in type, for a write.
     *
     * @throws IllegalArgumentException saying what the text should look like
     */
    public static Object parse(String text, OpcUaDataType type) {
        String s = text.trim();
        return switch (type) {
            case Boolean -> switch (s.toLowerCase(Locale.ROOT)) {
                case "true", "1" -> Boolean.TRUE;
                case "false", "0" -> Boolean.FALSE;
                default -> throw new IllegalArgumentException("'" + text + "' is not a boolean (true or false)");
            };
            case SByte -> (byte) whole(s, Byte.MIN_VALUE, Byte.MAX_VALUE, type);
            case Byte -> UByte.valueOf(whole(s, 0, 255, type));
            case Int16 -> (short) whole(s, Short.MIN_VALUE, Short.MAX_VALUE, type);
            case UInt16 -> UShort.valueOf((int) whole(s, 0, 65535, type));
            case Int32 -> (int) whole(s, Integer.MIN_VALUE, Integer.MAX_VALUE, type);
            case UInt32 -> UInteger.valueOf(whole(s, 0, 4294967295L, type));
            case Int64 -> whole(s, Long.MIN_VALUE, Long.MAX_VALUE, type);
            case UInt64 -> {
                BigInteger b = bigWhole(s, type);
                if (b.signum() < 0 || b.bitLength() > 64) {
                    throw new IllegalArgumentException("'" + text + "' is outside UInt64's range 0..18446744073709551615");
                }
                yield ULong.valueOf(b);
            }
            case Float -> (float) real(s, type);
            case Double -> real(s, type);
            case String -> text;
            case LocalizedText -> LocalizedText.english(text);
            case DateTime -> {
                try {
                    yield new DateTime(java.time.Instant.parse(s));
                } catch (java.time.format.DateTimeParseException e) {
                    throw new IllegalArgumentException("'" + text + "' is not an ISO-8601 instant such as 2026-01-31T12:00:00Z");
                }
            }
            default -> throw new IllegalArgumentException("writing " + type + " values is not supported (Boolean, integers, Float, Double, String, "
                    + "LocalizedText and DateTime are)");
        };
    }

    private static long whole(String s, long min, long max, OpcUaDataType type) {
        BigInteger b = bigWhole(s, type);
        if (b.bitLength() > 63 || b.longValue() < min || b.longValue() > max) {
            throw new IllegalArgumentException("'" + s + "' is outside " + type + "'s range " + min + ".." + max);
        }
        return b.longValue();
    }

    private static BigInteger bigWhole(String s, OpcUaDataType type) {
        try {
            // 21.0 is a whole number too (the twin may hold an INT as a float).
            return new BigDecimal(s).toBigIntegerExact();
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException("'" + s + "' is not a whole number, which the node's type " + type + " needs");
        }
    }

    private static double real(String s, OpcUaDataType type) {
        try {
            double d = Double.parseDouble(s);
            if (Double.isFinite(d) && !s.toLowerCase(Locale.ROOT).contains("n")) {
                return d;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new IllegalArgumentException("'" + s + "' is not a number, which the node's type " + type + " needs");
    }
}
