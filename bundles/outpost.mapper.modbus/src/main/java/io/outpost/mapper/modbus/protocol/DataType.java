package io.outpost.mapper.modbus.protocol;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;

/**
 * How register bytes become a value. Registers are big-endian on the wire; {@code swapBytes}
 * swaps the two bytes inside each register (KubeEdge's {@code isSwap}) and {@code swapRegisters}
 * reverses the order of the registers (KubeEdge's {@code isRegisterSwap}, "word order").
 */
public enum DataType {
    INT16(1), UINT16(1), INT32(2), UINT32(2), FLOAT32(2), FLOAT64(4),
    /** ASCII text, {@code limit} registers of two characters; NULs at the end are dropped. */
    STRING(0),
    /** A coil or discrete input; or, for registers, a value that is not 0. */
    BOOLEAN(1);

    private final int registers;

    DataType(int registers) {
        this.registers = registers;
    }

    /** @return how many registers a value takes; 0 for STRING (its limit says) */
    public int registers() {
        return registers;
    }

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<DataType> parse(String name) {
        try {
            return Optional.of(valueOf(name.trim().toUpperCase(Locale.ROOT)));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** Applies the byte and register order to wire bytes; the same call undoes it. */
    public static byte[] reorder(byte[] wire, boolean swapBytes, boolean swapRegisters) {
        byte[] b = wire.clone();
        int n = b.length / 2;
        if (swapRegisters) {
            for (int i = 0; i < n / 2; i++) {
                int j = n - 1 - i;
                byte h = b[2 * i];
                byte l = b[2 * i + 1];
                b[2 * i] = b[2 * j];
                b[2 * i + 1] = b[2 * j + 1];
                b[2 * j] = h;
                b[2 * j + 1] = l;
            }
        }
        if (swapBytes) {
            for (int i = 0; i < n; i++) {
                byte t = b[2 * i];
                b[2 * i] = b[2 * i + 1];
                b[2 * i + 1] = t;
            }
        }
        return b;
    }

    /**
     * Decodes register bytes (already reordered) to a number, or a string for STRING.
     *
     * @return a Long (integers, BOOLEAN as 0/1), a Double (floats) or a String
     */
    public Object decode(byte[] b) {
        ByteBuffer bb = ByteBuffer.wrap(b);
        return switch (this) {
            case INT16 -> (long) bb.getShort();
            case UINT16 -> (long) (bb.getShort() & 0xFFFF);
            case INT32 -> (long) bb.getInt();
            case UINT32 -> bb.getInt() & 0xFFFF_FFFFL;
            // Through the float's own shortest decimal form, so 0.1f reads as 0.1, not 0.10000000149…
            case FLOAT32 -> Double.parseDouble(Float.toString(bb.getFloat()));
            case FLOAT64 -> bb.getDouble();
            case BOOLEAN -> (long) (bb.getShort() != 0 ? 1 : 0);
            case STRING -> {
                int end = b.length;
                while (end > 0 && b[end - 1] == 0) {
                    end--;
                }
                yield new String(b, 0, end, StandardCharsets.US_ASCII);
            }
        };
    }

    /**
     * Encodes a raw value to register bytes (before reordering).
     *
     * @param raw for numbers the value after undoing scale and offset; for STRING the text
     * @param limit registers available (STRING)
     * @throws IllegalArgumentException when the value does not fit the type, with the range
     */
    public byte[] encode(Object raw, int limit) {
        if (this == STRING) {
            byte[] text = raw.toString().getBytes(StandardCharsets.US_ASCII);
            if (text.length > limit * 2) {
                throw new IllegalArgumentException("'" + raw + "' is " + text.length + " characters; " + limit + " registers hold " + (limit * 2));
            }
            byte[] b = new byte[limit * 2];
            System.arraycopy(text, 0, b, 0, text.length);
            return b;
        }
        double d = ((Number) raw).doubleValue();
        ByteBuffer bb = ByteBuffer.allocate(registers * 2);
        switch (this) {
            case INT16 -> bb.putShort((short) integral(d, Short.MIN_VALUE, Short.MAX_VALUE));
            case UINT16 -> bb.putShort((short) integral(d, 0, 0xFFFF));
            case INT32 -> bb.putInt((int) integral(d, Integer.MIN_VALUE, Integer.MAX_VALUE));
            case UINT32 -> bb.putInt((int) integral(d, 0, 0xFFFF_FFFFL));
            case FLOAT32 -> {
                if (Math.abs(d) > Float.MAX_VALUE) {
                    throw new IllegalArgumentException(d + " does not fit float32");
                }
                bb.putFloat((float) d);
            }
            case FLOAT64 -> bb.putDouble(d);
            case BOOLEAN -> bb.putShort((short) (d != 0 ? 1 : 0));
            default -> throw new IllegalStateException();
        }
        return bb.array();
    }

    private long integral(double d, long min, long max) {
        long v = Math.round(d);
        if (Math.abs(d - v) > 1e-9 * Math.max(1, Math.abs(d))) {
            throw new IllegalArgumentException(plain(d) + " is not a whole number, as " + wireName() + " requires (check scale and valueOffset)");
        }
        if (v < min || v > max) {
            throw new IllegalArgumentException(plain(d) + " is outside " + wireName() + "'s range " + min + ".." + max);
        }
        return v;
    }

    /** A double in Java's plain notation, without a trailing ".0" for whole numbers. */
    public static String plain(double d) {
        if (d == Math.rint(d) && Math.abs(d) < 1e15) {
            return Long.toString((long) d);
        }
        return new BigDecimal(Double.toString(d)).stripTrailingZeros().toPlainString();
    }
}
