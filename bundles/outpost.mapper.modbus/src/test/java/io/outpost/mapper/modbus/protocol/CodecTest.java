package io.outpost.mapper.modbus.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** Framing and PDUs against byte sequences from the Modbus specification's examples. */
class CodecTest {
    private static final HexFormat HEX = HexFormat.of();

    static byte[] hex(String s) {
        return HEX.parseHex(s.replace(" ", ""));
    }

    @Test
    void crcOfTheClassicReadHoldingRegistersFrame() {
        // 01 03 00 00 00 0A is sent as ... C5 CD (CRC 0xCDC5, low byte first).
        byte[] f = Rtu.frame(1, Pdu.read(Pdu.READ_HOLDING_REGISTERS, 0, 10));
        assertEquals("01030000000ac5cd", HEX.formatHex(f));
        assertEquals(0xCDC5, Crc16.of(f, 0, 6));
        assertEquals(0, Crc16.of(f, 0, 8), "a frame with its CRC checks to 0");
    }

    @Test
    void mbapHeaderCarriesTransactionLengthAndUnit() throws Exception {
        byte[] f = Mbap.frame(0x1234, 17, Pdu.read(Pdu.READ_INPUT_REGISTERS, 8, 2));
        assertEquals("123400000006" + "11" + "0400080002", HEX.formatHex(f));
        assertEquals(5, Mbap.pduLength(f));
        assertEquals(0x1234, Mbap.transactionId(f));
        assertEquals(17, Mbap.unitId(f));
    }

    @Test
    void mbapWithAnotherProtocolOrAHugeLengthIsRefused() {
        ModbusIOException e = assertThrows(ModbusIOException.class, () -> Mbap.pduLength(hex("0001 0001 0006 01")));
        assertTrue(e.getMessage().contains("protocol id 1"), e.getMessage());
        e = assertThrows(ModbusIOException.class, () -> Mbap.pduLength(hex("0001 0000 ffff 01")));
        assertTrue(e.getMessage().contains("outside 2..254"), e.getMessage());
        assertThrows(ModbusIOException.class, () -> Mbap.pduLength(hex("0001 0000 0001 01")));
    }

    @Test
    void requestsOfEveryFunction() {
        assertEquals("0100130013", HEX.formatHex(Pdu.read(1, 19, 19)));
        assertEquals("02000000c4", HEX.formatHex(Pdu.read(2, 0, 196)));
        assertEquals("05000aff00", HEX.formatHex(Pdu.writeSingleCoil(10, true)));
        assertEquals("05000a0000", HEX.formatHex(Pdu.writeSingleCoil(10, false)));
        assertEquals("0600010003", HEX.formatHex(Pdu.writeSingleRegister(1, 3)));
        // The specification's example: coils 20..29 = 1100 1101 01
        boolean[] bits = {true, false, true, true, false, false, true, true, true, false};
        assertEquals("0f0013000a02cd01", HEX.formatHex(Pdu.writeMultipleCoils(19, bits)));
        assertEquals("100001000204000a0102", HEX.formatHex(Pdu.writeMultipleRegisters(1, hex("000a 0102"))));
    }

    @Test
    void requestsOutsideTheSpecificationsLimitsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> Pdu.read(3, 0, 126));
        assertThrows(IllegalArgumentException.class, () -> Pdu.read(1, 0, 2001));
        assertThrows(IllegalArgumentException.class, () -> Pdu.read(3, 65535, 2));
        assertThrows(IllegalArgumentException.class, () -> Pdu.read(5, 0, 1));
    }

    @Test
    void readResponsesAreCheckedAndUnpacked() throws Exception {
        byte[] req = Pdu.read(3, 107, 3);
        assertArrayEquals(hex("022b 0000 0064"), Pdu.check(req, hex("03 06 022b 0000 0064")));
        byte[] coils = Pdu.read(1, 19, 19);
        byte[] bits = Pdu.check(coils, hex("01 03 cd 6b 05"));
        assertEquals(19, bits.length);
        assertArrayEquals(new byte[] {1, 0, 1, 1, 0, 0, 1, 1, 1, 1, 0, 1, 0, 1, 1, 0, 1, 0, 1}, bits);
    }

    @Test
    void exceptionResponsesCarryTheirCodeAndName() {
        ModbusIOException e = assertThrows(ModbusIOException.class, () -> Pdu.check(Pdu.read(3, 0, 1), hex("83 02")));
        assertEquals(ModbusIOException.Kind.EXCEPTION_RESPONSE, e.kind());
        assertEquals(2, e.exceptionCode());
        assertEquals("exception 2 (illegal data address) to function 3", e.getMessage());
        e = assertThrows(ModbusIOException.class, () -> Pdu.check(Pdu.read(2, 0, 1), hex("82 01")));
        assertEquals("exception 1 (illegal function) to function 2", e.getMessage());
    }

    @Test
    void answersThatDoNotFitTheQuestionAreMalformed() {
        byte[] req = Pdu.read(3, 0, 2);
        // truncated: byte count says 4, 2 bytes follow
        ModbusIOException e = assertThrows(ModbusIOException.class, () -> Pdu.check(req, hex("03 04 0001")));
        assertEquals(ModbusIOException.Kind.MALFORMED, e.kind());
        // a register count that is not the one asked for
        assertThrows(ModbusIOException.class, () -> Pdu.check(req, hex("03 02 0001")));
        // another function
        assertThrows(ModbusIOException.class, () -> Pdu.check(req, hex("04 04 0001 0002")));
        // nothing but a function code
        assertThrows(ModbusIOException.class, () -> Pdu.check(req, hex("03")));
        // a write echo with another value
        assertThrows(ModbusIOException.class, () -> Pdu.check(Pdu.writeSingleRegister(1, 3), hex("06 0001 0004")));
        assertThrows(ModbusIOException.class, () -> Pdu.check(Pdu.writeSingleRegister(1, 3), hex("06 0001")));
    }

    @Test
    void rtuFrameLengthFollowsFromItsHead() {
        assertEquals(-1, Rtu.frameLength(hex("01"), 1));
        assertEquals(5, Rtu.frameLength(hex("01 83 02"), 3));
        assertEquals(8, Rtu.frameLength(hex("01 06"), 2));
        assertEquals(-1, Rtu.frameLength(hex("01 03"), 2));
        assertEquals(3 + 2 + 6, Rtu.frameLength(hex("01 03 06"), 3));
    }

    @Test
    void rtuCrcErrorsWrongUnitsAndShortFramesAreRefused() throws Exception {
        byte[] good = Rtu.frame(7, hex("03 02 00 2a"));
        assertArrayEquals(hex("03 02 00 2a"), Rtu.pdu(good, good.length, 7));
        byte[] bad = good.clone();
        bad[4] ^= 1;
        ModbusIOException e = assertThrows(ModbusIOException.class, () -> Rtu.pdu(bad, bad.length, 7));
        assertTrue(e.getMessage().startsWith("CRC error"), e.getMessage());
        e = assertThrows(ModbusIOException.class, () -> Rtu.pdu(good, good.length, 8));
        assertTrue(e.getMessage().contains("unit 7"), e.getMessage());
        e = assertThrows(ModbusIOException.class, () -> Rtu.pdu(good, 3, 7));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    }
}
