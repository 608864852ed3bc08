package io.outpost.link.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.handler.ssl.ClientAuth;
import io.outpost.hub.api.Message;
import io.outpost.hub.api.NodeSession;
import io.outpost.hub.api.Operations;
import io.outpost.link.pki.CertifiedKey;
import io.outpost.link.pki.Pki;
import io.outpost.link.transport.LinkClient;
import io.outpost.link.transport.LinkConnection;
import io.outpost.link.transport.LinkEndpoint;
import io.outpost.link.transport.Tls;
import io.outpost.link.codec.MessageCodec;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What the cloud hub refuses, and that it survives each refusal. */
class CloudHubRefusalTest {
    private final NioEventLoopGroup group = new NioEventLoopGroup(2);
    private final BlockingQueue<String> events = new LinkedBlockingQueue<>();
    private final BlockingQueue<byte[]> received = new LinkedBlockingQueue<>();
    private CertifiedKey ca;
    private CloudHubCore cloud;
    private final MessageCodec codec = new MessageCodec(4096);

    @BeforeEach
    void start() throws Exception {
        ca = Pki.newCa("ca", Duration.ofDays(1));
        CertifiedKey server = Pki.issueServer(ca, "cloudhub", List.of("localhost"), Duration.ofDays(1));
        cloud = new CloudHubCore(group, new CloudHubCore.Config(new InetSocketAddress("127.0.0.1", 0), 4096, Duration.ofSeconds(30)),
                Tls.server(server, ca.certificate(), ClientAuth.REQUIRE), (ctx, m) -> "test".equals(m.group()),
                new CloudHubCore.SessionListener() {
                    @Override
                    public void connected(NodeSession s) {
                        events.add("up:" + s.nodeName());
                    }

                    @Override
                    public void disconnected(NodeSession s, String reason) {
                        events.add("down:" + s.nodeName() + ":" + reason);
                    }
                });
    }

    @AfterEach
    void stop() {
        cloud.close();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }

    private CertifiedKey nodeCert(CertifiedKey issuer, String node) throws Exception {
        var kp = Pki.newKeyPair();
        var cert = Pki.signNodeCsr(issuer, Pki.newNodeCsr(kp, node), node, Duration.ofHours(1));
        return new CertifiedKey(kp.getPrivate(), cert);
    }

    private LinkClient.ClientConnection connect(CertifiedKey cred, String pathNode) throws Exception {
        URI uri = URI.create("wss://localhost:" + cloud.address().getPort() + "/p/" + pathNode + "/events");
        return LinkClient.connect(group, uri, Tls.client(cred, ca.certificate()), pathNode, Map.of(), 1 << 20,
                Duration.ZERO, Duration.ofSeconds(30), Duration.ofSeconds(5), new LinkEndpoint() {
                    @Override
                    public void opened(LinkConnection c) {
                    }

                    @Override
                    public void received(LinkConnection c, byte[] frame) {
                        received.add(frame);
                    }

                    @Override
                    public void closed(LinkConnection c, String reason) {
                        events.add("client-closed:" + reason);
                    }
                }).get(10, TimeUnit.SECONDS);
    }

    private String failure(CertifiedKey cred, String pathNode) {
        try {
            connect(cred, pathNode);
            return "connected";
        } catch (ExecutionException e) {
            return e.getCause().getMessage();
        } catch (Exception e) {
            return e.toString();
        }
    }

    @Test
    void sessionsBeyondTheLimitAreRefusedButANodeMayReplaceItsOwn() throws Exception {
        cloud.close();
        CertifiedKey server = Pki.issueServer(ca, "cloudhub", List.of("localhost"), Duration.ofDays(1));
        cloud = new CloudHubCore(group, new CloudHubCore.Config(new InetSocketAddress("127.0.0.1", 0), 4096, Duration.ofSeconds(30), 1),
                Tls.server(server, ca.certificate(), ClientAuth.REQUIRE), (ctx, m) -> true, new CloudHubCore.SessionListener() {
                    @Override
                    public void connected(NodeSession s) {
                        events.add("up:" + s.nodeName());
                    }

                    @Override
                    public void disconnected(NodeSession s, String reason) {
                    }
                });
        connect(nodeCert(ca, "edge-a"), "edge-a");
        assertEquals("up:edge-a", events.poll(5, TimeUnit.SECONDS));
        connect(nodeCert(ca, "edge-b"), "edge-b");
        String closed = events.poll(5, TimeUnit.SECONDS);
        assertTrue(closed != null && closed.contains("node limit"), String.valueOf(closed));
        assertEquals(1, cloud.sessions().size());
        connect(nodeCert(ca, "edge-a"), "edge-a");
        // the old connection's close and the new session race: wait for the new session
        assertTrue(awaitEvent("up:edge-a"), "a connected node may replace its own session");
        assertEquals(1, cloud.sessions().size());
    }

    private boolean awaitEvent(String expected) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (System.nanoTime() < end) {
            String e = events.poll(100, TimeUnit.MILLISECONDS);
            if (expected.equals(e)) {
                return true;
            }
        }
        return false;
    }

    @Test
    void pathNodeMustMatchTheCertificate() throws Exception {
        String msg = failure(nodeCert(ca, "edge-a"), "edge-b");
        assertTrue(msg.contains("403"), msg);
        assertTrue(cloud.sessions().isEmpty());
    }

    @Test
    void certificateFromAnotherCaIsRefused() throws Exception {
        CertifiedKey other = Pki.newCa("other", Duration.ofDays(1));
        String msg = failure(nodeCert(other, "edge-a"), "edge-a");
        assertTrue(!msg.equals("connected"), msg);
        assertTrue(cloud.sessions().isEmpty());
    }

    @Test
    void badFramesGetErrorsAndTheHubKeepsServing() throws Exception {
        var conn = connect(nodeCert(ca, "edge-a"), "edge-a");
        assertEquals("up:edge-a", events.poll(5, TimeUnit.SECONDS));

        conn.send("this is not json".getBytes(StandardCharsets.UTF_8));
        assertError("not valid JSON");
        conn.send("{\"header\":{},\"route\":{}}".getBytes(StandardCharsets.UTF_8));
        assertError("lacks 'msg_id'");
        conn.send("null".getBytes(StandardCharsets.UTF_8));
        assertError("must be a JSON object");
        conn.send(codec.encode(Message.builder().group("nosuch").operation("zap").resource("default/x/y").build()));
        assertError("no handler for group 'nosuch'");
        // null content is carried as JSON null, and the message still routes
        conn.send("{\"header\":{\"msg_id\":\"1\"},\"route\":{\"group\":\"test\",\"operation\":\"update\",\"resource\":\"default/a/b\"},\"content\":null}"
                .getBytes(StandardCharsets.UTF_8));

        // an oversized frame closes this connection with 1009, and nothing else
        conn.send(new byte[8192]);
        String closed = events.poll(5, TimeUnit.SECONDS);
        assertTrue(closed.startsWith("down:edge-a") || closed.startsWith("client-closed"), closed);

        var again = connect(nodeCert(ca, "edge-a"), "edge-a");
        assertTrue(again.isOpen(), "the hub still serves after refusing a frame");
    }

    private void assertError(String expected) throws InterruptedException {
        byte[] f = received.poll(5, TimeUnit.SECONDS);
        String s = new String(f, StandardCharsets.UTF_8);
        assertTrue(s.contains("\"operation\":\"" + Operations.ERROR + "\"") && s.contains(expected), s);
    }
}
