package io.outpost.examples.echo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.outpost.mapper.api.DeviceListener;
import io.outpost.mapper.api.DeviceSession;
import io.outpost.twin.api.DeviceSpec;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class EchoMapperTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static DeviceSpec device(String visitor) throws Exception {
        JsonNode model = JSON.readTree("{\"spec\":{\"properties\":[{\"name\":\"level\",\"type\":\"INT\"}]}}");
        JsonNode dev = JSON.readTree("{\"metadata\":{\"name\":\"e1\",\"namespace\":\"default\"},\"spec\":{\"deviceModelRef\":{\"name\":\"m\"},"
                + "\"protocol\":{\"protocolName\":\"echo\"},\"properties\":[{\"name\":\"level\",\"visitors\":{\"configData\":" + visitor + "}}]}}");
        return DeviceSpec.of(dev, model);
    }

    @Test
    void readsTheInitialValueThenWhatWasWritten() throws Exception {
        DeviceSpec d = device("{\"initial\":\"7\"}");
        EchoMapper m = new EchoMapper();
        assertEquals(List.of(), m.validate(d));
        List<String> health = new ArrayList<>();
        DeviceListener l = new DeviceListener() {
            @Override
            public void value(String property, String value, long timestamp) {
            }

            @Override
            public void health(boolean online, String reason) {
                health.add(online + ":" + reason);
            }
        };
        try (DeviceSession s = m.open(d, l)) {
            assertEquals("7", s.read(d.properties()).get("level").value());
            s.write(d.properties().get(0), "9");
            assertEquals("9", s.read(d.properties()).get("level").value());
        }
        assertEquals(List.of("true:", "false:mapper stopped"), health);
    }

    @Test
    void aMissingInitialValueIsAProblemThatSaysWhatToSet() throws Exception {
        List<String> problems = new EchoMapper().validate(device("{}"));
        assertEquals(1, problems.size());
        assertTrue(problems.get(0).contains("visitors.configData.initial"), problems.get(0));
    }
}
