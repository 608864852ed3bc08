package io.outpost.edge.bus.kubeedge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.outpost.edge.bus.broker.BrokerSettings;
import io.outpost.edge.bus.broker.Credentials;
import io.outpost.edge.bus.broker.MqttBroker;
import io.outpost.edge.bus.broker.PublishPolicy;
import io.outpost.twin.api.TwinChange;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The topic adapter on the real broker's in-process bus, with the twin contract in memory. */
class TopicAdapterTest {
    private record Msg(String topic, JsonNode body) {
    }

    private MqttBroker broker;
    private final Fixtures.Inventory inventory = new Fixtures.Inventory();
    private final Fixtures.Twin twin = new Fixtures.Twin(inventory);
    private final List<Msg> out = new CopyOnWriteArrayList<>();
    /** Tasks run when the test says, so requests can pile up as they do under load. */
    private final ArrayDeque<Runnable> tasks = new ArrayDeque<>();
    private final List<String[]> pushed = new ArrayList<>();
    private TopicAdapter adapter;

    @BeforeEach
    void start() throws Exception {
        broker = MqttBroker.start(BrokerSettings.loopback(0), Credentials.parse(null, true), PublishPolicy.ALLOW_ALL);
        broker.subscribe("$hw/#", (t, p) -> {
            if (t.endsWith("/result") || t.endsWith("/document") || t.endsWith("/delta") || t.endsWith("/updated")) {
                try {
                    out.add(new Msg(t, Fixtures.JSON.readTree(p)));
                } catch (Exception e) {
                    throw new IllegalStateException("the gateway published something that is not JSON on " + t, e);
                }
            }
        });
        adapter = new TopicAdapter("gw-1", broker, () -> twin, inventory, tasks::add, new TwinDocuments(() -> 42L, ZoneOffset.UTC),
                (address, topic, payload, qos, retained) -> pushed.add(new String[] {address, topic, new String(payload, StandardCharsets.UTF_8)}),
                4096).start();
        twin.listeners.add(adapter::twinChanged);
        inventory.onAdded.add(adapter::deviceAdded);
        inventory.add(Fixtures.thermometer("plant", "t1", "tcp://10.0.0.9:1883"));
    }

    @AfterEach
    void stop() {
        adapter.close();
        broker.close();
    }

    private void send(String topic, String body) {
        broker.publish(topic, body.getBytes(StandardCharsets.UTF_8), 0, false);
    }

    private void runAll() {
        Runnable r;
        while ((r = tasks.poll()) != null) {
            r.run();
        }
    }

    private List<Msg> on(String topic) {
        return out.stream().filter(m -> m.topic().equals(topic)).toList();
    }

    @Test
    void twinUpdateIsAppliedAndAnsweredWithResultDocumentAndDelta() {
        runAll();
        out.clear();
        send("$hw/events/device/plant/t1/twin/update", "{\"event_id\":\"e1\",\"timestamp\":1,\"twin\":{\"temperature\":{\"actual\":{\"value\":\"19.5\"}},"
                + "\"setpoint\":{\"expected\":{\"value\":\"22\"}}}}");
        runAll();
        assertEquals(Map.of("temperature", TwinChange.actual("19.5"), "setpoint", new TwinChange("22", null)), twin.updates.get(0));
        Msg r = on("$hw/events/device/plant/t1/twin/update/result").get(0);
        assertEquals("e1", r.body().path("event_id").asText());
        assertEquals("19.5", r.body().path("twin").path("temperature").path("actual").path("value").asText());
        Msg doc = on("$hw/events/device/plant/t1/twin/update/document").get(0);
        assertEquals("19.5", doc.body().path("twin").path("temperature").path("current").path("actual").path("value").asText());
        Msg delta = on("$hw/events/device/plant/t1/twin/update/delta").get(0);
        assertEquals("22", delta.body().path("delta").path("setpoint").asText());
        // The temperature has an MQTT push method: its new actual value went to that broker.
        assertEquals(1, pushed.size());
        assertEquals("tcp://10.0.0.9:1883", pushed.get(0)[0]);
        assertEquals("plant/t1/temperature", pushed.get(0)[1]);
        assertTrue(pushed.get(0)[2].contains("\"value\":\"19.5\""), pushed.get(0)[2]);
    }

