package io.outpost.mapper.ble;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.outpost.twin.api.DeviceSpec;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Value decoding and encoding: KubeEdge's dataConverter and Outpost's typed fields. */
class PointTest {
    private static Point point(String type, String visitor) throws Exception {
        DeviceSpec d = BleIT.device("{\"macAddress\":\"A4:C1:38:0B:5E:21\"}", "p", type, visitor);
        BleConfig.Parsed parsed = BleConfig.parse(d);
        assertEquals(List.of(), parsed.problems());
        return parsed.config().points().get("p");
    }

    private static byte[] hex(String h) {
        return HexFormat.of().parseHex(h);
    }

    @Test
    void kubeEdgesConverterOfTheCc2650Example() throws Exception {
        // KubeEdge's CC2650 demo: bytes 1 then 0 (little-endian), shifted right by 2, times 0.03125 → °C.
        Point p = point("float", "{\"characteristicUUID\":\"f000aa0104514000b000000000000000\",\"dataConverter\":{\"startIndex\":1,"
                + "\"endIndex\":0,\"shiftRight\":2,\"orderOfOperations\":[{\"operationType\":\"Multiply\",\"operationValue\":\"0.03125\"}]}}");
        // 0x0D60 = 3424; >> 2 = 856; × 0.03125 = 26.75
        assertEquals("26.75", p.decode(hex("600d")));
        assertEquals("f000aa01-0451-4000-b000-000000000000", p.uuid());
    }

    @Test
    void converterForwardsShiftsAndAllOperationsInOrder() throws Exception {
        Point p = point("int", "{\"characteristicUUID\":\"2a6e\",\"dataConverter\":{\"startIndex\":0,\"endIndex\":1,\"shiftLeft\":4,"
                + "\"shiftRight\":8,\"orderOfOperations\":[{\"operationType\":\"Add\",\"operationValue\":10},"
                + "{\"operationType\":\"Subtract\",\"operationValue\":\"4\"},{\"operationType\":\"Divide\",\"operationValue\":2},"
                + "{\"type\":\"Multiply\",\"value\":3}]}}");
        // 0x1234 << 4 = 0x12340, >> 8 = 0x123 = 291; +10 -4 = 297; /2 = 148.5; ×3 = 445.5 → int 446
        assertEquals("446", p.decode(hex("1234")));
        IllegalArgumentException short1 = assertThrows(IllegalArgumentException.class, () -> p.decode(hex("12")));
        assertTrue(short1.getMessage().contains("has 1 bytes, dataConverter reads up to index 1"), short1.getMessage());
    }

    @Test
    void eightBytesReadUnsigned() throws Exception {
        Point p = point("double", "{\"characteristicUUID\":\"2a6e\",\"dataConverter\":{\"startIndex\":0,\"endIndex\":7}}");
        // 2^64 - 1 as the nearest double (twin values of float properties are doubles), never a negative number.
        assertEquals("18446744073709552000", p.decode(hex("ffffffffffffffff")));
    }

    @Test
    void typedFieldsInBothByteOrders() throws Exception {
        assertEquals("-2", point("int", "{\"characteristicUUID\":\"2a6e\",\"dataType\":\"int16\"}").decode(hex("feff")));
        assertEquals("65534", point("int", "{\"characteristicUUID\":\"2a6e\",\"dataType\":\"uint16\"}").decode(hex("feff")));
        assertEquals("-257", point("int", "{\"characteristicUUID\":\"2a6e\",\"dataType\":\"int16\",\"byteOrder\":\"big\"}").decode(hex("feff")));
        assertEquals("4294967295", point("int", "{\"characteristicUUID\":\"2a6e\",\"dataType\":\"uint32\"}").decode(hex("ffffffff")));
        assertEquals("21.5", point("float", "{\"characteristicUUID\":\"2a6e\",\"dataType\":\"float32\"}").decode(hex("0000ac41")));
        assertEquals("0.1", point("float", "{\"characteristicUUID\":\"2a6e\",\"dataType\":\"float32\",\"byteOrder\":\"big\"}").decode(hex("3dcccccd")));
        assertEquals("21.5", point("double", "{\"characteristicUUID\":\"2a6e\",\"dataType\":\"int16\",\"scale\":0.01}").decode(hex("6608")));
        assertEquals("-40", point("float", "{\"characteristicUUID\":\"2a6e\",\"dataType\":\"uint8\",\"valueOffset\":-40}").decode(hex("00")));
        assertEquals("98", point("int", "{\"characteristicUUID\":\"2a19\",\"dataType\":\"uint8\",\"byteOffset\":2}").decode(hex("000062")));
        assertEquals("true", point("boolean", "{\"characteristicUUID\":\"2a6e\"}").decode(hex("01")));
        assertEquals("thermo", point("string", "{\"characteristicUUID\":\"2a00\"}").decode("thermo".getBytes()));
        assertEquals("0a1b", point("bytes", "{\"characteristicUUID\":\"2a00\"}").decode(hex("0a1b")));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> point("int", "{\"characteristicUUID\":\"2a6e\",\"dataType\":\"int32\"}").decode(hex("0102")));
        assertTrue(e.getMessage().contains("the value has 2 bytes, int32 at byteOffset 0 needs 4"), e.getMessage());
    }

    @Test
    void withoutTypeTheModelAndLengthDecide() throws Exception {
        assertEquals("-1", point("int", "{\"characteristicUUID\":\"2a6e\"}").decode(hex("ff")));
        assertEquals("258", point("int", "{\"characteristicUUID\":\"2a6e\"}").decode(hex("0201")));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> point("int", "{\"characteristicUUID\":\"2a6e\"}").decode(hex("010203")));
        assertTrue(e.getMessage().contains("set dataType or dataConverter"), e.getMessage());
    }

    @Test
    void writesThroughDataWriteOrTheType() throws Exception {
        Point sw = point("string", "{\"characteristicUUID\":\"2a6e\",\"dataWrite\":{\"ON\":[1],\"OFF\":[0],\"BLINK\":\"AgM=\"}}");
        assertArrayEquals(new byte[] {1}, sw.encode("ON"));
        assertArrayEquals(new byte[] {0}, sw.encode("off"));
        assertArrayEquals(new byte[] {2, 3}, sw.encode("BLINK"), "base64, as Go marshals []byte");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> sw.encode("DIM")).getMessage().contains("none of the dataWrite values"));
        Point t = point("float", "{\"characteristicUUID\":\"2a6e\",\"dataType\":\"int16\",\"scale\":0.01}");
        assertArrayEquals(hex("6608"), t.encode("21.5"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> t.encode("400")).getMessage().contains("does not fit int16"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> t.encode("warm")).getMessage().contains("not a number"));
        assertArrayEquals(hex("41ac0000"), point("float", "{\"characteristicUUID\":\"2a6e\",\"dataType\":\"float32\",\"byteOrder\":\"big\"}").encode("21.5"));
        assertArrayEquals("hi".getBytes(), point("string", "{\"characteristicUUID\":\"2a00\"}").encode("hi"));
        assertArrayEquals(new byte[] {1}, point("boolean", "{\"characteristicUUID\":\"2a00\"}").encode("true"));
        Point conv = point("float", "{\"characteristicUUID\":\"2a6e\",\"dataConverter\":{\"startIndex\":0,\"endIndex\":1}}");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> conv.encode("1")).getMessage().contains("set dataWrite"));
    }
}
