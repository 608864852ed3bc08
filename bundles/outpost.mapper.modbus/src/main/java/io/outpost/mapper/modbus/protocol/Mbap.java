package io.outpost.mapper.modbus.protocol;

/**
 * Modbus TCP framing: the 7-byte MBAP header (transaction id, protocol id 0, length of what
 * follows, unit id) in front of a PDU.
 */
public final class Mbap {
    public static final int HEADER_LENGTH = 7;

    private Mbap() {
    }

    public static byte[] frame(int transactionId, int unitId, byte[] pdu) {
        byte[] f = new byte[HEADER_LENGTH + pdu.length];
        Pdu.put16(f, 0, transactionId);
        Pdu.put16(f, 2, 0);
        Pdu.put16(f, 4, pdu.length + 1);
        f[6] = (byte) unitId;
        System.arraycopy(pdu, 0, f, HEADER_LENGTH, pdu.length);
        return f;
    }

    /**
     * Reads a header.
     *
     * @return the length of the PDU that follows
     * @throws ModbusIOException when the protocol id is not 0 or the length is outside 1..253
     *     (the size cap: nothing larger is ever buffered)
     */
    public static int pduLength(byte[] header) throws ModbusIOException {
        int protocol = Pdu.get16(header, 2);
        int len = Pdu.get16(header, 4) - 1;
        if (protocol != 0) {
            throw new ModbusIOException(ModbusIOException.Kind.MALFORMED, "malformed MBAP header: protocol id " + protocol + ", 0 expected");
        }
        if (len < 1 || len > Pdu.MAX_LENGTH) {
            throw new ModbusIOException(ModbusIOException.Kind.MALFORMED, "malformed MBAP header: length " + (len + 1) + " is outside 2..254");
        }
        return len;
    }

    public static int transactionId(byte[] header) {
        return Pdu.get16(header, 0);
    }

    public static int unitId(byte[] header) {
        return header[6] & 0xFF;
    }
}
