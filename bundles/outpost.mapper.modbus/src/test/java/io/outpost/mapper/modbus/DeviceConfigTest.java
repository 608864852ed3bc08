package io.outpost.mapper.modbus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.outpost.mapper.modbus.protocol.DataType;
import io.outpost.twin.api.DeviceSpec;
import java.util.List;
import org.junit.jupiter.api.Test;

class DeviceConfigTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A Device with one property {@code p} of the given model type, visitor and desired value. */
    static DeviceSpec device(String protocolConfig, String type, String visitor, String desired) throws Exception {
        JsonNode model = JSON.readTree("{\"spec\":{\"properties\":[{\"name\":\"p\",\"type\":\"" + type + "\"}]}}");
        JsonNode dev = JSON.readTree("{\"metadata\":{\"name\":\"d\",\"namespace\":\"default\"},\"spec\":{\"deviceModelRef\":{\"name\":\"m\"},"
                + "\"protocol\":{\"protocolName\":\"modbus\",\"configData\":" + protocolConfig + "},\"properties\":[{\"name\":\"p\","
                + (desired == null ? "" : "\"desired\":{\"value\":\"" + desired + "\"},") + "\"visitors\":{\"protocolName\":\"modbus\",\"configData\":"
                + visitor + "}}]}}");
        return DeviceSpec.of(dev, model);
    }

    static List<String> problems(String protocolConfig, String type, String visitor) throws Exception {
        return DeviceConfig.parse(device(protocolConfig, type, visitor, null)).problems();
    }

    @Test
    void aKubeEdgeTcpDeviceParses() throws Exception {
        DeviceConfig.Parsed p = DeviceConfig.parse(device("{\"ip\":\"10.0.0.5\",\"port\":\"5020\",\"slaveID\":3}", "FLOAT",
                "{\"register\":\"HoldingRegister\",\"offset\":2,\"limit\":2,\"scale\":0.1,\"isSwap\":true,\"isRegisterSwap\":true}", null));
        assertEquals(List.of(), p.problems());
        DeviceConfig c = p.config();
        assertTrue(c.tcp());
        assertEquals(5020, c.port());
        assertEquals(3, c.slaveId());
        Point pt = c.points().get("p");
        assertEquals(Register.HOLDING, pt.register());
        assertEquals(DataType.FLOAT32, pt.dataType());
        assertEquals(2, pt.limit());
        assertTrue(pt.swapBytes() && pt.swapRegisters());
    }

    @Test
    void anRtuDeviceParses() throws Exception {
        DeviceConfig c = DeviceConfig.parse(device("{\"serialPort\":\"/dev/ttyUSB0\",\"baudRate\":19200,\"parity\":\"E\",\"stopBits\":1,\"slaveID\":7}",
                "BOOLEAN", "{\"register\":\"CoilRegister\",\"offset\":0}", null)).config();
        assertNotNull(c);
        assertEquals("even", c.parity());
        assertEquals(19200, c.baudRate());
        assertEquals(DataType.BOOLEAN, c.points().get("p").dataType());
        DeviceConfig framework = DeviceConfig.parse(device("{\"serialName\":\"/dev/ttyS1\",\"slaveID\":2}", "INT",
                "{\"register\":\"HoldingRegister\",\"offset\":0}", null)).config();
        assertEquals("/dev/ttyS1", framework.serialPort());
    }

    @Test
    void problemsSayWhatToFix() throws Exception {
        String v = "{\"register\":\"HoldingRegister\",\"offset\":0}";
        assertEquals(List.of("spec.protocol.configData: set ip (Modbus TCP, with port) or serialPort (Modbus RTU, for example /dev/ttyUSB0)"),
                problems("{\"port\":502}", "INT", v));
        assertEquals(List.of("property p: visitors.configData.register 'Holding' is none of CoilRegister, DiscreteInputRegister, HoldingRegister, InputRegister"),
                problems("{\"ip\":\"h\"}", "INT", "{\"register\":\"Holding\",\"offset\":0}"));
        assertEquals(List.of("property p: visitors.configData.offset 70000 is outside 0..65535"),
                problems("{\"ip\":\"h\"}", "INT", "{\"register\":\"HoldingRegister\",\"offset\":70000}"));
        assertEquals(List.of("property p: visitors.configData: offset 65535 with limit 2 runs past the last address 65535"),
                problems("{\"ip\":\"h\"}", "INT", "{\"register\":\"HoldingRegister\",\"offset\":65535,\"dataType\":\"int32\"}"));
        assertEquals(List.of("property p: visitors.configData.dataType 'int64' is none of int16, uint16, int32, uint32, float32, float64, string, boolean"),
                problems("{\"ip\":\"h\"}", "INT", "{\"register\":\"HoldingRegister\",\"offset\":0,\"dataType\":\"int64\"}"));
        assertEquals(List.of("property p: visitors.configData.limit 1 does not fit dataType float32, which takes 2 registers: fix limit or leave it out"),
                problems("{\"ip\":\"h\"}", "FLOAT", "{\"register\":\"InputRegister\",\"offset\":0,\"limit\":1,\"dataType\":\"float32\"}"));
        assertEquals(List.of("spec.protocol.configData.port 'x' is not a whole number"), problems("{\"ip\":\"h\",\"port\":\"x\"}", "INT", v));
        assertEquals(List.of("spec.protocol.configData.parity 'Q' is none of none, even, odd (or N, E, O)"),
                problems("{\"serialPort\":\"/dev/ttyS0\",\"parity\":\"Q\"}", "INT", v));
        assertEquals(List.of("spec.protocol.configData.slaveID 0 is outside 1..247"), problems("{\"serialPort\":\"/dev/ttyS0\",\"slaveID\":0}", "INT", v));
        assertEquals(List.of("property p: visitors.configData.register is missing: set one of CoilRegister, DiscreteInputRegister, HoldingRegister, InputRegister"),
                problems("{\"ip\":\"h\"}", "INT", "{}"));
    }

    @Test
    void aDesiredValueForAnInputRegisterIsRefused() throws Exception {
        List<String> p = DeviceConfig.parse(device("{\"ip\":\"h\"}", "INT", "{\"register\":\"InputRegister\",\"offset\":0}", "5")).problems();
        assertEquals(List.of("property p has a desired value but InputRegister is read-only in Modbus: use a HoldingRegister or remove desired.value"), p);
    }

    @Test
    void withoutDataTypeTheModelTypeAndLimitDecide() throws Exception {
        assertEquals(DataType.INT16, point("INT", "{\"register\":\"HoldingRegister\"}").dataType());
        assertEquals(DataType.INT32, point("INT", "{\"register\":\"HoldingRegister\",\"limit\":2}").dataType());
        assertEquals(DataType.FLOAT64, point("DOUBLE", "{\"register\":\"HoldingRegister\",\"limit\":4}").dataType());
        assertEquals(8, point("STRING", "{\"register\":\"HoldingRegister\",\"limit\":8}").limit());
        assertEquals(List.of("property p: visitors.configData.dataType is missing and limit 3 does not say it for a int property: set dataType "
                + "(int16, uint16, int32, uint32, float32, float64, string)"), problems("{\"ip\":\"h\"}", "INT", "{\"register\":\"HoldingRegister\",\"limit\":3}"));
    }

    private static Point point(String type, String visitor) throws Exception {
        DeviceConfig.Parsed p = DeviceConfig.parse(device("{\"ip\":\"h\"}", type, visitor, null));
        assertEquals(List.of(), p.problems());
        return p.config().points().get("p");
    }
}
