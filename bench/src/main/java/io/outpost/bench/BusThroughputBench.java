package io.outpost.bench;

import io.outpost.edge.bus.broker.BrokerSettings;
import io.outpost.edge.bus.broker.Credentials;
import io.outpost.edge.bus.broker.MqttBroker;
import io.outpost.edge.bus.kubeedge.KubeEdgeAcl;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.LocalDate;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

/**
 * Messages per second through the gateway's embedded broker ({@code outpost.edge.bus}), from one
 * publisher to one subscriber, both Eclipse Paho (MQTT 3.1.1) clients over loopback TCP, QoS 0
 * and 1. The broker runs with the KubeEdge ACL (every PUBLISH is checked); the per-client rate
 * limit is lifted for the capacity rows and left at its default (1000/s, burst 2000) for the last
 * rows, to show what one mapper gets out of the box. Not a test: it prints a table and appends it
 * to bench/results/bus-throughput-&lt;date&gt;.md.
 */
public final class BusThroughputBench {
    private record Row(String limit, int qos, int payload, int sent, long received, double seconds) {
        double rate() {
            return received / seconds;
        }
    }

    public static void main(String[] args) throws Exception {
        int messages = args.length > 0 ? Integer.parseInt(args[0]) : 50_000;
        List<Row> rows = new ArrayList<>();
        BrokerSettings open = new BrokerSettings("127.0.0.1", 0, 64 * 1024, 64, 100_000_000, 100_000_000, 10_000, 100);
        BrokerSettings dflt = new BrokerSettings("127.0.0.1", 0, 64 * 1024, 64, 1000, 2000, 10_000, 100);
        // Warm-up (JIT), not reported.
        run(open, "warm-up", 0, 64, Math.min(messages, 20_000));
        run(open, "warm-up", 1, 64, Math.min(messages, 10_000));
        for (int payload : new int[] {64, 1024}) {
            for (int qos : new int[] {0, 1}) {
                rows.add(run(open, "lifted", qos, payload, messages));
            }
        }
        rows.add(run(dflt, "default 1000/s", 0, 64, 10_000));
        rows.add(run(dflt, "default 1000/s", 1, 64, 10_000));
        String table = table(rows, messages);
        System.out.println(table);
        Path out = Path.of("bench/results/bus-throughput-" + LocalDate.now() + ".md");
        Files.createDirectories(out.getParent());
        Files.writeString(out, table + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        System.out.println("written to " + out);
    }

    private static Row run(BrokerSettings s, String limit, int qos, int payloadBytes, int n) throws Exception {
        try (MqttBroker broker = MqttBroker.start(s, Credentials.parse(null, true), new KubeEdgeAcl("bench"))) {
            String uri = "tcp://127.0.0.1:" + broker.address().getPort();
            AtomicLong received = new AtomicLong();
            AtomicLong last = new AtomicLong();
            CountDownLatch done = new CountDownLatch(1);
            MqttAsyncClient sub = client(uri, "sub");
            sub.setCallback(new MqttCallback() {
                @Override
                public void connectionLost(Throwable cause) {
                }

                @Override
                public void messageArrived(String topic, MqttMessage message) {
                    last.set(System.nanoTime());
                    if (received.incrementAndGet() == n) {
                        done.countDown();
                    }
                }

                @Override
                public void deliveryComplete(IMqttDeliveryToken token) {
                }
            });
            sub.subscribe("$hw/events/device/+/+/twin/update", qos).waitForCompletion(5000);
            MqttAsyncClient pub = client(uri, "pub");
            byte[] payload = new byte[payloadBytes];
            String topic = "$hw/events/device/default/bench-1/twin/update";
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                while (true) {
                    try {
                        pub.publish(topic, payload, qos, false);
                        break;
                    } catch (MqttException e) {
                        if (e.getReasonCode() != MqttException.REASON_CODE_MAX_INFLIGHT) {
                            throw e;
                        }
                        Thread.onSpinWait();
                    }
                }
            }
            // QoS 0 may lose messages to a slow subscriber (the broker drops rather than buffers): stop when nothing arrives for 2 s.
            long before = -1;
            while (!done.await(2, TimeUnit.SECONDS) && received.get() != before) {
                before = received.get();
            }
            double secs = (last.get() - t0) / 1e9;
            pub.disconnect().waitForCompletion(5000);
            sub.disconnect().waitForCompletion(5000);
            pub.close();
            sub.close();
            return new Row(limit, qos, payloadBytes, n, received.get(), secs);
        }
    }

    private static MqttAsyncClient client(String uri, String id) throws MqttException {
        MqttAsyncClient c = new MqttAsyncClient(uri, id, new MemoryPersistence());
        MqttConnectOptions o = new MqttConnectOptions();
        o.setCleanSession(true);
        o.setMaxInflight(1000);
        c.connect(o).waitForCompletion(5000);
        return c;
    }

    private static String table(List<Row> rows, int messages) throws IOException {
        StringBuilder b = new StringBuilder();
        b.append("## Event bus throughput, ").append(ZonedDateTime.now().withNano(0)).append("\n\n");
        b.append("One Paho publisher → embedded broker (KubeEdge ACL on every PUBLISH) → one Paho subscriber, loopback TCP; ")
                .append(Runtime.getRuntime().availableProcessors()).append(" cores, Java ").append(System.getProperty("java.version"))
                .append(". Command: bench/run-bus-throughput.sh ").append(messages).append("\n\n");
        b.append("| rate limit | QoS | payload (B) | sent | received | seconds | messages/s |\n|---|---|---|---|---|---|---|\n");
        for (Row r : rows) {
            b.append(String.format("| %s | %d | %d | %d | %d | %.2f | %,.0f |%n", r.limit(), r.qos(), r.payload(), r.sent(), r.received(), r.seconds(),
                    r.rate()));
        }
        return b.toString();
    }
}
