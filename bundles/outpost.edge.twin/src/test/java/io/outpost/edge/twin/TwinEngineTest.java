package io.outpost.edge.twin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.outpost.edge.meta.SqliteMetaStore;
import io.outpost.twin.api.DeviceSpec;
import io.outpost.twin.api.TwinChange;
import io.outpost.twin.api.TwinEvent;
import io.outpost.twin.api.TwinException;
import io.outpost.twin.api.TwinListener;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TwinEngineTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;
    SqliteMetaStore store;
    final AtomicLong now = new AtomicLong(1_000_000);
    final Recorder cloud = new Recorder();
    final List<TwinEvent> events = new ArrayList<>();
    TwinEngine engine;

    static final class Recorder implements Uplink {
        boolean connected = true;
        boolean accept = true;
        final List<String> resources = new ArrayList<>();
        final List<JsonNode> contents = new ArrayList<>();

        @Override
        public boolean connected() {
            return connected;
        }

        @Override
        public CompletionStage<Boolean> send(String resource, JsonNode content) {
            resources.add(resource);
            contents.add(content);
            return CompletableFuture.completedFuture(accept);
        }
    }

    @BeforeEach
    void setUp() {
        store = new SqliteMetaStore(dir.resolve("meta.db"));
        engine = newEngine();
    }

    @AfterEach
    void tearDown() {
        store.close();
    }

    TwinEngine newEngine() {
        TwinListener l = events::add;
        return new TwinEngine(store, cloud, () -> List.of(l), now::get);
    }

    static DeviceSpec spec(String desired) throws Exception {
        JsonNode model = JSON.readTree("""
                {"metadata":{"name":"thermo","namespace":"default"},"spec":{"properties":[
                  {"name":"temperature","type":"FLOAT","accessMode":"ReadOnly"},
                  {"name":"setpoint","type":"INT","accessMode":"ReadWrite","minimum":"10","maximum":"30"}]}}""");
        JsonNode device = JSON.readTree("""
                {"metadata":{"name":"t1","namespace":"default"},"spec":{"deviceModelRef":{"name":"thermo"},
                 "protocol":{"protocolName":"virtual"},"properties":[
                  {"name":"temperature","reportCycle":5000,"reportToCloud":true},
                  {"name":"setpoint","reportCycle":5000,"reportToCloud":true,"desired":{"value":"%s"}}]}}""".formatted(desired));
        return DeviceSpec.of(device, model);
    }

    @Test
    void desiredValuesFromTheCloudMakeADelta() throws Exception {
        engine.deviceChanged(spec("21"));
        assertEquals("21", engine.twins("default", "t1").orElseThrow().get("setpoint").expected().value());
        TwinEvent e = events.get(events.size() - 1);
        assertTrue(e.fromCloud());
        assertEquals(Map.of("setpoint", "21"), e.delta());

        engine.update("default", "t1", Map.of("setpoint", TwinChange.actual("21")));
        assertEquals(Map.of(), events.get(events.size() - 1).delta(), "the device has the desired value");
    }

    @Test
    void aDesiredValueOutOfRangeIsNotTaken() throws Exception {
        engine.deviceChanged(spec("99"));
        assertNull(engine.twins("default", "t1").orElseThrow().get("setpoint").expected());
        assertTrue(spec("99").desiredProblems().stream().anyMatch(p -> p.contains("outside the model's range [10, 30]")), spec("99").desiredProblems().toString());
        assertTrue(spec("warm").desiredProblems().stream().anyMatch(p -> p.contains("'warm' is not an int")), spec("warm").desiredProblems().toString());
    }

    @Test
    void edgeUpdatesAreCheckedWhole() throws Exception {
        engine.deviceChanged(spec(""));
        TwinException e = assertThrows(TwinException.class,
                () -> engine.update("default", "t1", Map.of("temperature", TwinChange.actual("20.5"), "nope", TwinChange.actual("1"))));
        assertEquals(400, e.code());
        assertNull(engine.twins("default", "t1").orElseThrow().get("temperature").actual(), "nothing applied");
        assertEquals(404, assertThrows(TwinException.class, () -> engine.update("default", "ghost", Map.of())).code());
        assertEquals(400, assertThrows(TwinException.class,
                () -> engine.update("default", "t1", Map.of("setpoint", new TwinChange("5", null)))).code());
    }

    @Test
    void onlyTheLatestValueGoesToTheCloudOncePerReportCycle() throws Exception {
        engine.deviceChanged(spec(""));
        cloud.connected = false;
        for (int i = 0; i < 1000; i++) {
            now.addAndGet(10);
            engine.update("default", "t1", Map.of("temperature", TwinChange.actual(Integer.toString(i))));
            engine.tick();
        }
        assertEquals(0, cloud.resources.size(), "nothing sent while offline");
        cloud.connected = true;
        engine.tick();
        assertEquals(1, cloud.resources.size(), "one message on reconnect, not a backlog");
        assertEquals("device/default/t1/twin/edge_updated", cloud.resources.get(0));
        assertEquals("999", cloud.contents.get(0).path("twin").path("temperature").path("actual").path("value").asText());
        engine.update("default", "t1", Map.of("temperature", TwinChange.actual("1000")));
        engine.tick();
        assertEquals(1, cloud.resources.size(), "the report cycle has not passed");
        now.addAndGet(5000);
        engine.tick();
        assertEquals(2, cloud.resources.size());
    }

    @Test
    void aValueThatSettlesADeltaIsReportedAtOnce() throws Exception {
        engine.deviceChanged(spec("20"));
        engine.update("default", "t1", Map.of("setpoint", TwinChange.actual("15")));
        engine.tick();
        int sent = cloud.resources.size();
        engine.update("default", "t1", Map.of("setpoint", TwinChange.actual("20")));
        engine.tick();
        assertEquals(sent + 1, cloud.resources.size(), "not held back by the report cycle");
    }

    @Test
    void twinsAndUnsentValuesSurviveARestart() throws Exception {
        engine.deviceChanged(spec("22"));
        cloud.connected = false;
        engine.update("default", "t1", Map.of("temperature", TwinChange.actual("19.5")));
        engine.updateState("default", "t1", "online", null);
        engine.tick();

        TwinEngine again = newEngine();
        again.deviceChanged(spec("22"));
        assertEquals("19.5", again.twins("default", "t1").orElseThrow().get("temperature").actual().value());
        assertEquals("online", again.state("default", "t1").orElseThrow().state());
        cloud.connected = true;
        again.tick();
        assertTrue(cloud.resources.contains("device/default/t1/twin/edge_updated"), cloud.resources.toString());
        assertTrue(cloud.resources.contains("device/default/t1/state/update"), cloud.resources.toString());
    }

    @Test
    void aRefusedReportIsSentAgain() throws Exception {
        engine.deviceChanged(spec(""));
        cloud.accept = false;
        engine.update("default", "t1", Map.of("temperature", TwinChange.actual("1")));
        engine.tick();
        cloud.accept = true;
        now.addAndGet(5000);
        engine.tick();
        assertEquals(2, cloud.resources.size());
        now.addAndGet(5000);
        engine.tick();
        assertEquals(2, cloud.resources.size(), "delivered: nothing more to send");
    }

    @Test
    void anUnchangedOnlineStateIsSentAgainEveryMinuteForLastOnline() throws Exception {
        engine.deviceChanged(spec(""));
        engine.updateState("default", "t1", "online", null);
        engine.tick();
        long sent = cloud.resources.stream().filter(r -> r.endsWith("/state/update")).count();
        now.addAndGet(30_000);
        engine.updateState("default", "t1", "online", null);
        engine.tick();
        assertEquals(sent, cloud.resources.stream().filter(r -> r.endsWith("/state/update")).count(), "not within the minute");
        now.addAndGet(31_000);
        engine.updateState("default", "t1", "online", null);
        engine.tick();
        assertEquals(sent + 1, cloud.resources.stream().filter(r -> r.endsWith("/state/update")).count());
        JsonNode last = cloud.contents.get(cloud.contents.size() - 1);
        assertEquals(KubeEdgeTime.format(now.get()), last.path("device").path("last_online").asText());
    }

    @Test
    void unknownStatesAreRefused() throws Exception {
        engine.deviceChanged(spec(""));
        assertEquals(400, assertThrows(TwinException.class, () -> engine.updateState("default", "t1", "sleepy", null)).code());
        assertEquals("offline", engine.updateState("default", "t1", "OFFLINE", "timeout").state());
    }
}
