package io.outpost.mapper.opcua;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import io.outpost.twin.api.DeviceSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.eclipse.milo.opcua.stack.core.security.SecurityPolicy;
import org.eclipse.milo.opcua.stack.core.types.enumerated.MessageSecurityMode;
import org.junit.jupiter.api.Test;

/** The example manifests users copy must pass the mapper's checks and mean what their comments say. */
class ExampleManifestTest {
    static List<JsonNode> docs(String file) throws Exception {
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
        try (YAMLParser p = new YAMLFactory().createParser(Path.of("../../examples/devices/" + file).toFile())) {
            return new ArrayList<>(yaml.readValues(p, JsonNode.class).readAll());
        }
    }

    @Test
    void theBoilerExamplesAreValid() throws Exception {
        List<JsonNode> boiler = docs("opcua-boiler.yaml");
        JsonNode model = boiler.stream().filter(d -> d.path("kind").asText().equals("DeviceModel")).findFirst().orElseThrow();
        JsonNode device = boiler.stream().filter(d -> d.path("kind").asText().equals("Device")).findFirst().orElseThrow();
        DeviceSpec spec = DeviceSpec.of(device, model);
        assertEquals(List.of(), spec.allProblems());
        assertEquals("opcua", spec.protocol());
        assertEquals(List.of(), DeviceConfig.parse(spec).problems());
        DeviceConfig c = DeviceConfig.parse(spec).config();
        assertEquals(Set.of("temperature"), Set.copyOf(c.points().values().stream().filter(DeviceConfig.Point::subscribe).map(pt -> pt.property().name()).toList()));
        assertEquals("2:Boiler/2:Label", c.points().get("label").browsePath());

        JsonNode secure = docs("opcua-secure-boiler.yaml").get(0);
        DeviceSpec s = DeviceSpec.of(secure, model);
        assertEquals(List.of(), s.allProblems());
        DeviceConfig sc = DeviceConfig.parse(s).config();
        assertNotNull(sc, DeviceConfig.parse(s).problems().toString());
        assertEquals(SecurityPolicy.Basic256Sha256, sc.policy());
        assertEquals(MessageSecurityMode.SignAndEncrypt, sc.mode());
        assertEquals("boiler-2.password", sc.passwordFile());
        assertTrue(sc.points().values().stream().allMatch(DeviceConfig.Point::subscribe));
    }
}
