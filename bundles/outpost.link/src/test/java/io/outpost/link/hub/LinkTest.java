package io.outpost.link.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.TextNode;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.handler.ssl.ClientAuth;
import io.outpost.hub.api.LinkException;
import io.outpost.hub.api.LinkStatus;
import io.outpost.hub.api.Message;
import io.outpost.hub.api.NodeSession;
import io.outpost.hub.api.Operations;
import io.outpost.link.pki.CertifiedKey;
import io.outpost.link.pki.Pki;
import io.outpost.link.token.JoinToken;
import io.outpost.link.token.TokenException;
import io.outpost.link.transport.HttpsServer;
import io.outpost.link.transport.Tls;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The whole link over real TLS sockets on loopback: join, connect, messages, refusals. */
class LinkTest {
    private final NioEventLoopGroup group = new NioEventLoopGroup(2);
    private final byte[] secret = "0123456789abcdef0123456789abcdef".getBytes();
    private final Set<String> revoked = ConcurrentHashMap.newKeySet();
    private final BlockingQueue<Message> cloudInbox = new LinkedBlockingQueue<>();
    private final BlockingQueue<String> sessionEvents = new LinkedBlockingQueue<>();
    private CertifiedKey ca;
    private HttpsServer bootstrap;
    private CloudHubCore cloud;
    @TempDir
    Path dir;

    @BeforeEach
    void startCloud() throws Exception {
        ca = Pki.newCa("outpost-test-ca", Duration.ofDays(10));
        CertifiedKey server = Pki.issueServer(ca, "cloudhub", List.of("localhost", "127.0.0.1"), Duration.ofDays(5));
        BootstrapService svc = new BootstrapService(ca, jwt -> {
            String id = JoinToken.verify(jwt, secret, Instant.now());
            if (revoked.contains(id)) {
                throw new TokenException(TokenException.Reason.REVOKED, "token " + id + " was revoked");
            }
        }, Duration.ofDays(1));
        bootstrap = HttpsServer.bind(group, new InetSocketAddress(0), Tls.server(server, ca.certificate(), ClientAuth.OPTIONAL),
                64 * 1024, Runnable::run, svc);
        cloud = new CloudHubCore(group, new CloudHubCore.Config(new InetSocketAddress("127.0.0.1", 0), 4096, Duration.ofSeconds(30)),
                Tls.server(server, ca.certificate(), ClientAuth.REQUIRE), (ctx, m) -> {
                    cloudInbox.add(m);
                    if ("echo".equals(m.group())) {
                        ctx.reply(m.response(TextNode.valueOf("OK:" + ctx.nodeName())));
                        return true;
                    }
                    if ("boom".equals(m.group())) {
                        throw new IllegalArgumentException("content must be an object");
                    }
                    return "test".equals(m.group());
                }, new CloudHubCore.SessionListener() {
                    @Override
                    public void connected(NodeSession s) {
                        sessionEvents.add("up:" + s.nodeName());
                    }

                    @Override
                    public void disconnected(NodeSession s, String reason) {
                        sessionEvents.add("down:" + s.nodeName());
                    }
                });
    }

    @AfterEach
    void stop() {
        cloud.close();
        bootstrap.close();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }

    private String token(Duration ttl, String id) {
        return JoinToken.create(Pki.caHash(ca.certificate()), secret, id, Instant.now(), Instant.now().plus(ttl));
    }

    private EdgeHubCore edge(String node, Path state) {
        return new EdgeHubCore(group, new EdgeHubCore.Config(node, EdgeHubCore.DEFAULT_PROJECT_ID, state, Duration.ofMillis(300), 3, 4096,
                Duration.ofMillis(100), Duration.ofSeconds(2), 0.8), (ctx, m) -> false, new EdgeHubCore.Listener() {
                    @Override
                    public void linkUp() {
                    }

                    @Override
                    public void linkDown(String reason) {
                    }
                });
    }

