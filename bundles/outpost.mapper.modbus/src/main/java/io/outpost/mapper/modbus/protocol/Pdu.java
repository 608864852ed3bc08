package io.outpost.mapper.modbus.protocol;

/**
 * Modbus protocol data units (function code and data, without unit id, MBAP header or CRC) for
 * the functions this mapper uses: 1, 2, 3, 4 (reads), 5, 6 (single writes), 15, 16 (multiple
 * writes). Requests are built here and responses checked against their request, so that a reply
 * that does not answer the question is never taken for one.
 */
public final class Pdu {
    public static final int READ_COILS = 1;
    public static final int READ_DISCRETE_INPUTS = 2;
    public static final int READ_HOLDING_REGISTERS = 3;
    public static final int READ_INPUT_REGISTERS = 4;
    public static final int WRITE_SINGLE_COIL = 5;
    public static final int WRITE_SINGLE_REGISTER = 6;
    public static final int WRITE_MULTIPLE_COILS = 15;
    public static final int WRITE_MULTIPLE_REGISTERS = 16;
    /** The specification's limits per request. */
    public static final int MAX_READ_BITS = 2000;
    public static final int MAX_READ_REGISTERS = 125;
    public static final int MAX_WRITE_BITS = 1968;
    public static final int MAX_WRITE_REGISTERS = 123;
    /** The largest PDU the specification allows (256-byte RTU frame minus address and CRC). */
    public static final int MAX_LENGTH = 253;

    private Pdu() {
    }

    /** A read of {@code quantity} bits (functions 1, 2) or registers (3, 4) from {@code address}. */
    public static byte[] read(int function, int address, int quantity) {
        int max = function <= READ_DISCRETE_INPUTS ? MAX_READ_BITS : MAX_READ_REGISTERS;
        if (function < READ_COILS || function > READ_INPUT_REGISTERS) {
            throw new IllegalArgumentException("function " + function + " is not a read");
        }
        checkRange(address, quantity, max);
        return new byte[] {(byte) function, (byte) (address >> 8), (byte) address, (byte) (quantity >> 8), (byte) quantity};
    }

    public static byte[] writeSingleCoil(int address, boolean on) {
        checkRange(address, 1, 1);
        return new byte[] {WRITE_SINGLE_COIL, (byte) (address >> 8), (byte) address, (byte) (on ? 0xFF : 0), 0};
    }

    public static byte[] writeSingleRegister(int address, int value) {
        checkRange(address, 1, 1);
        return new byte[] {WRITE_SINGLE_REGISTER, (byte) (address >> 8), (byte) address, (byte) (value >> 8), (byte) value};
    }

    public static byte[] writeMultipleCoils(int address, boolean[] bits) {
        checkRange(address, bits.length, MAX_WRITE_BITS);
        int n = (bits.length + 7) / 8;
        byte[] p = new byte[6 + n];
        p[0] = WRITE_MULTIPLE_COILS;
        put16(p, 1, address);
        put16(p, 3, bits.length);
        p[5] = (byte) n;
        for (int i = 0; i < bits.length; i++) {
            if (bits[i]) {
                p[6 + i / 8] |= (byte) (1 << (i % 8));
            }
        }
        return p;
    }

    /** @param registers the registers' bytes, big-endian, two per register */
    public static byte[] writeMultipleRegisters(int address, byte[] registers) {
        if (registers.length % 2 != 0) {
            throw new IllegalArgumentException("registers come in pairs of bytes");
        }
        checkRange(address, registers.length / 2, MAX_WRITE_REGISTERS);
        byte[] p = new byte[6 + registers.length];
        p[0] = WRITE_MULTIPLE_REGISTERS;
        put16(p, 1, address);
        put16(p, 3, registers.length / 2);
        p[5] = (byte) registers.length;
        System.arraycopy(registers, 0, p, 6, registers.length);
        return p;
    }

