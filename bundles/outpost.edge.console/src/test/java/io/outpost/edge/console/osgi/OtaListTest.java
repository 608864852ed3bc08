package io.outpost.edge.console.osgi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.outpost.edge.console.api.ApiException;
import io.outpost.ota.api.OtaRecord;
import io.outpost.ota.api.Phase;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OtaListTest {
    private static OtaRecord rec(String name, String version, String previous, Phase phase, long t) {
        return new OtaRecord("default/r-" + version, "rev" + version, name, version, previous, phase, phase + " reason", t, t + 500,
                phase.terminal() ? Map.of("download", 120L, "install", 900L) : Map.of());
    }

    @Test
    void theNewestUnfinishedUpdateIsCurrentAndEachFeatureShowsItsLastGoodVersion() {
        List<OtaRecord> history = List.of(rec("hello", "1.2.0", "1.1.0", Phase.Installing, 3000),
                rec("hello", "1.1.0", "1.0.0", Phase.Succeeded, 2000), rec("other", "2.0.0", "", Phase.RolledBack, 1500),
                rec("hello", "1.0.0", "", Phase.Succeeded, 1000));
        JsonNode doc = OtaList.doc(history, 2, (n, v) -> v.equals("1.1.0"));
        assertEquals("Installing", doc.get("current").get("phase").asText());
        assertFalse(doc.get("current").get("terminal").asBoolean());
        assertEquals(1, doc.get("features").size(), "a rolled-back feature was never installed by OTA");
        assertEquals("1.1.0", doc.get("features").get(0).get("version").asText());
        assertTrue(doc.get("features").get(0).get("installed").asBoolean());
        assertEquals(2, doc.get("history").size(), "limited");
        assertEquals(4, doc.get("total").asInt());
        JsonNode second = doc.get("history").get(1);
        assertEquals("1970-01-01T00:00:02Z", second.get("started").asText());
        assertEquals(900, second.get("millis").get("install").asLong());
        assertEquals("1.0.0", second.get("previousVersion").asText());
    }

    @Test
    void nothingRunsWhenTheNewestUpdateEndedAndAnEmptyHistoryIsFine() {
        JsonNode done = OtaList.doc(List.of(rec("hello", "1.0.0", "", Phase.Failed, 1), rec("hello", "0.9.0", "", Phase.Installing, 0)), 10, null);
        assertTrue(done.get("current").isNull(), "an older unfinished record was cut off by a restart");
        assertEquals(0, done.get("features").size());
        JsonNode empty = OtaList.doc(List.of(), 10, null);
        assertTrue(empty.get("current").isNull());
        assertEquals(0, empty.get("history").size());
        assertEquals(0, empty.get("features").size());
    }

    @Test
    void aRolloutOfSeveralFeaturesAsTheAgentRecordsItIsSplitPerFeature() {
        OtaRecord r = new OtaRecord("default/both", "rev", "hello", "hello=1.1.0,extra=2.0.0", "hello=1.0.0", Phase.Succeeded, "installed",
                1000, 2000, Map.of());
        JsonNode doc = OtaList.doc(List.of(r), 10, (n, v) -> n.equals("hello") && v.equals("1.1.0"));
        assertEquals("extra", doc.get("features").get(0).get("name").asText(), "sorted by name");
        assertEquals("2.0.0", doc.get("features").get(0).get("version").asText());
        assertFalse(doc.get("features").get(0).get("installed").asBoolean());
        assertEquals("1.1.0", doc.get("features").get(1).get("version").asText());
        assertTrue(doc.get("features").get(1).get("installed").asBoolean());
        JsonNode arts = doc.get("history").get(0).get("artifacts");
        assertEquals("hello", arts.get(0).get("name").asText());
        assertEquals("1.0.0", arts.get(0).get("previousVersion").asText());
        assertTrue(arts.get(1).get("previousVersion") == null, "extra was new");
        assertEquals(Map.of("a", "1"), OtaList.artifacts("x", "a=1,=2,b="), "malformed pairs are left out");
    }

    @Test
    void withoutTheAgentTheApiSaysWhichFeatureToInstall() {
        ApiException e = assertThrows(ApiException.class, () -> new OtaList(() -> null, () -> null).ota(10));
        assertEquals(503, e.status());
        assertTrue(e.getMessage().contains("feature:install outpost-ota"));
    }
}
