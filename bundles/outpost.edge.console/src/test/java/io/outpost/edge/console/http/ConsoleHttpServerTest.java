package io.outpost.edge.console.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.nio.NioEventLoopGroup;
import io.outpost.edge.console.tls.ConsoleTls;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real server over real TLS: size caps, security headers, event streams, the self-signed certificate. */
class ConsoleHttpServerTest {
    @TempDir
    Path dir;
    private NioEventLoopGroup group;
    private ExecutorService executor;
    private ConsoleHttpServer server;
    private ConsoleTls.Material tls;

    @BeforeEach
    void start() throws Exception {
        group = new NioEventLoopGroup(1);
        executor = Executors.newFixedThreadPool(2);
        tls = ConsoleTls.material("", "", dir.resolve("state"));
        server = ConsoleHttpServer.bind(group, new InetSocketAddress("127.0.0.1", 0), ConsoleTls.serverContext(tls), 1024, executor, r -> {
            if (r.path().equals("/events")) {
                return HttpResponse.events(sink -> {
                    sink.send("status", "{\"n\":1}");
                    sink.send("status", "{\"n\":2}");
                });
            }
            return HttpResponse.text(200, r.method() + " " + r.path() + " " + r.body().length);
        });
    }

    @AfterEach
    void stop() {
        server.close();
        group.shutdownGracefully();
        executor.shutdownNow();
    }

    private SSLSocket connect() throws Exception {
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, new TrustManager[] {new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] c, String a) {
            }

            @Override
            public void checkServerTrusted(X509Certificate[] c, String a) {
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        }}, null);
        SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", server.address().getPort());
        s.setSoTimeout(10_000);
        return s;
    }

    /** Sends raw bytes, @return the response head and as much body as arrives before close */
    private String exchange(String request) throws Exception {
        try (SSLSocket s = connect()) {
            OutputStream out = s.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            StringBuilder sb = new StringBuilder();
            String line;
            while ((line = in.readLine()) != null) {
                sb.append(line).append('\n');
                if (sb.length() > 100_000) {
                    break;
                }
            }
            return sb.toString();
        }
    }

    @Test
    void answersOverTlsWithSecurityHeaders() throws Exception {
        String r = exchange("POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello");
        assertTrue(r.startsWith("HTTP/1.1 200"), r);
        assertTrue(r.contains("POST /x 5"), r);
        assertTrue(r.toLowerCase().contains("strict-transport-security: max-age="), r);
        assertTrue(r.toLowerCase().contains("x-frame-options: deny"), r);
        assertTrue(r.toLowerCase().contains("content-security-policy: default-src 'self'"), r);
    }

    @Test
    void aBodyOverTheCapIs413() throws Exception {
        String r = exchange("POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 5000\r\nConnection: close\r\n\r\n" + "a".repeat(5000));
        assertTrue(r.startsWith("HTTP/1.1 413"), r);
    }

    @Test
    void anOverlongRequestLineOrHeaderBlockIsRefused() throws Exception {
        String r = exchange("GET /" + "a".repeat(ConsoleHttpServer.MAX_INITIAL_LINE + 10) + " HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
        assertTrue(r.startsWith("HTTP/1.1 4"), r);
        String h = exchange("GET / HTTP/1.1\r\nHost: a\r\nX-Big: " + "b".repeat(ConsoleHttpServer.MAX_HEADER_BYTES + 10) + "\r\nConnection: close\r\n\r\n");
        assertTrue(h.startsWith("HTTP/1.1 4"), h);
    }

    @Test
    void plainHttpIsNotServed() throws Exception {
        try (var s = new java.net.Socket("127.0.0.1", server.address().getPort())) {
            s.setSoTimeout(5000);
            s.getOutputStream().write("GET / HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            byte[] b = s.getInputStream().readNBytes(12);
            assertTrue(!new String(b, StandardCharsets.ISO_8859_1).startsWith("HTTP/1.1 200"), "no HTTP answer without TLS");
        }
    }

    @Test
    void eventStreamsSendServerSentEvents() throws Exception {
        try (SSLSocket s = connect()) {
            s.getOutputStream().write("GET /events HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            StringBuilder sb = new StringBuilder();
            String line;
            while ((line = in.readLine()) != null && !sb.toString().contains("{\"n\":2}")) {
                sb.append(line).append('\n');
            }
            String r = sb.toString();
            assertTrue(r.startsWith("HTTP/1.1 200"), r);
            assertTrue(r.toLowerCase().contains("content-type: text/event-stream"), r);
            assertTrue(r.contains("event: status"), r);
            assertTrue(r.contains("data: {\"n\":1}"), r);
        }
    }

    @Test
    void theSelfSignedCertificateIsEcP256KeptAndItsKeyOwnerOnly() throws Exception {
        Path key = dir.resolve("state/console.key");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(key)));
        try (SSLSocket s = connect()) {
            s.startHandshake();
            X509Certificate c = (X509Certificate) s.getSession().getPeerCertificates()[0];
            assertEquals("EC", c.getPublicKey().getAlgorithm());
            assertTrue(c.getPublicKey().toString().contains("secp256r1") || c.getPublicKey().toString().contains("1.2.840.10045.3.1.7"), c.getPublicKey().toString());
            assertTrue(c.getSubjectAlternativeNames().stream().anyMatch(n -> n.get(1).equals("localhost")));
        }
        ConsoleTls.Material again = ConsoleTls.material("", "", dir.resolve("state"));
        assertEquals(tls.expiry(), again.expiry(), "the same certificate after a restart");
    }

    @Test
    void aConfiguredCertificateReplacesTheSelfSignedOne() throws Exception {
        ConsoleTls.Material other = ConsoleTls.material("", "", dir.resolve("other"));
        ConsoleTls.Material configured = ConsoleTls.material(other.certificate().toString(), other.key().toString(), dir.resolve("state2"));
        assertEquals(other.certificate(), configured.certificate());
        assertTrue(!configured.selfSigned());
        assertTrue(!Files.exists(dir.resolve("state2/console.crt")), "no self-signed certificate made when one is configured");
        var e = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class,
                () -> ConsoleTls.material(dir.resolve("missing.pem").toString(), other.key().toString(), dir));
        assertTrue(e.getMessage().contains("cannot read"), e.getMessage());
        var half = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class, () -> ConsoleTls.material("x.pem", "", dir));
        assertTrue(half.getMessage().contains("set both"), half.getMessage());
    }
}
