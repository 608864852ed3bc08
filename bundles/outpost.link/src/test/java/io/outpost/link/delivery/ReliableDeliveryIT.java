package io.outpost.link.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.TextNode;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.handler.ssl.ClientAuth;
import io.outpost.hub.api.LinkStatus;
import io.outpost.hub.api.Message;
import io.outpost.hub.api.NodeSession;
import io.outpost.hub.api.Operations;
import io.outpost.link.hub.BootstrapService;
import io.outpost.link.hub.CloudHubCore;
import io.outpost.link.hub.Dispatcher;
import io.outpost.link.hub.EdgeHubCore;
import io.outpost.link.pki.CertifiedKey;
import io.outpost.link.pki.Pki;
import io.outpost.link.token.JoinToken;
import io.outpost.link.transport.HttpsServer;
import io.outpost.link.transport.Tls;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reliable delivery over the real link: the real {@link CloudHubCore} with the delivery queues
 * wired as the cloud hub component wires them, and real {@link EdgeHubCore}s over TLS whose
 * handler loses deliveries and whose connection goes away in the middle of a batch.
 */
class ReliableDeliveryIT {
    private final NioEventLoopGroup group = new NioEventLoopGroup(2);
    private final ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(2);
    private final byte[] secret = "0123456789abcdef0123456789abcdef".getBytes();
    private CertifiedKey ca;
    private HttpsServer bootstrap;
    private CloudHubCore cloud;
    private DeliveryQueues queues;
    @TempDir
    Path dir;

    /** What the edge "stored": uid → resourceVersion, and how often each message was applied. */
    private final Map<String, String> stored = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> applied = new ConcurrentHashMap<>();
    private final Set<String> seenOnce = ConcurrentHashMap.newKeySet();
    private volatile boolean dropFirst;
    private volatile boolean loseAcks;

    @BeforeEach
    void start() throws Exception {
        ca = Pki.newCa("outpost-test-ca", Duration.ofDays(10));
        CertifiedKey server = Pki.issueServer(ca, "cloudhub", List.of("localhost", "127.0.0.1"), Duration.ofDays(5));
        bootstrap = HttpsServer.bind(group, new InetSocketAddress(0), Tls.server(server, ca.certificate(), ClientAuth.OPTIONAL),
                64 * 1024, Runnable::run, new BootstrapService(ca, jwt -> JoinToken.verify(jwt, secret, Instant.now()), Duration.ofDays(1)));
        queues = new DeliveryQueues(scheduler, (node, m) -> cloud.send(node, m), AckRecord.NONE,
                new DeliveryQueues.Settings(Duration.ofMillis(200), Duration.ofSeconds(1), 8, 10_000));
        Dispatcher dispatcher = (ctx, m) -> m.isResponse() && queues.answered(ctx.nodeName(), m);
        cloud = new CloudHubCore(group, new CloudHubCore.Config(new InetSocketAddress("127.0.0.1", 0), 1 << 20, Duration.ofSeconds(30)),
                Tls.server(server, ca.certificate(), ClientAuth.REQUIRE), dispatcher, new CloudHubCore.SessionListener() {
                    @Override
                    public void connected(NodeSession s) {
                        queues.connected(s.nodeName());
                    }

                    @Override
                    public void disconnected(NodeSession s, String reason) {
                        queues.disconnected(s.nodeName());
                    }
                });
    }

    @AfterEach
    void stop() {
        cloud.close();
        bootstrap.close();
        scheduler.shutdownNow();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }

    /** The edge's pod handler: stores and ACKs, or is not there yet (first delivery), or loses its ACK. */
    private final Dispatcher edgeHandler = (ctx, m) -> {
        String uid = m.content().path("metadata").path("uid").asText();
        if (dropFirst && seenOnce.add(m.id())) {
            return false; // as if the pod manager were not registered yet: nobody stores it, nobody ACKs
        }
        applied.computeIfAbsent(uid + "@" + m.resourceVersion() + ":" + m.operation(), k -> new AtomicInteger()).incrementAndGet();
        if (Operations.DELETE.equals(m.operation())) {
            stored.remove(uid);
        } else {
            stored.put(uid, m.resourceVersion());
        }
        if (!loseAcks) {
            ctx.reply(m.response(TextNode.valueOf("OK")));
        }
        return true;
    };

