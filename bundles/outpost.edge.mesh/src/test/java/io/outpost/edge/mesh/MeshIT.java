package io.outpost.edge.mesh;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.netty.channel.nio.NioEventLoopGroup;
import io.outpost.edge.mesh.dns.DnsMessage;
import io.outpost.edge.mesh.dns.DnsMessageTest;
import io.outpost.edge.mesh.table.ServiceTable;
import io.outpost.edge.mesh.table.ServiceTableTest;
import io.outpost.mesh.tunnel.Frame;
import io.outpost.mesh.tunnel.OpenRequest;
import io.outpost.mesh.tunnel.TunnelTls;
import io.outpost.link.pki.CertifiedKey;
import io.outpost.link.pki.Pki;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two gateways' meshes in one JVM with real sockets on loopback addresses (127.0.0.0/8 is all
 * local on Linux, so 127.0.x.y stand in for ClusterIPs and pod IPs): DNS over UDP and TCP, the
 * proxy to a local pod and through the mutual-TLS tunnel to a pod on the other gateway, TCP and
 * UDP, round robin, refusal without endpoints, and the tunnel's refusals.
 */
class MeshIT {
    static final String POD_A = "127.0.1.2";
    static final String POD_B1 = "127.0.2.2";
    static final String POD_B2 = "127.0.2.3";
    static final String CLUSTER_IP = "127.0.100.10";
    static final String EMPTY_IP = "127.0.100.11";

    private NioEventLoopGroup group;
    private ExecutorService pods;
    private final List<AutoCloseable> closing = new ArrayList<>();
    private CertifiedKey ca;
    private MeshCore gwA;
    private MeshCore gwB;
    private final Map<String, InetSocketAddress> peersOfA = new HashMap<>();
    private int podPort;
    private int udpPort;
    private InetSocketAddress relayAddress;

