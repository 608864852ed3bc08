package io.outpost.edge.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.outpost.edge.bus.broker.BrokerSettings;
import io.outpost.edge.bus.broker.Credentials;
import io.outpost.edge.bus.broker.MqttBroker;
import io.outpost.edge.bus.kubeedge.Fixtures;
import io.outpost.edge.bus.kubeedge.KubeEdgeAcl;
import io.outpost.edge.bus.kubeedge.TopicAdapter;
import io.outpost.edge.bus.kubeedge.TwinDocuments;
import java.nio.charset.StandardCharsets;
import java.time.ZoneId;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * An external mapper's view of the event bus: a real MQTT 5 client (Eclipse Paho) against the
 * broker on a random port, with KubeEdge's ACL and topic adapter; the device twin is the
 * contract's in-memory double (the real one is tested in its own bundle and end to end).
 */
class EventBusIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String DEV = "$hw/events/device/plant/t1/";

    private MqttBroker broker;
    private TopicAdapter adapter;
    private ExecutorService worker;
    private MqttClient mapper;
    private final Fixtures.Inventory inventory = new Fixtures.Inventory();
    private final Fixtures.Twin twin = new Fixtures.Twin(inventory);
    private final BlockingQueue<String[]> heard = new LinkedBlockingQueue<>();

    @BeforeEach
    void start() throws Exception {
        broker = MqttBroker.start(BrokerSettings.loopback(0), Credentials.parse(new String[] {"lab:pw:lab/*"}, true), new KubeEdgeAcl("gw-it"));
        worker = Executors.newSingleThreadExecutor();
        adapter = new TopicAdapter("gw-it", broker, () -> twin, inventory, worker, new TwinDocuments(System::currentTimeMillis, ZoneId.systemDefault()),
                null, 64 * 1024).start();
        twin.listeners.add(adapter::twinChanged);
        inventory.onAdded.add(adapter::deviceAdded);
        inventory.add(Fixtures.thermometer("plant", "t1", null));
        mapper = connect("mapper-1", null, null);
        mapper.subscribe(new String[] {"$hw/events/device/+/+/twin/update/+", "$hw/events/node/gw-it/membership/#", "$hw/events/device/+/+/twin/get/result"},
                new int[] {1, 1, 1});
        mapper.setCallback(new org.eclipse.paho.mqttv5.client.MqttCallback() {
            @Override
            public void messageArrived(String topic, MqttMessage m) {
                heard.add(new String[] {topic, new String(m.getPayload(), StandardCharsets.UTF_8)});
            }

            @Override
            public void disconnected(org.eclipse.paho.mqttv5.client.MqttDisconnectResponse r) {
            }

            @Override
            public void mqttErrorOccurred(MqttException e) {
            }

            @Override
            public void deliveryComplete(org.eclipse.paho.mqttv5.client.IMqttToken t) {
            }

            @Override
            public void connectComplete(boolean reconnect, String uri) {
            }

            @Override
            public void authPacketArrived(int code, org.eclipse.paho.mqttv5.common.packet.MqttProperties p) {
            }
        });
    }

    @AfterEach
    void stop() throws Exception {
        if (mapper != null && mapper.isConnected()) {
            mapper.disconnect();
        }
        adapter.close();
        worker.shutdownNow();
        broker.close();
    }

    private MqttClient connect(String id, String user, String password) throws MqttException {
        MqttClient c = new MqttClient("tcp://127.0.0.1:" + broker.address().getPort(), id, new MemoryPersistence());
        MqttConnectionOptions o = new MqttConnectionOptions();
        o.setCleanStart(true);
        if (user != null) {
            o.setUserName(user);
            o.setPassword(password.getBytes(StandardCharsets.UTF_8));
        }
        c.connect(o);
        return c;
    }

    private MqttAsyncClient connectAsync(String id, String user, String password) throws MqttException {
        MqttAsyncClient c = new MqttAsyncClient("tcp://127.0.0.1:" + broker.address().getPort(), id, new MemoryPersistence());
        MqttConnectionOptions o = new MqttConnectionOptions();
        o.setCleanStart(true);
        if (user != null) {
            o.setUserName(user);
            o.setPassword(password.getBytes(StandardCharsets.UTF_8));
        }
        c.connect(o).waitForCompletion(5000);
        return c;
    }

    private void publish(MqttClient c, String topic, String body) throws MqttException {
        c.publish(topic, body.getBytes(StandardCharsets.UTF_8), 1, false);
    }

    /** @return the next message on this topic (others are skipped), or fails after 10 s */
    private JsonNode next(String topic) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < end) {
            String[] m = heard.poll(200, TimeUnit.MILLISECONDS);
            if (m != null && m[0].equals(topic)) {
                return JSON.readTree(m[1]);
            }
        }
        throw new AssertionError("nothing on " + topic + " within 10 s");
    }

    /** @return the MQTT 5 reason code the broker answered a QoS 1 PUBLISH with */
    private static int pubAckReason(MqttAsyncClient c, String topic) throws MqttException {
        try {
            IMqttToken t = c.publish(topic, "{}".getBytes(StandardCharsets.UTF_8), 1, false);
            t.waitForCompletion(5000);
            return t.getReasonCodes() == null ? 0 : t.getReasonCodes()[0];
        } catch (MqttException e) {
            return e.getReasonCode();
        }
    }

    @Test
    void twinUpdateIsAnsweredWithResultAndDocument() throws Exception {
        publish(mapper, DEV + "twin/update", "{\"event_id\":\"e-1\",\"timestamp\":1,\"twin\":{\"temperature\":{\"actual\":{\"value\":\"21.5\"}}}}");
        JsonNode result = next(DEV + "twin/update/result");
        assertEquals("e-1", result.path("event_id").asText());
        assertEquals("21.5", result.path("twin").path("temperature").path("actual").path("value").asText());
        JsonNode doc = next(DEV + "twin/update/document");
        assertEquals("21.5", doc.path("twin").path("temperature").path("current").path("actual").path("value").asText());
        assertTrue(doc.path("twin").path("temperature").path("last").isNull());

        publish(mapper, DEV + "twin/update", "{\"event_id\":\"e-2\",\"twin\":{\"setpoint\":{\"expected\":{\"value\":\"25\"}}}}");
        assertEquals("25", next(DEV + "twin/update/delta").path("delta").path("setpoint").asText());
        publish(mapper, DEV + "twin/get", "{\"event_id\":\"g-1\"}");
        JsonNode got = next(DEV + "twin/get/result");
        assertEquals("21.5", got.path("twin").path("temperature").path("actual").path("value").asText());
        assertEquals("25", got.path("twin").path("setpoint").path("expected").path("value").asText());
    }

    @Test
    void unknownDevicesGet404AndMalformedJsonGets400() throws Exception {
        publish(mapper, "$hw/events/device/plant/ghost/twin/update", "{\"event_id\":\"e-404\",\"twin\":{\"temperature\":{\"actual\":{\"value\":\"1\"}}}}");
        JsonNode nf = next("$hw/events/device/plant/ghost/twin/update/result");
        assertEquals(404, nf.path("code").asInt());
        assertEquals("e-404", nf.path("event_id").asText());
        assertTrue(nf.path("reason").asText().contains("plant/ghost"), nf.toString());

        publish(mapper, DEV + "twin/update", "{\"event_id\": \"e-400\", \"twin\": {\"temperature\": ");
        JsonNode bad = next(DEV + "twin/update/result");
        assertEquals(400, bad.path("code").asInt());
        assertTrue(bad.path("reason").asText().startsWith("the payload is not JSON"), bad.toString());

        publish(mapper, DEV + "twin/update", "{\"event_id\":\"e-range\",\"twin\":{\"setpoint\":{\"expected\":{\"value\":\"99\"}}}}");
        JsonNode range = next(DEV + "twin/update/result");
        assertEquals(400, range.path("code").asInt());
        assertTrue(range.path("reason").asText().contains("[5, 30]"), range.toString());
    }

    @Test
    void anotherNodesTopicsAndTheGatewaysOwnTopicsAreRefused() throws Exception {
        BlockingQueue<String> spy = new LinkedBlockingQueue<>();
        broker.subscribe("$hw/events/node/#", (t, p) -> spy.add(t));
        broker.subscribe(DEV + "twin/update/delta", (t, p) -> spy.add(t));
        MqttAsyncClient rogue = connectAsync("rogue", null, null);
        assertEquals(0x87, pubAckReason(rogue, "$hw/events/node/gw-other/membership/get"), "not authorized");
        // MQTT 5 answers a refused QoS 1 PUBLISH with a reason code and keeps the connection.
        assertTrue(rogue.isConnected());
        assertEquals(0x87, pubAckReason(rogue, "$hw/events/node/gw-it/membership/updated"));
        assertEquals(0x87, pubAckReason(rogue, DEV + "twin/update/delta"));
        rogue.disconnect().waitForCompletion(5000);
        MqttAsyncClient lab = connectAsync("lab-mapper", "lab", "pw");
        assertEquals(0x87, pubAckReason(lab, DEV + "twin/update"), "user lab may act only for lab/*");
        assertEquals(0, pubAckReason(lab, "$hw/events/device/lab/x/twin/update"));
        lab.disconnect().waitForCompletion(5000);
        assertNull(spy.poll(300, TimeUnit.MILLISECONDS), "nothing refused reached a subscriber");
        assertTrue(broker.stats().refused() >= 4);
    }

    @Test
    void membershipGetAndUpdated() throws Exception {
        inventory.add(Fixtures.thermometer("plant", "t2", null));
        JsonNode added = next("$hw/events/node/gw-it/membership/updated");
        assertEquals("plant/t2", added.path("added_devices").get(0).path("id").asText());
        assertEquals("t2", added.path("added_devices").get(0).path("name").asText());
        publish(mapper, "$hw/events/node/gw-it/membership/get", "{\"event_id\":\"m-1\"}");
        JsonNode list = next("$hw/events/node/gw-it/membership/get/result");
        assertEquals("m-1", list.path("event_id").asText());
        assertEquals(2, list.path("devices").size());
        assertNotNull(list.path("devices").get(0).get("last_online"));
    }
}
