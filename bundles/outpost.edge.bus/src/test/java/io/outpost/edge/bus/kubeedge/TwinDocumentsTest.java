package io.outpost.edge.bus.kubeedge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.outpost.edge.bus.kubeedge.TwinDocuments.BadDocument;
import io.outpost.twin.api.DeviceState;
import io.outpost.twin.api.TwinProperty;
import io.outpost.twin.api.TwinValue;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TwinDocumentsTest {
    private final TwinDocuments docs = new TwinDocuments(() -> 1234L, ZoneOffset.UTC);

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static JsonNode j(byte[] b) throws Exception {
        return Fixtures.JSON.readTree(b);
    }

    @Test
    void readsKubeEdgeTwinUpdates() throws Exception {
        var u = docs.twinUpdate(b("{\"event_id\":\"e1\",\"timestamp\":1,\"twin\":{\"temperature\":{\"actual\":{\"value\":\"21.5\"}},"
                + "\"setpoint\":{\"expected\":{\"value\":\"22\"},\"actual\":{\"value\":20}}}}"));
        assertEquals("e1", u.eventId());
        assertEquals("21.5", u.changes().get("temperature").actual());
        assertNull(u.changes().get("temperature").expected());
        assertEquals("22", u.changes().get("setpoint").expected());
        assertEquals("20", u.changes().get("setpoint").actual(), "numbers are taken as their text");
    }

    @ParameterizedTest(name = "{index}: {1}")
    @CsvSource(delimiter = '|', value = {
            "{not json | not JSON",
            "[1,2] | must be a JSON object",
            "{\"event_id\":\"e\"} | \"twin\" is required",
            "{\"twin\":[]} | \"twin\" is required",
            "{\"twin\":{\"t\":5}} | twin.t must be an object",
            "{\"twin\":{\"t\":null}} | deleting twins",
            "{\"twin\":{\"t\":{\"actual\":\"5\"}}} | twin.t.actual must be an object",
            "{\"twin\":{\"t\":{\"actual\":{\"value\":{\"x\":1}}}}} | twin.t.actual.value must be a string",
            "'' | the payload is empty"})
    void malformedUpdatesSayWhatIsWrong(String payload, String message) {
        BadDocument e = assertThrows(BadDocument.class, () -> docs.twinUpdate(b(payload)));
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }

    @Test
    void longTwinNamesAreRefused() {
        String name = "p".repeat(TwinDocuments.MAX_TWIN_NAME + 1);
        BadDocument e = assertThrows(BadDocument.class, () -> docs.twinUpdate(b("{\"event_id\":\"e9\",\"twin\":{\"" + name
                + "\":{\"actual\":{\"value\":\"1\"}}}}")));
        assertEquals("e9", e.eventId());
    }

    @Test
    void writesResultsErrorsDocumentsAndDeltas() throws Exception {
        TwinProperty before = new TwinProperty(new TwinValue("22", 5), new TwinValue("20", 6), "float");
        TwinProperty after = new TwinProperty(new TwinValue("22", 5), new TwinValue("21", 7), "float");
        JsonNode r = j(docs.twinResult("e1", Map.of("setpoint", after)));
        assertEquals("e1", r.path("event_id").asText());
        assertEquals(1234, r.path("timestamp").asLong());
        assertEquals("21", r.path("twin").path("setpoint").path("actual").path("value").asText());
        assertEquals(7, r.path("twin").path("setpoint").path("actual").path("metadata").path("timestamp").asLong());
        assertEquals("float", r.path("twin").path("setpoint").path("metadata").path("type").asText());

        JsonNode err = j(docs.error("e2", 404, "no such device"));
        assertEquals(404, err.path("code").asInt());
        assertEquals("no such device", err.path("reason").asText());
        assertTrue(err.path("twin").isMissingNode());

        JsonNode doc = j(docs.document("e3", Map.of("setpoint", before), Map.of("setpoint", after, "temperature", after)));
        assertEquals("20", doc.path("twin").path("setpoint").path("last").path("actual").path("value").asText());
        assertEquals("21", doc.path("twin").path("setpoint").path("current").path("actual").path("value").asText());
        assertTrue(doc.path("twin").path("temperature").path("last").isNull());

        JsonNode delta = j(docs.delta("e4", Map.of("setpoint", after), Map.of("setpoint", "22")));
        assertEquals("22", delta.path("delta").path("setpoint").asText());
        assertEquals("22", delta.path("twin").path("setpoint").path("expected").path("value").asText());
    }

    @Test
    void writesStateAndMembership() throws Exception {
        var dev = Fixtures.thermometer("plant", "t1", null);
        JsonNode s = j(docs.stateResult("e5", "t1", new DeviceState("online", "", 86_400_000L)));
        assertEquals("online", s.path("device").path("state").asText());
        assertEquals("1970-01-02 00:00:00", s.path("device").path("last_online").asText());
        JsonNode m = j(docs.membership("e6", List.of(dev), d -> java.util.Optional.empty()));
        JsonNode d = m.path("devices").get(0);
        assertEquals("plant/t1", d.path("id").asText());
        assertEquals("t1", d.path("name").asText());
        assertEquals("boiler room", d.path("description").asText());
        assertEquals("unknown", d.path("state").asText());
        assertTrue(d.path("attributes").isObject());
        JsonNode up = j(docs.membershipUpdated("e7", dev, true));
        assertEquals("plant/t1", up.path("added_devices").get(0).path("id").asText());
        assertEquals(0, up.path("removed_devices").size());
    }
}
