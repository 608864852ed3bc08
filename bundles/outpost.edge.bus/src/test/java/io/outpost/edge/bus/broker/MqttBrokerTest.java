package io.outpost.edge.bus.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttSecurityException;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The broker's packet handling, with Paho (MQTT 3.1.1) and hand-written packets. */
class MqttBrokerTest {
    private MqttBroker broker;
    private final List<MqttClient> clients = new CopyOnWriteArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (MqttClient c : clients) {
            try {
                c.disconnectForcibly(100, 100);
                c.close(true);
            } catch (MqttException e) {
                // already gone
            }
        }
        if (broker != null) {
            broker.close();
        }
    }

    private MqttBroker start(BrokerSettings s, Credentials c) throws Exception {
        broker = MqttBroker.start(s, c, PublishPolicy.ALLOW_ALL);
        return broker;
    }

    private MqttClient client(String id, String user, String password) throws MqttException {
        MqttClient c = new MqttClient("tcp://127.0.0.1:" + broker.address().getPort(), id, new MemoryPersistence());
        MqttConnectOptions o = new MqttConnectOptions();
        o.setCleanSession(true);
        if (user != null) {
            o.setUserName(user);
            o.setPassword(password.toCharArray());
        }
        c.connect(o);
        clients.add(c);
        return c;
    }

    @Test
    void publishSubscribeWithWildcardsQosAndRetained() throws Exception {
        start(BrokerSettings.loopback(0), Credentials.parse(null, true));
        MqttClient pub = client("pub", null, null);
        pub.publish("plant/boiler/state", "hot".getBytes(StandardCharsets.UTF_8), 1, true);
        MqttClient sub = client("sub", null, null);
        BlockingQueue<String> got = new LinkedBlockingQueue<>();
        sub.subscribe(new String[] {"plant/+/state", "plant/#"}, new int[] {1, 0}, null);
        sub.setCallback(null);
        sub.subscribe("plant/+/temperature", 1, (t, m) -> got.add(t + "=" + new String(m.getPayload(), StandardCharsets.UTF_8) + "@" + m.getQos()
                + (m.isRetained() ? "r" : "")));
        sub.subscribe("retained/#", 0, (t, m) -> got.add("unexpected " + t));
        sub.subscribe("plant/boiler/state", 1, (t, m) -> got.add(t + "=" + new String(m.getPayload(), StandardCharsets.UTF_8) + (m.isRetained() ? "r" : "")));
        assertEquals("plant/boiler/state=hotr", got.poll(5, TimeUnit.SECONDS), "the retained message is delivered on subscribe");
        pub.publish("plant/boiler/temperature", "80".getBytes(StandardCharsets.UTF_8), 1, false);
        pub.publish("plant/boiler/pressure", "2".getBytes(StandardCharsets.UTF_8), 0, false);
        assertEquals("plant/boiler/temperature=80@1", got.poll(5, TimeUnit.SECONDS));
        pub.publish("plant/boiler/temperature", "81".getBytes(StandardCharsets.UTF_8), 0, false);
        assertEquals("plant/boiler/temperature=81@0", got.poll(5, TimeUnit.SECONDS), "delivered at the lower of the two QoS");
        sub.unsubscribe("plant/+/temperature");
        pub.publish("plant/boiler/temperature", "82".getBytes(StandardCharsets.UTF_8), 1, false);
        pub.publish("plant/boiler/state", new byte[0], 1, true);
        assertEquals("plant/boiler/state=", got.poll(5, TimeUnit.SECONDS), "an empty retained message reaches subscribers");
        MqttClient late = client("late", null, null);
        late.subscribe("plant/boiler/state", 1, (t, m) -> got.add("still retained"));
        assertEquals(null, got.poll(500, TimeUnit.MILLISECONDS), "unsubscribed, and the empty retained message cleared it");
    }

    @Test
    void inProcessBusSeesClientsAndClientsSeeIt() throws Exception {
        start(BrokerSettings.loopback(0), Credentials.parse(null, true));
        BlockingQueue<String> local = new LinkedBlockingQueue<>();
        broker.subscribe("app/#", (t, p) -> local.add(t + "=" + new String(p, StandardCharsets.UTF_8)));
        MqttClient c = client("c", null, null);
        BlockingQueue<String> remote = new LinkedBlockingQueue<>();
        c.subscribe("gw/#", 1, (t, m) -> remote.add(t + "=" + new String(m.getPayload(), StandardCharsets.UTF_8)));
        c.publish("app/x", "1".getBytes(StandardCharsets.UTF_8), 1, false);
        broker.publish("gw/y", "2".getBytes(StandardCharsets.UTF_8), 1, false);
        assertEquals("app/x=1", local.poll(5, TimeUnit.SECONDS));
        assertEquals("gw/y=2", remote.poll(5, TimeUnit.SECONDS));
    }

    @Test
    void willIsPublishedWhenAClientDropsWithoutDisconnect() throws Exception {
        start(BrokerSettings.loopback(0), Credentials.parse(null, true));
        BlockingQueue<String> got = new LinkedBlockingQueue<>();
        broker.subscribe("mappers/+/status", (t, p) -> got.add(t + "=" + new String(p, StandardCharsets.UTF_8)));
        try (RawClient raw = new RawClient(broker.address())) {
            assertEquals(0, raw.connect(4, "modbus-mapper", "mappers/modbus/status", "gone"));
        }
        assertEquals("mappers/modbus/status=gone", got.poll(5, TimeUnit.SECONDS));
    }

    @Test
    void aPacketAboveTheSizeCapClosesTheConnection() throws Exception {
        start(new BrokerSettings("127.0.0.1", 0, 1024, 8, 1000, 1000, 10, 10), Credentials.parse(null, true));
        try (RawClient raw = new RawClient(broker.address())) {
            assertEquals(0, raw.connect(4, "big", null, null));
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            RawClient.str(body, "t");
            body.writeBytes(new byte[2000]);
            raw.write(RawClient.packet(0x30, body.toByteArray()));
            assertTrue(raw.closedByBroker());
        }
        assertEquals(1, broker.stats().tooLarge());
        // MQTT 5 clients are told why: DISCONNECT with reason 0x95 (packet too large).
        try (RawClient raw = new RawClient(broker.address())) {
            assertEquals(0, raw.connect(5, "big5", null, null));
            // Only the start is sent: a client announcing 10 MB is refused before it sends them.
            raw.write(new byte[] {0x30, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x05, 0x00, 0x01, 't', 0x00});
            int[] p = raw.readPacket();
            assertEquals(0xE0, p[0], "DISCONNECT");
            assertEquals(0x95, p[2]);
            assertTrue(raw.closedByBroker());
        }
        assertEquals(2, broker.stats().tooLarge());
    }

    @Test
    void malformedPacketsCloseTheConnectionAndNothingElse() throws Exception {
        start(BrokerSettings.loopback(0), Credentials.parse(null, true));
        try (RawClient raw = new RawClient(broker.address())) {
            raw.write(new byte[] {0x00, 0x00}); // packet type 0 is reserved
            assertTrue(raw.closedByBroker());
        }
        try (RawClient raw = new RawClient(broker.address())) {
            raw.write(new byte[] {(byte) 0xC0, 0x00}); // PINGREQ before CONNECT
            assertTrue(raw.closedByBroker());
        }
        try (RawClient raw = new RawClient(broker.address())) {
            assertEquals(0, raw.connect(4, "m", null, null));
            raw.write(new byte[] {(byte) 0x80, 0x05, 0x00, 0x01, 0x00, 0x01, 0x61}); // SUBSCRIBE with wrong flags
            assertTrue(raw.closedByBroker());
        }
        try (RawClient raw = new RawClient(broker.address())) {
            assertEquals(0, raw.connect(4, "m2", null, null));
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            RawClient.str(body, "a/+/b");
            raw.write(RawClient.packet(0x30, body.toByteArray())); // a wildcard in a topic name
            assertTrue(raw.closedByBroker());
        }
        try (RawClient raw = new RawClient(broker.address())) {
            raw.write(RawClient.packet(0x10, new byte[] {0x00, 0x04, 'M', 'Q', 'T', 'T', 0x09, 0x02, 0x00, 0x3c, 0x00, 0x00}));
            int[] p = raw.readPacket();
            assertEquals(0x20, p[0]);
            assertEquals(0x01, p[3], "unacceptable protocol version");
            assertTrue(raw.closedByBroker());
        }
        assertTrue(broker.stats().malformed() >= 5, broker.stats().toString());
        // The broker still serves everybody else.
        MqttClient c = client("fine", null, null);
        c.publish("x", new byte[] {1}, 1, false);
    }

    @Test
    void usersAreRequiredWhenAnonymousIsOff() throws Exception {
        start(BrokerSettings.loopback(0), Credentials.parse(new String[] {"mapper:pw"}, false));
        MqttSecurityException none = assertThrows(MqttSecurityException.class, () -> client("a", null, null));
        assertEquals(MqttException.REASON_CODE_NOT_AUTHORIZED, none.getReasonCode());
        MqttSecurityException wrong = assertThrows(MqttSecurityException.class, () -> client("b", "mapper", "nope"));
        assertEquals(MqttException.REASON_CODE_FAILED_AUTHENTICATION, wrong.getReasonCode());
        client("c", "mapper", "pw").publish("x", new byte[] {1}, 1, false);
        assertEquals(1, broker.stats().clients());
    }

    @Test
    void anOpenListenerOffLoopbackIsRefused() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> start(new BrokerSettings("0.0.0.0", 0, 65536, 8, 100, 100, 10, 10), Credentials.parse(null, true)));
        assertTrue(e.getMessage().contains("configure users"), e.getMessage());
    }

    @Test
    void aFloodingClientIsSlowedAndOthersAreNotStarved() throws Exception {
        start(new BrokerSettings("127.0.0.1", 0, 65536, 8, 50, 50, 10, 10), Credentials.parse(null, true));
        AtomicInteger flood = new AtomicInteger();
        BlockingQueue<String> other = new LinkedBlockingQueue<>();
        broker.subscribe("flood/#", (t, p) -> flood.incrementAndGet());
        broker.subscribe("other/#", (t, p) -> other.add(t));
        MqttClient flooder = client("flooder", null, null);
        Thread t = new Thread(() -> {
            try {
                for (int i = 0; i < 2000; i++) {
                    flooder.publish("flood/x", new byte[16], 0, false);
                }
            } catch (MqttException e) {
                // closed at the end of the test
            }
        });
        t.setDaemon(true);
        t.start();
        while (flood.get() < 60) {
            Thread.sleep(10);
        }
        client("quiet", null, null).publish("other/y", new byte[] {1}, 1, false);
        assertEquals("other/y", other.poll(10, TimeUnit.SECONDS));
        int seen = flood.get();
        assertTrue(seen < 2000, "the flooder was slowed to its rate: " + seen + " of 2000 through");
    }

    @Test
    void qos1LosesNothingToASlowSubscriberAndAStuckOneBlocksNobody() throws Exception {
        start(new BrokerSettings("127.0.0.1", 0, 65536, 8, 1_000_000, 1_000_000, 10, 10), Credentials.parse(null, true));
        try (RawClient stuck = new RawClient(broker.address())) {
            assertEquals(0, stuck.connect(4, "stuck", null, null));
            ByteArrayOutputStream sub = new ByteArrayOutputStream();
            sub.write(0);
            sub.write(1);
            RawClient.str(sub, "data/#");
            sub.write(1);
            stuck.write(RawClient.packet(0x82, sub.toByteArray())); // subscribes, then never reads nor acknowledges
            AtomicInteger got = new AtomicInteger();
            MqttClient reader = client("reader", null, null);
            reader.subscribe("data/#", 1, (t, m) -> got.incrementAndGet());
            MqttClient pub = client("pub", null, null);
            long t0 = System.nanoTime();
            for (int i = 0; i < 11_000; i++) {
                while (true) {
                    try {
                        pub.publish("data/x", new byte[64], 1, false);
                        break;
                    } catch (MqttException e) {
                        if (e.getReasonCode() != MqttException.REASON_CODE_MAX_INFLIGHT) {
                            throw e;
                        }
                        Thread.sleep(1); // Paho's own window (10 by default) is full: wait for acknowledgements
                    }
                }
            }
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (got.get() < 11_000 && System.nanoTime() < end) {
                Thread.sleep(20);
            }
            assertEquals(11_000, got.get(), "every QoS 1 message reached the subscriber that reads");
            assertTrue(broker.stats().dropped() > 0, "the stuck client's overflow was dropped, not kept: " + broker.stats());
            System.out.printf("11000 QoS 1 messages past a stuck subscriber in %.1f s%n", (System.nanoTime() - t0) / 1e9);
        }
    }
}