    @BeforeEach
    void setUp() throws Exception {
        group = new NioEventLoopGroup(2);
        pods = Executors.newCachedThreadPool();
        ca = Pki.newCa("outpost-test-ca", Duration.ofDays(1));
        podPort = freePort();
        udpPort = freePort();
        for (String ip : List.of(POD_A, POD_B1, POD_B2)) {
            tcpPod(ip, podPort);
            udpPod(ip, udpPort);
        }
        gwA = core("gw-a", ca, peersOfA, new InetSocketAddress("127.0.0.1", 0));
        gwB = core("gw-b", ca, Map.of(), null);
        peersOfA.put("gw-b", gwB.tunnelAddress());
    }

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : closing) {
            c.close();
        }
        pods.shutdownNow();
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).sync();
    }

    static CertifiedKey node(CertifiedKey ca, String name) throws Exception {
        KeyPair kp = Pki.newKeyPair();
        return new CertifiedKey(kp.getPrivate(), Pki.signNodeCsr(ca, Pki.newNodeCsr(kp, name), name, Duration.ofDays(1)));
    }

    private MeshCore core(String name, CertifiedKey ca, Map<String, InetSocketAddress> peers, InetSocketAddress dns) throws Exception {
        CertifiedKey me = node(ca, name);
        MeshCore c = new MeshCore(new MeshCore.Settings(name, dns, "cluster.local", null, null, new InetSocketAddress("127.0.0.1", 0), 0,
                peers, "round-robin", 5), group, TunnelTls.server(me, ca.certificate()), TunnelTls.client(me, ca.certificate()));
        c.start();
        closing.add(c);
        return c;
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** A pod: answers each connection with its address, then echoes. */
    private void tcpPod(String ip, int port) throws IOException {
        ServerSocket ss = new ServerSocket();
        ss.bind(new InetSocketAddress(ip, port));
        closing.add(ss);
        pods.execute(() -> {
            while (!ss.isClosed()) {
                try {
                    Socket s = ss.accept();
                    pods.execute(() -> {
                        try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
                            out.write((ip + "\n").getBytes(StandardCharsets.US_ASCII));
                            in.transferTo(out);
                        } catch (IOException e) {
                            // client went away
                        }
                    });
                } catch (IOException e) {
                    return;
                }
            }
        });
    }

    /** A UDP pod: answers each datagram with its address and the datagram. */
    private void udpPod(String ip, int port) throws IOException {
        DatagramSocket ds = new DatagramSocket(new InetSocketAddress(ip, port));
        closing.add(ds);
        pods.execute(() -> {
            byte[] buf = new byte[2048];
            while (!ds.isClosed()) {
                try {
                    DatagramPacket p = new DatagramPacket(buf, buf.length);
                    ds.receive(p);
                    byte[] reply = (ip + " " + new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8);
                    ds.send(new DatagramPacket(reply, reply.length, p.getSocketAddress()));
                } catch (IOException e) {
                    return;
                }
            }
        });
    }

    private String svc(String name, String ip, String extraSpec) {
        return "{'metadata':{'namespace':'default','name':'" + name + "'},'spec':{'clusterIP':'" + ip + "'," + extraSpec
                + "'ports':[{'name':'tcp','protocol':'TCP','port':80,'targetPort':" + podPort + "},"
                + "{'name':'udp','protocol':'UDP','port':53,'targetPort':" + udpPort + "}]}}";
    }

    private JsonNode slice(String svc, String endpoints) {
        return ServiceTableTest.json("{'metadata':{'namespace':'default','name':'" + svc + "-1','labels':{'kubernetes.io/service-name':'" + svc
                + "'}},'ports':[{'name':'tcp','protocol':'TCP','port':" + podPort + "},{'name':'udp','protocol':'UDP','port':" + udpPort + "}],"
                + "'endpoints':[" + endpoints + "]}");
    }

    private static String ep(String ip, String node, boolean ready) {
        return "{'addresses':['" + ip + "'],'conditions':{'ready':" + ready + "},'nodeName':'" + node + "'}";
    }

    /**
     * gw-a proxies the ClusterIPs; gw-b gets the same endpoints without ClusterIPs (it shares the
     * host with gw-a here, so it must not listen on them; its tunnel checks endpoints, not IPs).
     */
    private void install(String endpoints, String extraSpec) {
        gwA.update(table(endpoints, extraSpec, CLUSTER_IP, EMPTY_IP));
        gwB.update(table(endpoints, extraSpec, "", ""));
    }

    private ServiceTable table(String endpoints, String extraSpec, String ip, String emptyIp) {
        return ServiceTable.build(List.of(ServiceTableTest.json(svc("web", ip, extraSpec)), ServiceTableTest.json(svc("empty", emptyIp, ""))),
                List.of(slice("web", endpoints), slice("empty", ep(POD_A, "gw-a", false))));
    }

    /** Connects to the service, says hello, returns which pod answered (and checks the echo). */
    static String call(String ip, int port) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(ip, port), 5000);
            s.setSoTimeout(5000);
            var in = new java.io.BufferedReader(new java.io.InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            String who = in.readLine();
            s.getOutputStream().write("ping\n".getBytes(StandardCharsets.US_ASCII));
            assertEquals("ping", in.readLine());
            return who;
        }
    }

    static String udpCall(String ip, int port, String text) throws IOException {
        try (DatagramSocket ds = new DatagramSocket()) {
            ds.setSoTimeout(5000);
            byte[] b = text.getBytes(StandardCharsets.UTF_8);
            ds.send(new DatagramPacket(b, b.length, InetAddress.getByName(ip), port));
            DatagramPacket p = new DatagramPacket(new byte[2048], 2048);
            ds.receive(p);
            assertEquals(new InetSocketAddress(ip, port), p.getSocketAddress(), "the answer comes from the ClusterIP");
            return new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void tcpReachesLocalAndRemotePodsRoundRobin() throws Exception {
        install(ep(POD_A, "gw-a", true) + "," + ep(POD_B1, "gw-b", true) + "," + ep(POD_B2, "gw-b", true), "");
        assertEquals(Set.of(CLUSTER_IP + ":80/TCP", CLUSTER_IP + ":53/UDP"), gwA.listening());
        List<String> answered = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            answered.add(call(CLUSTER_IP, 80));
        }
        assertEquals(List.of(POD_A, POD_B1, POD_B2, POD_A, POD_B1, POD_B2), answered);
        // A big stream through the tunnel arrives whole (frames are split at 64 KiB).
        byte[] big = new byte[3 * 1024 * 1024 + 17];
        new java.util.Random(1).nextBytes(big);
        install(ep(POD_B1, "gw-b", true), "");
        try (Socket s = new Socket(CLUSTER_IP, 80)) {
            s.setSoTimeout(10000);
            DataInputStream in = new DataInputStream(s.getInputStream());
            byte[] hello = new byte[POD_B1.length() + 1];
            in.readFully(hello);
            pods.execute(() -> {
                try {
                    new DataOutputStream(s.getOutputStream()).write(big);
                } catch (IOException e) {
                    // reported by the read below
                }
            });
            byte[] back = new byte[big.length];
            in.readFully(back);
            assertArrayEquals(big, back);
        }
    }

    @Test
    void udpReachesLocalAndRemotePods() throws Exception {
        install(ep(POD_B1, "gw-b", true), "");
        assertEquals(POD_B1 + " one", udpCall(CLUSTER_IP, 53, "one"));
        install(ep(POD_A, "gw-a", true), "");
        assertEquals(POD_A + " two", udpCall(CLUSTER_IP, 53, "two"));
    }

    @Test
    void clientIpAffinityKeepsTheBackend() throws Exception {
        install(ep(POD_A, "gw-a", true) + "," + ep(POD_B1, "gw-b", true) + "," + ep(POD_B2, "gw-b", true), "'sessionAffinity':'ClientIP',");
        String first = call(CLUSTER_IP, 80);
        for (int i = 0; i < 5; i++) {
            assertEquals(first, call(CLUSTER_IP, 80));
        }
    }

    @Test
    void noReadyEndpointIsRefusedAtOnceAndEndpointsThatGoAreNotUsed() throws Exception {
        install(ep(POD_A, "gw-a", true) + "," + ep(POD_B1, "gw-b", true), "");
        // The service without ready endpoints: nothing listens, the kernel refuses (no hang: a hang would be a timeout).
        assertThrows(ConnectException.class, () -> call(EMPTY_IP, 80));
        // POD_B1 becomes not ready: every call goes to POD_A.
        install(ep(POD_A, "gw-a", true) + "," + ep(POD_B1, "gw-b", false), "");
        for (int i = 0; i < 4; i++) {
            assertEquals(POD_A, call(CLUSTER_IP, 80));
        }
        // None ready: refused.
        install(ep(POD_A, "gw-a", false), "");
        assertThrows(ConnectException.class, () -> call(CLUSTER_IP, 80));
    }

    @Test
    void anUnreachableGatewayIsSkippedForTheNextEndpoint() throws Exception {
        peersOfA.put("gw-gone", new InetSocketAddress("127.0.0.1", freePort())); // nothing listens there
        install(ep("127.0.3.3", "gw-gone", true) + "," + ep(POD_A, "gw-a", true), "");
        for (int i = 0; i < 4; i++) {
            assertEquals(POD_A, call(CLUSTER_IP, 80));
        }
    }

    @Test
    void dnsAnswersClusterNamesOverUdpAndTcpAndRefusesOthersWhenAsked() throws Exception {
        install(ep(POD_A, "gw-a", true), "");
        InetSocketAddress udp = gwA.dnsUdpAddress();
        byte[] r = dnsUdp(udp, DnsMessageTest.query(11, "web.default.svc.cluster.local", DnsMessage.TYPE_A, true));
        assertEquals(0, r[3] & 0xF);
        assertEquals(1, DnsMessage.u16(r, 6));
        assertArrayEquals(InetAddress.getByName(CLUSTER_IP).getAddress(), java.util.Arrays.copyOfRange(r, r.length - 4, r.length));
        assertEquals(DnsMessage.RCODE_NAME_ERROR, dnsUdp(udp, DnsMessageTest.query(12, "web.other.svc.cluster.local", 1, false))[3] & 0xF);
        byte[] aaaa = dnsUdp(udp, DnsMessageTest.query(13, "web.default.svc.cluster.local", DnsMessage.TYPE_AAAA, false));
        assertEquals(0, aaaa[3] & 0xF);
        assertEquals(0, DnsMessage.u16(aaaa, 6));
        assertEquals(DnsMessage.RCODE_REFUSED, dnsUdp(udp, DnsMessageTest.query(14, "example.org", 1, false))[3] & 0xF);
        byte[] bad = DnsMessageTest.query(15, "x.y", 1, false);
        bad[5] = 3;
        assertEquals(DnsMessage.RCODE_FORMAT_ERROR, dnsUdp(udp, bad)[3] & 0xF);

        try (Socket s = new Socket()) {
            s.connect(gwA.dnsTcpAddress(), 5000);
            s.setSoTimeout(5000);
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            DataInputStream in = new DataInputStream(s.getInputStream());
            byte[] q = DnsMessageTest.query(21, "web.default.svc.cluster.local", 1, false);
            out.writeShort(q.length);
            out.write(q);
            byte[] resp = new byte[in.readUnsignedShort()];
            in.readFully(resp);
            assertEquals(21, DnsMessage.idOf(resp));
            assertEquals(1, DnsMessage.u16(resp, 6));
            // An oversized TCP query closes the connection.
            out.writeShort(65535);
            out.write(new byte[65535]);
            assertEquals(-1, in.read());
        }
    }

    @Test
    void dnsForwardsOtherNamesToTheUpstreamAndAnswersServfailWhenItIsSilent() throws Exception {
        try (DatagramSocket upstream = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            MeshCore c = new MeshCore(new MeshCore.Settings("gw-c", new InetSocketAddress("127.0.0.1", 0), "cluster.local",
                    (InetSocketAddress) upstream.getLocalSocketAddress(), null, null, 0, Map.of(), "round-robin", 5), group, null, null);
            c.start();
            closing.add(c);
            pods.execute(() -> {
                try {
                    DatagramPacket p = new DatagramPacket(new byte[512], 512);
                    upstream.receive(p);
                    byte[] q = java.util.Arrays.copyOf(p.getData(), p.getLength());
                    DnsMessage m = DnsMessage.decodeQuery(q, q.length);
                    byte[] a = m.response(q, 0, false, true, List.of((java.net.Inet4Address) InetAddress.getByName("192.0.2.80")), 60);
                    upstream.send(new DatagramPacket(a, a.length, p.getSocketAddress()));
                } catch (Exception e) {
                    // the assertion below fails
                }
            });
            byte[] r = dnsUdp(c.dnsUdpAddress(), DnsMessageTest.query(0x4242, "example.org", 1, false));
            assertEquals(0x4242, DnsMessage.idOf(r), "the client's id is restored");
            assertArrayEquals(new byte[] {(byte) 192, 0, 2, 80}, java.util.Arrays.copyOfRange(r, r.length - 4, r.length));
            // Nobody answers the second one.
            byte[] r2 = dnsUdp(c.dnsUdpAddress(), DnsMessageTest.query(0x4343, "example.net", 1, false));
            assertEquals(DnsMessage.RCODE_SERVER_FAILURE, r2[3] & 0xF);
        }
    }

    private static byte[] dnsUdp(InetSocketAddress server, byte[] q) throws IOException {
        try (DatagramSocket ds = new DatagramSocket()) {
            ds.setSoTimeout(6000);
            ds.send(new DatagramPacket(q, q.length, server));
            DatagramPacket p = new DatagramPacket(new byte[4096], 4096);
            ds.receive(p);
            return java.util.Arrays.copyOf(p.getData(), p.getLength());
        }
    }

    @Test
    void theTunnelRefusesStrangersImpostorsAndAddressesThatAreNoEndpoint() throws Exception {
        install(ep(POD_B1, "gw-b", true), "");
        // A gateway of another cluster (another CA) cannot open a stream.
        CertifiedKey otherCa = Pki.newCa("other", Duration.ofDays(1));
        CertifiedKey stranger = node(otherCa, "gw-a");
        MeshCore outsider = core("gw-x", otherCa, Map.of("gw-b", gwB.tunnelAddress()), null);
        outsider.update(table(ep(POD_B1, "gw-b", true), "", "", ""));
        var f = tunnelOpen(stranger, otherCa, new OpenRequest("TCP", POD_B1, podPort, "gw-b"));
        assertTrue(f.contains("TLS") || f.contains("closed"), f);

        // gw-a dialling an address that answers as gw-b but is asked for as gw-c: the CN check refuses.
        peersOfA.put("gw-c", gwB.tunnelAddress());
        install(ep(POD_B2, "gw-c", true), "");
        // Accepted by gw-a's proxy (there is an endpoint), then reset at once: no hang (that would be a timeout).
        SocketException reset = assertThrows(SocketException.class, () -> call(CLUSTER_IP, 80));
        assertTrue(!(reset instanceof ConnectException) || reset.getMessage().contains("refused"), reset.toString());

        // A cluster member asking gw-b for something that is not one of its endpoints: refused with a reason.
        install(ep(POD_B1, "gw-b", true), "");
        CertifiedKey a = node(ca, "gw-a");
        String err = tunnelOpen(a, ca, new OpenRequest("TCP", "127.0.0.1", 22, "gw-b"));
        assertTrue(err.contains("not a ready endpoint on gw-b"), err);
        err = tunnelOpen(a, ca, new OpenRequest("TCP", POD_A, podPort, "gw-b"));
        assertTrue(err.contains("not a ready endpoint"), err);
    }

    /** Opens a raw tunnel stream with the given identity; returns the ERROR text or why it failed. */
    private String tunnelOpen(CertifiedKey who, CertifiedKey trust, OpenRequest req) throws Exception {
        var t = new io.outpost.mesh.tunnel.Tunnel(group, "probe", TunnelTls.server(who, trust.certificate()),
                TunnelTls.client(who, trust.certificate()), (ip, port, proto) -> false, n -> java.util.Optional.of(gwB.tunnelAddress()));
        closing.add(0, t);
        var f = t.open(req, group.next()).awaitUninterruptibly();
        if (f.isSuccess()) {
            f.getNow().close();
            return "opened";
        }
        return f.cause().getMessage();
    }

    /** A TLS client socket with a node certificate of this cluster (trusting any server). */
    private javax.net.ssl.SSLSocketFactory nodeSockets(CertifiedKey who) throws Exception {
        javax.net.ssl.SSLContext ctx = javax.net.ssl.SSLContext.getInstance("TLSv1.3");
        java.security.KeyStore ks = java.security.KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("k", who.key(), new char[0], new java.security.cert.Certificate[] {who.certificate()});
        var kmf = javax.net.ssl.KeyManagerFactory.getInstance("SunX509");
        kmf.init(ks, new char[0]);
        ctx.init(kmf.getKeyManagers(), new javax.net.ssl.TrustManager[] {new javax.net.ssl.X509TrustManager() {
            public void checkClientTrusted(java.security.cert.X509Certificate[] c, String t) {
            }

            public void checkServerTrusted(java.security.cert.X509Certificate[] c, String t) {
            }

            public java.security.cert.X509Certificate[] getAcceptedIssuers() {
                return new java.security.cert.X509Certificate[0];
            }
        }}, null);
        return ctx.getSocketFactory();
    }

    /** Sends bytes and reads until the server closes; a server that keeps the connection open fails the test (timeout). */
    private static void sendAndExpectClose(javax.net.ssl.SSLSocketFactory f, InetSocketAddress to, byte[] junk) throws IOException {
        try (Socket s = f.createSocket(to.getAddress(), to.getPort())) {
            s.setSoTimeout(5000);
            s.getOutputStream().write(junk);
            s.getOutputStream().flush();
            InputStream in = s.getInputStream();
            try {
                while (in.read() != -1) {
                    // an HTTP/2 GOAWAY or an ERROR frame may come first; read until the server closes
                }
            } catch (java.net.SocketTimeoutException e) {
                throw new AssertionError("the server kept a connection open after " + junk.length + " bytes of junk", e);
            } catch (SocketException e) {
                // reset: closed as well
            }
        }
    }

    @Test
    void oversizedAndGarbageFramesCloseTheTunnelConnection() throws Exception {
        install(ep(POD_B1, "gw-b", true), "");
        var sockets = nodeSockets(node(ca, "gw-a"));
        byte[] preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        byte[] settings = {0, 0, 0, 4, 0, 0, 0, 0, 0};
        // Not HTTP/2 at all; a DATA frame of 16 MiB - 1 (over the 64 KiB cap); a HEADERS frame whose header block is garbage.
        byte[] huge = {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0, 0, 0, 0, 0, 1};
        byte[] badHeaders = {0, 0, 4, 1, 4, 0, 0, 0, 1, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF};
        sendAndExpectClose(sockets, gwB.tunnelAddress(), "GET / HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        sendAndExpectClose(sockets, gwB.tunnelAddress(), concat(preface, settings, huge));
        sendAndExpectClose(sockets, gwB.tunnelAddress(), concat(preface, settings, badHeaders));
        // The relay's set-up frames: an unknown type and an oversized length close the connection too.
        relay(true);
        var relaySockets = nodeSockets(node(ca, "gw-a"));
        sendAndExpectClose(relaySockets, relayAddress, new byte[] {42, 0, 0, 0, 0});
        sendAndExpectClose(relaySockets, relayAddress, new byte[] {Frame.CONNECT, 0x7F, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF});
        sendAndExpectClose(relaySockets, relayAddress, new byte[] {Frame.CONNECT, 0, 0, 0, 4, 'G', 'W', '_', 'B'});
        // The tunnel still serves well-formed streams afterwards (here through the relay: gw-b has no route now).
        assertEquals(POD_B1, call(CLUSTER_IP, 80));
    }

    private static byte[] concat(byte[]... parts) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    @Test
    void manyStreamsShareOneConnectionAndAStalledStreamDoesNotHoldBackTheOthers() throws Exception {
        install(ep(POD_B1, "gw-b", true), "");
        for (int i = 0; i < 20; i++) {
            assertEquals(POD_B1, call(CLUSTER_IP, 80));
        }
        assertEquals(1, gwA.tunnelConnections(), "one tunnel connection from gw-a to gw-b for all streams");
        // A client that writes without ever reading: the echo pod blocks, and back-pressure must stop this stream only.
        try (Socket stalled = new Socket(CLUSTER_IP, 80)) {
            long[] written = {0};
            Thread writer = new Thread(() -> {
                byte[] chunk = new byte[64 * 1024];
                try {
                    for (int i = 0; i < 2048; i++) { // 128 MiB, far more than every buffer on the way
                        stalled.getOutputStream().write(chunk);
                        written[0] += chunk.length;
                    }
                } catch (IOException e) {
                    // closed at the end of the test
                }
            });
            writer.setDaemon(true);
            writer.start();
            Thread.sleep(2000);
            assertTrue(writer.isAlive(), "the stalled stream is held back, not buffered without bound (" + written[0] + " bytes taken)");
            for (int i = 0; i < 5; i++) {
                assertEquals(POD_B1, call(CLUSTER_IP, 80), "a new stream on the same connection still flows");
            }
            assertEquals(1, gwA.tunnelConnections());
        }
    }

    @Test
    void theRelayForwardsOnlyCiphertextBetweenTheGateways() throws Exception {
        var r = relay(true);
        java.io.ByteArrayOutputStream seen = new java.io.ByteArrayOutputStream();
        r.tap(b -> {
            synchronized (seen) {
                byte[] copy = new byte[b.readableBytes()];
                b.getBytes(b.readerIndex(), copy);
                seen.writeBytes(copy);
            }
        });
        install(ep(POD_B1, "gw-b", true), "");
        String secret = "the-secret-payload-0123456789";
        try (Socket s = new Socket(CLUSTER_IP, 80)) {
            s.setSoTimeout(5000);
            var in = new java.io.BufferedReader(new java.io.InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            assertEquals(POD_B1, in.readLine());
            for (int i = 0; i < 50; i++) {
                s.getOutputStream().write((secret + "\n").getBytes(StandardCharsets.US_ASCII));
                assertEquals(secret, in.readLine());
            }
        }
        String forwarded;
        synchronized (seen) {
            forwarded = seen.toString(StandardCharsets.ISO_8859_1);
        }
        assertTrue(forwarded.length() > 50 * secret.length(), "the relay forwarded the stream (" + forwarded.length() + " bytes)");
        for (String plain : List.of(secret, POD_B1, "CONNECT", "outpost-protocol", "gw-b")) {
            assertTrue(!forwarded.contains(plain), "the relay saw '" + plain + "' in clear");
        }
    }

    /**
     * A relay with the relay's certificate that lies: it hands a call for gw-c to gw-b. The caller's
     * own TLS with the gateway (inside the relay's) finds gw-b's certificate and refuses.
     */
    @Test
    void aRelayThatConnectsTheWrongGatewayIsRefusedEndToEnd() throws Exception {
        install(ep(POD_B1, "gw-b", true), "");
        CertifiedKey relayCert = node(ca, io.outpost.mesh.tunnel.Relay.NODE_NAME);
        var tls = TunnelTls.server(relayCert, ca.certificate());
        var rogue = new io.netty.bootstrap.ServerBootstrap().group(group).channel(io.netty.channel.socket.nio.NioServerSocketChannel.class)
                .childHandler(new io.netty.channel.ChannelInitializer<io.netty.channel.socket.SocketChannel>() {
                    @Override
                    protected void initChannel(io.netty.channel.socket.SocketChannel ch) {
                        ch.pipeline().addLast("tls", tls.newHandler(ch.alloc()));
                        ch.pipeline().addLast("frames", new io.outpost.mesh.tunnel.FrameCodec());
                        ch.pipeline().addLast("rogue", new io.netty.channel.SimpleChannelInboundHandler<Frame>() {
                            @Override
                            protected void channelRead0(io.netty.channel.ChannelHandlerContext ctx, Frame f) {
                                ch.config().setAutoRead(false);
                                new io.netty.bootstrap.Bootstrap().group(ch.eventLoop()).channel(io.netty.channel.socket.nio.NioSocketChannel.class)
                                        .handler(new io.netty.channel.ChannelInboundHandlerAdapter())
                                        .connect(gwB.tunnelAddress()).addListener((io.netty.channel.ChannelFuture cf) -> {
                                            ch.writeAndFlush(Frame.empty(Frame.CONNECTED));
                                            ch.pipeline().remove("frames");
                                            ch.pipeline().remove("rogue");
                                            io.outpost.mesh.tunnel.Splice.join(ch, cf.channel());
                                        });
                            }
                        });
                    }
                }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        closing.add(0, () -> rogue.close().sync());
        CertifiedKey a = node(ca, "gw-a");
        var t = new io.outpost.mesh.tunnel.Tunnel(group, "gw-a", TunnelTls.server(a, ca.certificate()), TunnelTls.client(a, ca.certificate()),
                (ip, port, proto) -> false, n -> java.util.Optional.empty());
        closing.add(0, t);
        t.useRelay((InetSocketAddress) rogue.localAddress());
        var f = t.open(new OpenRequest("TCP", POD_B1, podPort, "gw-c"), group.next()).awaitUninterruptibly();
        assertTrue(!f.isSuccess(), "a stream to gw-c must not open on gw-b");
        assertTrue(f.cause().getMessage().contains("is node 'gw-b', not 'gw-c'"), f.cause().getMessage());
        // The same rogue relay asked for gw-b connects gw-b itself: the end-to-end check passes, the stream opens.
        var ok = t.open(new OpenRequest("TCP", POD_B1, podPort, "gw-b"), group.next()).awaitUninterruptibly();
        assertTrue(ok.isSuccess(), () -> ok.cause().toString());
        ok.getNow().close();
    }

    @Test
    void udpFlowsAreKeptApartPerClient() throws Exception {
        install(ep(POD_A, "gw-a", true) + "," + ep(POD_B1, "gw-b", true), "");
        Set<String> who = new HashSet<>();
        for (int i = 0; i < 4; i++) {
            who.add(udpCall(CLUSTER_IP, 53, "x").split(" ")[0]);
        }
        assertEquals(Set.of(POD_A, POD_B1), who);
    }

    /** The cloud's relay between gw-a and gw-b, which gw-a cannot dial (nothing answers at the address it has). */
    private io.outpost.mesh.tunnel.Relay relay(boolean answers) throws Exception {
        CertifiedKey me = node(ca, io.outpost.mesh.tunnel.Relay.NODE_NAME);
        InetSocketAddress[] at = new InetSocketAddress[1];
        var r = new io.outpost.mesh.tunnel.Relay(group, TunnelTls.server(me, ca.certificate()), (node, id) -> {
            if (!answers || !node.equals("gw-b")) {
                return false;
            }
            gwB.answerRelay(at[0], id); // in the product: a message over the cloud link
            return true;
        });
        at[0] = r.listen(new InetSocketAddress("127.0.0.1", 0));
        relayAddress = at[0];
        closing.add(0, r);
        peersOfA.put("gw-b", new InetSocketAddress("127.0.0.1", freePort())); // no route: refused
        gwA.useRelay(at[0]);
        return r;
    }

    @Test
    void withoutARouteStreamsGoThroughTheRelayTcpAndUdp() throws Exception {
        relay(true);
        install(ep(POD_B1, "gw-b", true) + "," + ep(POD_B2, "gw-b", true), "");
        List<String> answered = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            answered.add(call(CLUSTER_IP, 80));
        }
        assertEquals(List.of(POD_B1, POD_B2, POD_B1, POD_B2), answered);
        assertTrue(udpCall(CLUSTER_IP, 53, "via relay").endsWith(" via relay"));
        // A client that half-closes (nc, HTTP/1.0) still gets the answer through the relay.
        assertEquals(POD_B1 + "\nping\n", halfCloseCall(CLUSTER_IP, 80));
        assertEquals(1, gwA.tunnelConnections(), "all streams share one relayed connection");
    }

    @Test
    void aRelayThatDisappearsMidStreamEndsTheStreamAndOneThatCannotReachTheGatewayRefuses() throws Exception {
        var r = relay(true);
        install(ep(POD_B1, "gw-b", true), "");
        try (Socket s = new Socket(CLUSTER_IP, 80)) {
            s.setSoTimeout(10000);
            var in = new java.io.BufferedReader(new java.io.InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            assertEquals(POD_B1, in.readLine());
            r.close();
            // The stream ends (EOF or reset), it does not hang: a hang would be a SocketTimeoutException.
            try {
                s.getOutputStream().write("more\n".getBytes(StandardCharsets.US_ASCII));
                assertEquals(null, in.readLine());
            } catch (SocketException e) {
                // reset: ended as well (a timeout is no SocketException and would fail the test)
            }
        }
        // A relay that cannot reach the gateway answers ERROR at once; the client is reset, no hang.
        relay(false);
        assertThrows(SocketException.class, () -> call(CLUSTER_IP, 80));
    }

    /** Sends a line and half-closes (as nc and HTTP/1.0 clients do); returns all that comes back until EOF. */
    static String halfCloseCall(String ip, int port) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(ip, port), 5000);
            s.setSoTimeout(5000);
            s.getOutputStream().write("ping\n".getBytes(StandardCharsets.US_ASCII));
            s.shutdownOutput();
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        }
    }

    @Test
    void aClientThatHalfClosesStillGetsTheAnswerLocallyAndThroughTheTunnel() throws Exception {
        install(ep(POD_A, "gw-a", true), "");
        assertEquals(POD_A + "\nping\n", halfCloseCall(CLUSTER_IP, 80));
        install(ep(POD_B1, "gw-b", true), "");
        assertEquals(POD_B1 + "\nping\n", halfCloseCall(CLUSTER_IP, 80));
    }
}
