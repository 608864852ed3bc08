package io.outpost.edge.bus.paho;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.outpost.edge.bus.broker.BrokerSettings;
import io.outpost.edge.bus.broker.Credentials;
import io.outpost.edge.bus.broker.MqttBroker;
import io.outpost.edge.bus.broker.PublishPolicy;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The gateway's client side (external broker mode, MQTT push) against a real broker: ours, on a random port, with a user. */
class PahoBusTest {
    private MqttBroker broker;
    private String uri;

    @BeforeEach
    void start() throws Exception {
        broker = MqttBroker.start(BrokerSettings.loopback(0), Credentials.parse(new String[] {"gw:pw"}, false), PublishPolicy.ALLOW_ALL);
        uri = "tcp://127.0.0.1:" + broker.address().getPort();
    }

    @AfterEach
    void stop() {
        broker.close();
    }

    @Test
    void publishesAndHearsThroughTheExternalBroker() throws Exception {
        BlockingQueue<String> atBroker = new LinkedBlockingQueue<>();
        broker.subscribe("from-gw/#", (t, p) -> atBroker.add(t + "=" + new String(p, StandardCharsets.UTF_8)));
        try (PahoBus bus = new PahoBus(uri, "gw-test", "gw", "pw")) {
            // Published before the connection is up: kept and sent once connected.
            bus.publish("from-gw/early", "1".getBytes(StandardCharsets.UTF_8), 1, false);
            BlockingQueue<String> heard = new LinkedBlockingQueue<>();
            bus.subscribe("to-gw/+", (t, p) -> heard.add(t + "=" + new String(p, StandardCharsets.UTF_8)));
            assertEquals("from-gw/early=1", atBroker.poll(10, TimeUnit.SECONDS));
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (broker.stats().clients() < 1 && System.nanoTime() < end) {
                Thread.sleep(20);
            }
            // The subscription is made once connected; retry the publish until it is heard.
            String got = null;
            for (int i = 0; i < 50 && got == null; i++) {
                broker.publish("to-gw/x", "2".getBytes(StandardCharsets.UTF_8), 1, false);
                got = heard.poll(200, TimeUnit.MILLISECONDS);
            }
            assertEquals("to-gw/x=2", got);
            bus.publish("from-gw/late", "3".getBytes(StandardCharsets.UTF_8), 0, false);
            assertEquals("from-gw/late=3", atBroker.poll(10, TimeUnit.SECONDS));
        }
    }

    @Test
    void pushGoesToTheBrokerNamedByTheProperty() throws Exception {
        // Push targets are brokers that take anonymous clients (credentials for them are not done yet).
        try (MqttBroker open = MqttBroker.start(BrokerSettings.loopback(0), Credentials.parse(null, true), PublishPolicy.ALLOW_ALL);
                PahoPush push = new PahoPush("gw-test")) {
            BlockingQueue<String> pushed = new LinkedBlockingQueue<>();
            open.subscribe("plant/#", (t, p) -> pushed.add(t + "=" + new String(p, StandardCharsets.UTF_8)));
            push.push("tcp://127.0.0.1:" + open.address().getPort(), "plant/t1/temperature", "{\"v\":1}".getBytes(StandardCharsets.UTF_8), 1, false);
            assertEquals("plant/t1/temperature={\"v\":1}", pushed.poll(10, TimeUnit.SECONDS));
            push.push("no-scheme-here", "plant/x", new byte[] {1}, 0, false); // logged, nothing thrown
        }
    }

    @Test
    void aBadUriSaysWhatIsExpected() {
        var e = assertThrows(IllegalArgumentException.class, () -> new PahoBus("http://x", "c", "", ""));
        assertTrue(e.getMessage().contains("tcp://host:port"), e.getMessage());
    }
}