    private static void await(java.util.function.BooleanSupplier cond, String what) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!cond.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(20);
        }
    }

    @Test
    void joinConnectExchangeAndReconnectWithoutNewJoin() throws Exception {
        Path state = dir.resolve("edge1");
        try (EdgeHubCore edge = edge("edge1", state)) {
            edge.join("127.0.0.1", bootstrap.address().getPort(), cloud.address().getPort(), token(Duration.ofHours(1), "t1"));
            await(() -> edge.status().state() == LinkStatus.State.CONNECTED, "connected");
            assertEquals("up:edge1", sessionEvents.poll(5, TimeUnit.SECONDS));
            assertEquals(Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE),
                    Files.getPosixFilePermissions(state.resolve("node.key")), "the private key must be owner-only");

            Message reply = edge.request(Message.builder().source("edged").group("echo").operation("query")
                    .resource("default/thing/x").build(), Duration.ofSeconds(5)).toCompletableFuture().get(5, TimeUnit.SECONDS);
            assertEquals("OK:edge1", reply.content().asText());
            Message seen = cloudInbox.poll(5, TimeUnit.SECONDS);
            assertEquals("node/edge1/default/thing/x", seen.resource(), "the cloud adds the node prefix");

            // keepalives flow; latency gets measured by the pong
            await(() -> edge.status().latencyMillis() >= 0, "a measured round trip");
            // and the cloud measures its own with a WebSocket ping when the session opens
            await(() -> cloud.session("edge1").map(s -> s.latencyMillis() >= 0).orElse(false), "the cloud's measured round trip");
            assertTrue(cloud.session("edge1").orElseThrow().latencyMillis() < 5000);
            assertNotNull(edge.status().certificateExpiry());

            // a handler failure comes back as an error response, the link stays up
            Message err = edge.request(Message.builder().group("boom").operation("update").resource("default/x/y").build(),
                    Duration.ofSeconds(5)).toCompletableFuture().get(5, TimeUnit.SECONDS);
            assertEquals(Operations.ERROR, err.operation());
            assertTrue(err.content().asText().contains("content must be an object"));
            Message unknown = edge.request(Message.builder().group("nosuch").operation("frobnicate").resource("default/x/y").build(),
                    Duration.ofSeconds(5)).toCompletableFuture().get(5, TimeUnit.SECONDS);
            assertTrue(unknown.content().asText().contains("no handler for group 'nosuch'"), unknown.content().asText());

            // a node cannot speak about another node
            Message foreign = edge.request(Message.builder().group("test").operation("update").resource("node/other/default/pod/p").build(),
                    Duration.ofSeconds(5)).toCompletableFuture().get(5, TimeUnit.SECONDS);
            assertTrue(foreign.content().asText().contains("cannot send messages about node other"));
        }
        assertEquals("down:edge1", sessionEvents.poll(5, TimeUnit.SECONDS));

        // restart from the stored credentials: no join needed
        try (EdgeHubCore again = edge("edge1", state)) {
            assertTrue(again.start());
            await(() -> again.status().state() == LinkStatus.State.CONNECTED, "reconnected from stored credentials");
        }
    }

    @Test
    void halfOpenConnectionIsDetectedAndReplaced() throws Exception {
        try (FreezingProxy proxy = new FreezingProxy(cloud.address().getPort()); EdgeHubCore edge = edge("edge5", dir.resolve("edge5"))) {
            // the hub port goes through the proxy; keepalive 300 ms, 3 missed -> ~0.9 s to notice
            edge.join("127.0.0.1", bootstrap.address().getPort(), proxy.port(), token(Duration.ofHours(1), "t5"));
            await(() -> edge.status().state() == LinkStatus.State.CONNECTED, "connected through the proxy");
            assertEquals("up:edge5", sessionEvents.poll(5, TimeUnit.SECONDS));
            proxy.freeze();
            await(() -> edge.status().state() != LinkStatus.State.CONNECTED, "the silent link is taken for half-open");
            assertTrue(edge.status().lastError().contains("half-open"), edge.status().lastError());
            proxy.thaw();
            await(() -> edge.status().state() == LinkStatus.State.CONNECTED, "a new connection replaces it");
        }
    }

    @Test
    void reconnectsWhenTheCloudComesBack() throws Exception {
        try (EdgeHubCore edge = edge("edge4", dir.resolve("edge4"))) {
            edge.join("127.0.0.1", bootstrap.address().getPort(), cloud.address().getPort(), token(Duration.ofHours(1), "t4"));
            await(() -> edge.status().state() == LinkStatus.State.CONNECTED, "connected");
            int port = cloud.address().getPort();
            cloud.close();
            await(() -> edge.status().state() != LinkStatus.State.CONNECTED, "link noticed as lost");
            CertifiedKey server = Pki.issueServer(ca, "cloudhub", List.of("localhost", "127.0.0.1"), Duration.ofDays(5));
            cloud = new CloudHubCore(group, new CloudHubCore.Config(new InetSocketAddress("127.0.0.1", port), 4096, Duration.ofSeconds(30)),
                    Tls.server(server, ca.certificate(), ClientAuth.REQUIRE), (ctx, m) -> true, new CloudHubCore.SessionListener() {
                        @Override
                        public void connected(NodeSession s) {
                            sessionEvents.add("up-again:" + s.nodeName());
                        }

                        @Override
                        public void disconnected(NodeSession s, String reason) {
                        }
                    });
            await(() -> sessionEvents.contains("up-again:edge4"), "reconnected to the new cloud");
            await(() -> edge.status().state() == LinkStatus.State.CONNECTED, "connected again");
        }
    }

    @Test
    void renewalKeepsTheSessionAndIssuesANewCertificate() throws Exception {
        try (EdgeHubCore edge = edge("edge2", dir.resolve("edge2"))) {
            edge.join("localhost", bootstrap.address().getPort(), cloud.address().getPort(), token(Duration.ofHours(1), "t2"));
            await(() -> edge.status().state() == LinkStatus.State.CONNECTED, "connected");
            Instant before = edge.status().certificateExpiry();
            Thread.sleep(1100);
            edge.renewCertificate();
            assertTrue(edge.status().certificateExpiry().isAfter(before));
            assertEquals(LinkStatus.State.CONNECTED, edge.status().state(), "renewal does not drop the session");
        }
    }

    @Test
    void joinRefusalsSayWhatIsWrong() throws Exception {
        EdgeHubCore edge = edge("edge3", dir.resolve("edge3"));
        int bp = bootstrap.address().getPort();
        int hp = cloud.address().getPort();
        assertMessage(() -> edge.join("127.0.0.1", bp, hp, ""), "no join token");
        assertMessage(() -> edge.join("127.0.0.1", bp, hp, "garbage"), "malformed");
        assertMessage(() -> edge.join("127.0.0.1", bp, hp, token(Duration.ofSeconds(-5), "old")), "expired");
        revoked.add("rev");
        assertMessage(() -> edge.join("127.0.0.1", bp, hp, token(Duration.ofHours(1), "rev")), "403");
        String otherCa = Pki.caHash(Pki.newCa("other", Duration.ofDays(1)).certificate());
        assertMessage(() -> edge.join("127.0.0.1", bp, hp,
                JoinToken.create(otherCa, secret, "x", Instant.now(), Instant.now().plusSeconds(60))), "token was made by another cloud");
        String forged = JoinToken.create(Pki.caHash(ca.certificate()), "another-secret-another-secret-xx".getBytes(), "f",
                Instant.now(), Instant.now().plusSeconds(60));
        assertMessage(() -> edge.join("127.0.0.1", bp, hp, forged), "not issued by this cloud");
        int closedPort;
        try (var s = new java.net.ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        assertMessage(() -> edge.join("127.0.0.1", closedPort, hp, token(Duration.ofHours(1), "u")), "cannot reach");
        // the bootstrap certificate does not list this name
        assertMessage(() -> edge.join("127.0.0.2", bp, hp, token(Duration.ofHours(1), "san")), "not valid for '127.0.0.2'");
        assertFalse(edge.joined());
        edge.close();
    }

    private static void assertMessage(org.junit.jupiter.api.function.Executable e, String expected) {
        LinkException ex = assertThrows(LinkException.class, e);
        assertTrue(ex.getMessage().contains(expected), "expected '" + expected + "' in: " + ex.getMessage());
    }
}