    @Test
    void noDeltaWhenTheDeviceHasWhatIsWanted() {
        send("$hw/events/device/plant/t1/twin/update", "{\"event_id\":\"e1\",\"twin\":{\"setpoint\":{\"expected\":{\"value\":\"22\"},\"actual\":{\"value\":\"22\"}}}}");
        runAll();
        assertEquals(1, on("$hw/events/device/plant/t1/twin/update/document").size());
        assertEquals(0, on("$hw/events/device/plant/t1/twin/update/delta").size());
    }

    @Test
    void errorsAreResultsWithCodes() {
        send("$hw/events/device/plant/nope/twin/update", "{\"event_id\":\"e404\",\"twin\":{\"temperature\":{\"actual\":{\"value\":\"1\"}}}}");
        send("$hw/events/device/plant/t1/twin/update", "{\"event_id\":\"e400\",\"twin\":{\"temperature\":{\"actual\":{\"value\":\"hot\"}}}}");
        runAll();
        send("$hw/events/device/plant/t1/twin/update", "{\"event_id\":");
        runAll();
        send("$hw/events/device/plant/t1/twin/update", "{\"event_id\":\"big\",\"x\":\"" + "y".repeat(5000) + "\"}");
        runAll();
        Msg notFound = on("$hw/events/device/plant/nope/twin/update/result").get(0);
        assertEquals(404, notFound.body().path("code").asInt());
        assertEquals("e404", notFound.body().path("event_id").asText());
        List<Msg> r = on("$hw/events/device/plant/t1/twin/update/result");
        assertEquals(3, r.size());
        assertEquals(400, r.get(0).body().path("code").asInt());
        assertTrue(r.get(0).body().path("reason").asText().contains("'hot' is not a float"), r.get(0).body().toString());
        assertEquals(400, r.get(1).body().path("code").asInt());
        assertTrue(r.get(1).body().path("reason").asText().contains("not JSON"), r.get(1).body().toString());
        assertTrue(r.get(2).body().path("reason").asText().contains("at most 4096"), r.get(2).body().toString());
        assertTrue(twin.updates.isEmpty(), "nothing was applied");
    }

    @Test
    void aFloodIsCoalescedIntoOneUpdateAndOtherDevicesKeepTheirTurn() {
        inventory.add(Fixtures.thermometer("plant", "t2", null));
        runAll();
        for (int i = 0; i < 1000; i++) {
            send("$hw/events/device/plant/t1/twin/update", "{\"event_id\":\"f" + i + "\",\"twin\":{\"temperature\":{\"actual\":{\"value\":\"" + (i % 90) + "\"}}}}");
        }
        send("$hw/events/device/plant/t1/twin/update", "{\"event_id\":\"last\",\"twin\":{\"setpoint\":{\"actual\":{\"value\":\"20\"}}}}");
        send("$hw/events/device/plant/t2/twin/update", "{\"event_id\":\"other\",\"twin\":{\"temperature\":{\"actual\":{\"value\":\"5\"}}}}");
        assertEquals(2, tasks.size(), "one task per device, however many requests");
        runAll();
        assertEquals(2, twin.updates.size());
        assertEquals(Map.of("temperature", TwinChange.actual(Integer.toString(999 % 90)), "setpoint", TwinChange.actual("20")), twin.updates.get(0));
        Msg r = on("$hw/events/device/plant/t1/twin/update/result").get(0);
        assertEquals("last", r.body().path("event_id").asText());
        assertEquals("other", on("$hw/events/device/plant/t2/twin/update/result").get(0).body().path("event_id").asText());
        assertTrue(adapter.coalesced() >= 999, "coalesced " + adapter.coalesced());
    }

