package io.outpost.mapper.ble;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.outpost.twin.api.DeviceSpec;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The checks: every problem is one message that says what to write instead. */
class BleConfigTest {
    private static List<String> problems(String config, String type, String visitor) throws Exception {
        DeviceSpec d = BleIT.device(config, "p", type, visitor);
        return new BleMapper().validate(d);
    }

    private static final String OK = "{\"macAddress\":\"a4:c1:38:0b:5e:21\"}";

    @Test
    void aGoodDeviceHasNoProblemsAndDefaults() throws Exception {
        DeviceSpec d = BleIT.device(OK, "p", "int", "{\"characteristicUUID\":\"2A6E\"}");
        BleConfig c = BleConfig.parse(d).config();
        assertEquals("A4:C1:38:0B:5E:21", c.mac());
        assertEquals("", c.adapter());
        assertEquals(5000, c.timeoutMillis());
        assertEquals(15000, c.connectTimeoutMillis());
        assertEquals(10000, c.discoveryTimeoutMillis());
        assertEquals("00002a6e-0000-1000-8000-00805f9b34fb", c.points().get("p").uuid());
        assertEquals("request", c.points().get("p").writeType());
    }

    @Test
    void uuids() {
        assertEquals("00002a6e-0000-1000-8000-00805f9b34fb", BleConfig.uuid("0x2A6E"));
        assertEquals("12345678-0000-1000-8000-00805f9b34fb", BleConfig.uuid("12345678"));
        assertEquals("f000aa01-0451-4000-b000-000000000000", BleConfig.uuid("F000AA01-0451-4000-B000-000000000000"));
        assertNull(BleConfig.uuid("2a6"));
        assertNull(BleConfig.uuid("temperature"));
    }

    @Test
    void deviceProblems() throws Exception {
        assertEquals(List.of("spec.protocol.configData.macAddress is missing: set the device's Bluetooth address, for example A4:C1:38:0B:5E:21"),
                problems("{}", "int", "{\"characteristicUUID\":\"2a6e\"}"));
        assertEquals(List.of("spec.protocol.configData.macAddress 'A4C1380B5E21' is not a Bluetooth address: six hex pairs separated by colons, "
                + "for example A4:C1:38:0B:5E:21"), problems("{\"macAddress\":\"A4C1380B5E21\"}", "int", "{\"characteristicUUID\":\"2a6e\"}"));
        assertEquals(List.of("spec.protocol.configData.timeout 10 is outside 100..60000"),
                problems("{\"macAddress\":\"A4:C1:38:0B:5E:21\",\"timeout\":10}", "int", "{\"characteristicUUID\":\"2a6e\"}"));
        assertEquals(List.of("spec.protocol.configData.adapter 'hci0; rm' is not an adapter name such as hci0"),
                problems("{\"macAddress\":\"A4:C1:38:0B:5E:21\",\"adapter\":\"hci0; rm\"}", "int", "{\"characteristicUUID\":\"2a6e\"}"));
    }

    @Test
    void visitorProblems() throws Exception {
        assertTrue(problems(OK, "int", "{}").get(0).startsWith("property p: visitors.configData.characteristicUUID is missing"));
        assertTrue(problems(OK, "int", "{\"characteristicUUID\":\"temp\"}").get(0).startsWith("property p: visitors.configData.characteristicUUID 'temp' is not a UUID"));
        assertEquals(List.of("property p: visitors.configData.dataType 'int24' is none of int8, uint8, int16, uint16, int32, uint32, int64, float32, float64, boolean, string, bytes"),
                problems(OK, "int", "{\"characteristicUUID\":\"2a6e\",\"dataType\":\"int24\"}"));
        assertEquals(List.of("property p: visitors.configData: set dataConverter (KubeEdge's) or dataType (Outpost's), not both"),
                problems(OK, "int", "{\"characteristicUUID\":\"2a6e\",\"dataType\":\"int16\",\"dataConverter\":{\"startIndex\":0,\"endIndex\":1}}"));
        assertEquals(List.of("property p: visitors.configData.dataConverter: startIndex 0 to endIndex 9 spans 10 bytes; at most 8 make one number"),
                problems(OK, "int", "{\"characteristicUUID\":\"2a6e\",\"dataConverter\":{\"startIndex\":0,\"endIndex\":9}}"));
        assertEquals(List.of("property p: visitors.configData.dataConverter.endIndex 600 is outside 0..511"),
                problems(OK, "int", "{\"characteristicUUID\":\"2a6e\",\"dataConverter\":{\"startIndex\":0,\"endIndex\":600}}"));
        assertEquals(List.of("property p: visitors.configData.dataConverter.orderOfOperations[0].operationType 'Power' is none of Add, Subtract, Multiply, Divide"),
                problems(OK, "int", "{\"characteristicUUID\":\"2a6e\",\"dataConverter\":{\"orderOfOperations\":[{\"operationType\":\"Power\",\"operationValue\":2}]}}"));
        assertEquals(List.of("property p: visitors.configData.dataConverter.orderOfOperations[0]: Divide by 0"),
                problems(OK, "int", "{\"characteristicUUID\":\"2a6e\",\"dataConverter\":{\"orderOfOperations\":[{\"operationType\":\"Divide\",\"operationValue\":0}]}}"));
        assertEquals(List.of("property p: visitors.configData.dataWrite.ON must be a list of byte values 0..255 (at most 512) or base64"),
                problems(OK, "string", "{\"characteristicUUID\":\"2a6e\",\"dataWrite\":{\"ON\":[256]}}"));
        assertEquals(List.of("property p: visitors.configData.byteOrder 'middle' is none of little, big"),
                problems(OK, "int", "{\"characteristicUUID\":\"2a6e\",\"dataType\":\"int16\",\"byteOrder\":\"middle\"}"));
        assertEquals(List.of("property p: visitors.configData.writeType 'fast' is none of request (with response), command (without)"),
                problems(OK, "int", "{\"characteristicUUID\":\"2a6e\",\"writeType\":\"fast\"}"));
        assertEquals(List.of("property p: visitors.configData.scale is 0: every value would read 0; use 1 for none"),
                problems(OK, "int", "{\"characteristicUUID\":\"2a6e\",\"scale\":0}"));
    }

    @Test
    void aDesiredValueNeedsAWayToBeWritten() throws Exception {
        String model = "{\"spec\":{\"properties\":[{\"name\":\"p\",\"type\":\"int\"}]}}";
        String dev = "{\"metadata\":{\"name\":\"d\",\"namespace\":\"default\"},\"spec\":{\"deviceModelRef\":{\"name\":\"m\"},\"protocol\":{\"protocolName\":\"ble\","
                + "\"configData\":" + OK + "},\"properties\":[{\"name\":\"p\",\"desired\":{\"value\":\"1\"},\"visitors\":{\"configData\":"
                + "{\"characteristicUUID\":\"2a6e\"}}}]}}";
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        DeviceSpec d = DeviceSpec.of(json.readTree(dev), json.readTree(model));
        assertEquals(List.of("property p has a desired value but no way to write it: set visitors.configData.dataWrite (value → bytes, as KubeEdge does) "
                + "or dataType"), new BleMapper().validate(d));
    }
}
