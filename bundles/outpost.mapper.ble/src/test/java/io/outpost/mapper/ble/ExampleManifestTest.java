package io.outpost.mapper.ble;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import io.outpost.twin.api.DeviceSpec;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The example manifest users copy must pass the mapper's checks and mean what its comments say. */
class ExampleManifestTest {
    @Test
    void theBleSensorTagExampleIsValid() throws Exception {
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
        JsonNode model = null;
        JsonNode device = null;
        try (YAMLParser p = new YAMLFactory().createParser(Path.of("../../examples/devices/ble-thermometer.yaml").toFile())) {
            for (JsonNode doc : yaml.readValues(p, JsonNode.class).readAll()) {
                if (doc.path("kind").asText().equals("DeviceModel")) {
                    model = doc;
                } else {
                    device = doc;
                }
            }
        }
        DeviceSpec spec = DeviceSpec.of(device, model);
        assertEquals(List.of(), spec.allProblems());
        assertEquals(BleMapper.PROTOCOL, spec.protocol());
        assertEquals(List.of(), new BleMapper().validate(spec));
        BleConfig c = BleConfig.parse(spec).config();
        assertEquals("BC:6A:29:AE:CC:96", c.mac());
        // IR sensor bytes: object 0x0D60 at 2..3 (little-endian) → 856 × 0.03125
        assertEquals("26.75", c.points().get("ir-temperature").decode(HexFormat.of().parseHex("0000600d")));
        assertTrue(c.points().get("temperature").notifies());
        assertEquals("21.5", c.points().get("temperature").decode(HexFormat.of().parseHex("6608")));
        assertEquals("98", c.points().get("battery").decode(new byte[] {98}));
        assertArrayEquals(new byte[] {1}, c.points().get("red-led").encode("ON"));
    }
}
