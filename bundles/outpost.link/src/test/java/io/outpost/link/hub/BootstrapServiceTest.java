package io.outpost.link.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.outpost.link.pki.CertifiedKey;
import io.outpost.link.pki.Pki;
import io.outpost.link.token.JoinToken;
import io.outpost.link.transport.HttpsServer.Request;
import io.outpost.link.transport.HttpsServer.Response;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The bootstrap's answers to every kind of request, without sockets. */
class BootstrapServiceTest {
    private final byte[] key = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    private final CertifiedKey ca = Pki.newCa("ca", Duration.ofDays(1));
    private final BootstrapService svc = new BootstrapService(ca, jwt -> JoinToken.verify(jwt, key, Instant.now()), Duration.ofHours(1));
    private final String jwt = JoinToken.create(Pki.caHash(ca.certificate()), key, "i", Instant.now(), Instant.now().plusSeconds(60))
            .substring(65);

    private Response call(String method, String path, Map<String, String> headers, byte[] body, X509Certificate client) {
        Map<String, String> h = new HashMap<>();
        headers.forEach((k, v) -> h.put(k.toLowerCase(java.util.Locale.ROOT), v));
        return svc.apply(new Request(method, path, h, body, client));
    }

    private static String text(Response r) {
        return new String(r.body(), StandardCharsets.UTF_8);
    }

    @Test
    void signsARequestForTheNamedNode() throws Exception {
        byte[] csr = Pki.newNodeCsr(Pki.newKeyPair(), "edge-1");
        Response r = call("GET", "/edge.crt", Map.of("NodeName", "edge-1", "Authorization", "Bearer " + jwt), csr, null);
        assertEquals(200, r.status(), text(r));
        X509Certificate cert = Pki.parseCertificate(r.body());
        assertEquals("system:node:edge-1", Pki.commonName(cert));
        cert.verify(ca.certificate().getPublicKey());
        Response pem = call("POST", "/edge.crt", Map.of("NodeName", "edge-1", "Authorization", "Bearer " + jwt),
                Pki.csrToPem(csr).getBytes(StandardCharsets.US_ASCII), null);
        assertEquals(200, pem.status(), "PEM requests are accepted too");
        assertEquals(200, call("GET", "/ca.crt", Map.of(), new byte[0], null).status());
    }

    @Test
    void refusesWithAReason() {
        byte[] csr = Pki.newNodeCsr(Pki.newKeyPair(), "edge-1");
        Map<String, String> auth = Map.of("NodeName", "edge-2", "Authorization", "Bearer " + jwt);
        Response other = call("POST", "/edge.crt", auth, csr, null);
        assertEquals(400, other.status());
        assertTrue(text(other).contains("can only request a certificate for itself"), text(other));

        Response noNode = call("POST", "/edge.crt", Map.of("Authorization", "Bearer " + jwt), csr, null);
        assertEquals(400, noNode.status());
        assertTrue(text(noNode).contains("NodeName"));
        assertEquals(400, call("POST", "/edge.crt", Map.of("NodeName", "Bad_Name!", "Authorization", "Bearer " + jwt), csr, null).status());
        Response noToken = call("POST", "/edge.crt", Map.of("NodeName", "edge-1"), csr, null);
        assertEquals(401, noToken.status());
        assertTrue(text(noToken).contains("missing join token"));
        assertEquals(401, call("POST", "/edge.crt", Map.of("NodeName", "edge-1", "Authorization", "Basic x"), csr, null).status());
        Response garbage = call("POST", "/edge.crt", Map.of("NodeName", "edge-1", "Authorization", "Bearer " + jwt),
                "not a csr".getBytes(StandardCharsets.US_ASCII), null);
        assertEquals(400, garbage.status());
        assertTrue(text(garbage).contains("PKCS#10"), text(garbage));
        assertEquals(400, call("POST", "/edge.crt", Map.of("NodeName", "edge-1", "Authorization", "Bearer " + jwt), new byte[0], null).status());
        Response reserved = call("POST", "/edge.crt", Map.of("NodeName", "outpost-relay", "Authorization", "Bearer " + jwt),
                Pki.newNodeCsr(Pki.newKeyPair(), "outpost-relay"), null);
        assertEquals(403, reserved.status(), "the mesh relay's name is not for gateways");
        assertTrue(text(reserved).contains("reserved"), text(reserved));
        assertEquals(404, call("GET", "/etc/passwd", Map.of(), new byte[0], null).status());
        assertEquals(405, call("DELETE", "/ca.crt", Map.of(), new byte[0], null).status());
    }

    @Test
    void renewalNeedsTheNodesOwnCertificate() throws Exception {
        var kp = Pki.newKeyPair();
        X509Certificate current = Pki.signNodeCsr(ca, Pki.newNodeCsr(kp, "edge-1"), "edge-1", Duration.ofHours(1));
        byte[] csr = Pki.newNodeCsr(Pki.newKeyPair(), "edge-1");
        assertEquals(200, call("POST", "/edge.crt", Map.of("NodeName", "edge-1"), csr, current).status());
        Response foreign = call("POST", "/edge.crt", Map.of("NodeName", "edge-2"), Pki.newNodeCsr(Pki.newKeyPair(), "edge-2"), current);
        assertEquals(403, foreign.status());
    }
}