    private EdgeHubCore edge(String node) {
        return new EdgeHubCore(group, new EdgeHubCore.Config(node, EdgeHubCore.DEFAULT_PROJECT_ID, dir.resolve(node), Duration.ofSeconds(5), 3,
                1 << 20, Duration.ofMillis(100), Duration.ofSeconds(1), 0.8), edgeHandler, new EdgeHubCore.Listener() {
                    @Override
                    public void linkUp() {
                    }

                    @Override
                    public void linkDown(String reason) {
                    }
                });
    }

    private EdgeHubCore joined(String node) throws Exception {
        EdgeHubCore e = edge(node);
        e.join("127.0.0.1", bootstrap.address().getPort(), cloud.address().getPort(),
                JoinToken.create(Pki.caHash(ca.certificate()), secret, "t-" + node, Instant.now(), Instant.now().plusSeconds(3600)));
        await(() -> e.status().state() == LinkStatus.State.CONNECTED, "connected");
        return e;
    }

    private static void await(java.util.function.BooleanSupplier c, String what) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!c.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(20);
        }
    }

    private static String uid(int i) {
        return String.format("00000000-0000-0000-0000-%012d", i);
    }

    @Test
    void everyPodArrivesOnceWhenTheFirstDeliveryFindsNoHandler() throws Exception {
        dropFirst = true;
        try (EdgeHubCore e = joined("gw1")) {
            for (int i = 0; i < 20; i++) {
                queues.enqueue("gw1", DeliveryQueuesTest.pod(Operations.INSERT, "p" + i, uid(i), "10"));
            }
            await(() -> stored.size() == 20 && queues.pending("gw1") == 0, "all 20 pods stored and acknowledged");
            assertTrue(queues.stats().resent() >= 20, "each pod needed a resend: " + queues.stats());
            applied.forEach((k, n) -> assertEquals(1, n.get(), k + " applied more than once"));
        }
    }

    @Test
    void aLostAckMeansAResendThatTheEdgeHubAcknowledgesWithoutApplyingItAgain() throws Exception {
        loseAcks = true;
        try (EdgeHubCore e = joined("gw2")) {
            queues.enqueue("gw2", DeliveryQueuesTest.pod(Operations.INSERT, "a", uid(1), "5"));
            await(() -> stored.containsKey(uid(1)), "stored once");
            loseAcks = false;
            // The resend (same id) reaches the edge hub's stale filter, which ACKs it itself.
            await(() -> queues.pending("gw2") == 0, "acknowledged by the edge hub");
            assertEquals(1, applied.get(uid(1) + "@5:insert").get(), "the duplicate was not applied");
            // An older version arriving late (another cloud replica, a stale cache) is not applied either.
            Message older = DeliveryQueuesTest.pod(Operations.UPDATE, "a", uid(1), "4");
            queues.enqueue("gw2", older); // the cloud drops it already (acknowledged 5) ...
            assertEquals(0, queues.pending("gw2"));
            assertEquals("5", stored.get(uid(1)));
        }
    }

    @Test
    void aDisconnectInTheMiddleOfABatchLosesNothingAndTheLatestVersionsWin() throws Exception {
        Path state;
        EdgeHubCore first = joined("gw3");
        AtomicInteger seen = new AtomicInteger();
        for (int i = 0; i < 30; i++) {
            queues.enqueue("gw3", DeliveryQueuesTest.pod(Operations.INSERT, "p" + i, uid(i), "1"));
        }
        await(() -> stored.size() >= 5, "a part of the batch");
        first.close();
        // While the gateway is away: updates to some, a delete of one.
        for (int i = 0; i < 30; i += 3) {
            queues.enqueue("gw3", DeliveryQueuesTest.pod(Operations.UPDATE, "p" + i, uid(i), "2"));
        }
        queues.enqueue("gw3", DeliveryQueuesTest.pod(Operations.DELETE, "p1", uid(1), "3"));
        try (EdgeHubCore again = edge("gw3")) {
            assertTrue(again.start(), "reconnects from stored credentials");
            await(() -> queues.pending("gw3") == 0, "everything acknowledged");
        }
        assertEquals(29, stored.size(), "p1 was deleted");
        for (int i = 0; i < 30; i++) {
            if (i != 1) {
                assertEquals(i % 3 == 0 ? "2" : "1", stored.get(uid(i)), "p" + i);
            }
        }
    }
}
