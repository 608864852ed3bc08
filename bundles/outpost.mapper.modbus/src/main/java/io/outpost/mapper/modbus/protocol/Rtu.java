package io.outpost.mapper.modbus.protocol;

import java.util.Arrays;

/** Modbus RTU framing: unit address, PDU, CRC-16 low byte first. */
public final class Rtu {
    /** The largest RTU frame the specification allows. */
    public static final int MAX_FRAME = 256;

    private Rtu() {
    }

    public static byte[] frame(int unitId, byte[] pdu) {
        byte[] f = new byte[pdu.length + 3];
        f[0] = (byte) unitId;
        System.arraycopy(pdu, 0, f, 1, pdu.length);
        int crc = Crc16.of(f, 0, pdu.length + 1);
        f[pdu.length + 1] = (byte) crc;
        f[pdu.length + 2] = (byte) (crc >> 8);
        return f;
    }

    /**
     * @return the whole frame's length given its first bytes, or -1 if they do not tell yet
     */
    public static int frameLength(byte[] frame, int available) {
        if (available < 2) {
            return -1;
        }
        int pdu = Pdu.responseLength(Arrays.copyOfRange(frame, 1, available), available - 1);
        return pdu < 0 ? -1 : pdu + 3;
    }

    /**
     * Checks a whole frame's CRC and unit and returns its PDU.
     *
     * @throws ModbusIOException on a CRC error, a frame from another unit or a short frame
     */
    public static byte[] pdu(byte[] frame, int length, int expectedUnit) throws ModbusIOException {
        if (length < 4) {
            throw new ModbusIOException(ModbusIOException.Kind.MALFORMED, "truncated RTU frame of " + length + " bytes");
        }
        int crc = Crc16.of(frame, 0, length - 2);
        int got = (frame[length - 2] & 0xFF) | (frame[length - 1] & 0xFF) << 8;
        if (crc != got) {
            throw new ModbusIOException(ModbusIOException.Kind.MALFORMED,
                    String.format("CRC error in RTU frame: 0x%04X received, 0x%04X computed (noise on the line, or wrong baud rate/parity?)", got, crc));
        }
        if ((frame[0] & 0xFF) != expectedUnit) {
            throw new ModbusIOException(ModbusIOException.Kind.MALFORMED,
                    "RTU frame from unit " + (frame[0] & 0xFF) + ", unit " + expectedUnit + " was asked");
        }
        return Arrays.copyOfRange(frame, 1, length - 2);
    }
}