    @Test
    void aBadValueInACoalescedBatchFailsAlone() {
        runAll();
        send("$hw/events/device/plant/t1/twin/update", "{\"event_id\":\"good\",\"twin\":{\"temperature\":{\"actual\":{\"value\":\"20\"}}}}");
        send("$hw/events/device/plant/t1/twin/update", "{\"event_id\":\"bad\",\"twin\":{\"setpoint\":{\"expected\":{\"value\":\"99\"}}}}");
        runAll();
        List<Msg> r = on("$hw/events/device/plant/t1/twin/update/result");
        assertEquals("good", r.get(0).body().path("event_id").asText());
        assertTrue(r.get(0).body().path("code").isMissingNode());
        assertEquals("bad", r.get(1).body().path("event_id").asText());
        assertEquals(400, r.get(1).body().path("code").asInt());
        assertTrue(r.get(1).body().path("reason").asText().contains("outside the model's range [5, 30]"), r.get(1).body().toString());
    }

    @Test
    void twinGetStateUpdateAndMembership() {
        send("$hw/events/device/plant/t1/twin/update", "{\"event_id\":\"e1\",\"twin\":{\"temperature\":{\"actual\":{\"value\":\"20\"}}}}");
        runAll();
        send("$hw/events/device/plant/t1/twin/get", "{\"event_id\":\"g1\"}");
        send("$hw/events/device/plant/t1/state/update", "{\"event_id\":\"s1\",\"timestamp\":1,\"state\":\"ONLINE\"}");
        send("$hw/events/device/plant/t2/state/update", "{\"event_id\":\"s2\",\"state\":\"online\"}");
        send("$hw/events/device/plant/t1/state/get", "");
        send("$hw/events/node/gw-1/membership/get", "{\"event_id\":\"m1\"}");
        runAll();
        send("$hw/events/device/plant/t1/state/update", "{\"event_id\":\"s3\",\"state\":\"sleepy\"}");
        runAll();
        assertEquals("20", on("$hw/events/device/plant/t1/twin/get/result").get(0).body().path("twin").path("temperature").path("actual").path("value").asText());
        List<Msg> states = on("$hw/events/device/plant/t1/state/update/result");
        assertEquals("online", states.get(0).body().path("device").path("state").asText());
        assertEquals("t1", states.get(0).body().path("device").path("name").asText());
        assertEquals(400, states.get(1).body().path("code").asInt());
        assertEquals(404, on("$hw/events/device/plant/t2/state/update/result").get(0).body().path("code").asInt());
        assertEquals("online", on("$hw/events/device/plant/t1/state/get/result").get(0).body().path("device").path("state").asText());
        JsonNode devices = on("$hw/events/node/gw-1/membership/get/result").get(0).body().path("devices");
        assertEquals("plant/t1", devices.get(0).path("id").asText());
        assertEquals("online", devices.get(0).path("state").asText());
    }

    @Test
    void membershipUpdatedWhenADeviceIsAdded() {
        runAll();
        Msg m = on("$hw/events/node/gw-1/membership/updated").get(0);
        assertEquals("plant/t1", m.body().path("added_devices").get(0).path("id").asText());
    }

    @Test
    void withoutTheTwinRequestsGet500() {
        adapter.close();
        TopicAdapter bare = new TopicAdapter("gw-1", broker, () -> null, inventory, Runnable::run, new TwinDocuments(() -> 1L, ZoneOffset.UTC), null,
                4096).start();
        try {
            send("$hw/events/device/plant/t1/twin/update", "{\"event_id\":\"e\",\"twin\":{}}");
            assertEquals(500, on("$hw/events/device/plant/t1/twin/update/result").get(0).body().path("code").asInt());
        } finally {
            bare.close();
        }
    }
}
