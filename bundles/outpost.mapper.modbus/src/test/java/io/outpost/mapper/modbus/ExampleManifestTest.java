package io.outpost.mapper.modbus;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import io.outpost.mapper.modbus.protocol.DataType;
import io.outpost.twin.api.DeviceSpec;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The example manifest users copy must pass the mapper's checks and mean what its comments say. */
class ExampleManifestTest {
    @Test
    void theModbusThermostatExampleIsValid() throws Exception {
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
        JsonNode model = null;
        JsonNode device = null;
        try (YAMLParser p = new YAMLFactory().createParser(Path.of("../../examples/devices/modbus-thermostat.yaml").toFile())) {
            for (JsonNode doc : yaml.readValues(p, JsonNode.class).readAll()) {
                if (doc.path("kind").asText().equals("DeviceModel")) {
                    model = doc;
                } else {
                    device = doc;
                }
            }
        }
        DeviceSpec spec = DeviceSpec.of(device, model);
        assertEquals(List.of(), spec.problems());
        assertEquals("modbus", spec.protocol());
        assertEquals(List.of(), new ModbusMapper().validate(spec));
        DeviceConfig c = DeviceConfig.parse(spec).config();
        assertEquals(DataType.FLOAT32, c.points().get("temperature").dataType());
        assertEquals(Register.DISCRETE_INPUT, c.points().get("door-open").register());
        assertEquals(3, ModbusSession.plan(List.copyOf(c.points().values()), 125).stream()
                .filter(g -> !g.register().bit).count(), "input registers 0..2 in one read; holding registers 10 and 100..107 in two");
    }
}