    /**
     * Checks a response against its request.
     *
     * @return the response's data: for reads of registers their bytes; for reads of bits one
     *     boolean per byte (0 or 1) for the requested quantity; for writes an empty array
     * @throws ModbusIOException an exception response (with its code) or a malformed answer
     */
    public static byte[] check(byte[] request, byte[] response) throws ModbusIOException {
        int fn = request[0] & 0xFF;
        if (response.length < 2) {
            throw malformed("a response of " + response.length + " bytes to function " + fn);
        }
        int rfn = response[0] & 0xFF;
        if (rfn == (fn | 0x80)) {
            throw ModbusIOException.exceptionResponse(fn, response[1] & 0xFF);
        }
        if (rfn != fn) {
            throw malformed("function " + rfn + " in the response to function " + fn);
        }
        switch (fn) {
            case READ_COILS, READ_DISCRETE_INPUTS -> {
                int qty = get16(request, 3);
                int n = (qty + 7) / 8;
                expectByteCount(response, n, fn);
                byte[] bits = new byte[qty];
                for (int i = 0; i < qty; i++) {
                    bits[i] = (byte) ((response[2 + i / 8] >> (i % 8)) & 1);
                }
                return bits;
            }
            case READ_HOLDING_REGISTERS, READ_INPUT_REGISTERS -> {
                int n = get16(request, 3) * 2;
                expectByteCount(response, n, fn);
                byte[] data = new byte[n];
                System.arraycopy(response, 2, data, 0, n);
                return data;
            }
            case WRITE_SINGLE_COIL, WRITE_SINGLE_REGISTER, WRITE_MULTIPLE_COILS, WRITE_MULTIPLE_REGISTERS -> {
                // Single writes echo address and value; multiple writes echo address and quantity.
                if (response.length != 5) {
                    throw malformed("a write response of " + response.length + " bytes, 5 expected");
                }
                for (int i = 1; i < 5; i++) {
                    if (response[i] != request[i]) {
                        throw malformed("the write response does not echo the request's address and value");
                    }
                }
                return new byte[0];
            }
            default -> throw new IllegalArgumentException("unsupported function " + fn);
        }
    }

    private static void expectByteCount(byte[] response, int n, int fn) throws ModbusIOException {
        if ((response[1] & 0xFF) != n || response.length != 2 + n) {
            throw malformed("function " + fn + ": byte count " + (response[1] & 0xFF) + " and " + (response.length - 2)
                    + " data bytes, " + n + " expected");
        }
    }

    private static ModbusIOException malformed(String what) {
        return new ModbusIOException(ModbusIOException.Kind.MALFORMED, "malformed response: " + what);
    }

    private static void checkRange(int address, int quantity, int max) {
        if (quantity < 1 || quantity > max) {
            throw new IllegalArgumentException("quantity " + quantity + " is outside 1.." + max);
        }
        if (address < 0 || address + quantity > 0x10000) {
            throw new IllegalArgumentException("address " + address + " + " + quantity + " is outside 0..65535");
        }
    }

    static int get16(byte[] b, int off) {
        return (b[off] & 0xFF) << 8 | b[off + 1] & 0xFF;
    }

    static void put16(byte[] b, int off, int v) {
        b[off] = (byte) (v >> 8);
        b[off + 1] = (byte) v;
    }

    /**
     * The length of a whole RTU response PDU given its first bytes (function, and for reads the
     * byte count), as RTU has no length field.
     *
     * @param head at least the function code; for functions 1–4 also the byte count
     * @return the PDU's length, or -1 if {@code head} is too short to tell
     */
    public static int responseLength(byte[] head, int available) {
        if (available < 1) {
            return -1;
        }
        int fn = head[0] & 0xFF;
        if ((fn & 0x80) != 0) {
            return 2;
        }
        if (fn >= READ_COILS && fn <= READ_INPUT_REGISTERS) {
            return available < 2 ? -1 : 2 + (head[1] & 0xFF);
        }
        return 5;
    }
}
