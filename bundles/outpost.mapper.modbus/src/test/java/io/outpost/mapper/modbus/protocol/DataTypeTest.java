package io.outpost.mapper.modbus.protocol;

import static io.outpost.mapper.modbus.protocol.CodecTest.hex;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class DataTypeTest {
    @Test
    void integersSignedAndUnsigned() {
        assertEquals(-2L, DataType.INT16.decode(hex("fffe")));
        assertEquals(65534L, DataType.UINT16.decode(hex("fffe")));
        assertEquals(-2L, DataType.INT32.decode(hex("ffff fffe")));
        assertEquals(4294967294L, DataType.UINT32.decode(hex("ffff fffe")));
        assertEquals(1L, DataType.BOOLEAN.decode(hex("0100")));
    }

    @Test
    void floatsInAllFourByteOrders() {
        // 21.5f is 0x41AC0000: ABCD on the wire, CDAB with isRegisterSwap, BADC with isSwap, DCBA with both.
        assertEquals(21.5, DataType.FLOAT32.decode(DataType.reorder(hex("41ac 0000"), false, false)));
        assertEquals(21.5, DataType.FLOAT32.decode(DataType.reorder(hex("0000 41ac"), false, true)));
        assertEquals(21.5, DataType.FLOAT32.decode(DataType.reorder(hex("ac41 0000"), true, false)));
        assertEquals(21.5, DataType.FLOAT32.decode(DataType.reorder(hex("0000 ac41"), true, true)));
        assertEquals(0.1, DataType.FLOAT32.decode(hex("3dcc cccd")), "the float's short form, not 0.10000000149");
    }

    @Test
    void float64WordSwapReversesAllFourRegisters() {
        byte[] abcdefgh = hex("4037 0000 0000 0001");
        double d = (double) DataType.FLOAT64.decode(abcdefgh);
        byte[] swapped = hex("0001 0000 0000 4037");
        assertEquals(d, DataType.FLOAT64.decode(DataType.reorder(swapped, false, true)));
    }

    @Test
    void int32WordOrder() {
        assertEquals(0x00010002L, DataType.INT32.decode(DataType.reorder(hex("0002 0001"), false, true)));
        assertEquals(0x00010002L, DataType.INT32.decode(DataType.reorder(hex("0100 0200"), true, false)));
    }

    @Test
    void encodeIsTheInverseAndReorderUndoesItself() {
        for (DataType t : new DataType[] {DataType.INT16, DataType.UINT16, DataType.INT32, DataType.UINT32, DataType.FLOAT32, DataType.FLOAT64}) {
            for (boolean sb : new boolean[] {false, true}) {
                for (boolean sr : new boolean[] {false, true}) {
                    byte[] wire = DataType.reorder(t.encode(1234, 0), sb, sr);
                    assertEquals(1234.0, ((Number) t.decode(DataType.reorder(wire, sb, sr))).doubleValue(), t + " " + sb + " " + sr);
                }
            }
        }
        assertArrayEquals(hex("41ac 0000"), DataType.FLOAT32.encode(21.5, 0));
    }

    @Test
    void valuesThatDoNotFitSayTheRange() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DataType.INT16.encode(40000, 0));
        assertEquals("40000 is outside int16's range -32768..32767", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> DataType.UINT16.encode(-1, 0));
        e = assertThrows(IllegalArgumentException.class, () -> DataType.UINT32.encode(1.5, 0));
        assertTrue(e.getMessage().contains("not a whole number"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> DataType.FLOAT32.encode(1e300, 0));
    }

    @Test
    void stringsArePaddedWithNulsAndTrimmedOnRead() {
        byte[] b = DataType.STRING.encode("abc", 3);
        assertArrayEquals(hex("6162 6300 0000"), b);
        assertEquals("abc", DataType.STRING.decode(b));
        assertEquals("badc", DataType.STRING.decode(DataType.reorder(hex("6162 6364"), true, false)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DataType.STRING.encode("toolong", 2));
        assertTrue(e.getMessage().contains("2 registers hold 4"), e.getMessage());
    }

    @Test
    void plainNumbers() {
        assertEquals("21", DataType.plain(21.0));
        assertEquals("21.5", DataType.plain(21.5));
        assertEquals("0.0001", DataType.plain(1e-4));
    }
}
