package io.outpost.link.token;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class JoinTokenTest {
    private static final String HASH = "ab".repeat(32);
    private final byte[] key = "k".repeat(32).getBytes(StandardCharsets.US_ASCII);

    @Test
    void createsAndVerifiesKubeEdgeShapedTokens() throws Exception {
        Instant now = Instant.parse("2026-01-01T00:00:00Z");
        String token = JoinToken.create(HASH, key, "id1", now, now.plusSeconds(3600));
        assertEquals(4, token.split("\\.").length, "caHash.header.payload.signature");
        JoinToken t = JoinToken.parse(token);
        assertEquals(HASH, t.caHash());
        assertEquals("id1", t.id());
        assertEquals(now.plusSeconds(3600), t.expires());
        assertEquals("id1", JoinToken.verify(t.jwt(), key, now.plusSeconds(10)));
    }

    @Test
    void refusesBadTokensWithTheReason() {
        Instant now = Instant.parse("2026-01-01T00:00:00Z");
        String token = JoinToken.create(HASH, key, "id1", now, now.plusSeconds(60));
        String jwt = token.substring(token.indexOf('.') + 1);
        assertReason(TokenException.Reason.EXPIRED, () -> JoinToken.verify(jwt, key, now.plusSeconds(61)));
        assertReason(TokenException.Reason.BAD_SIGNATURE, () -> JoinToken.verify(jwt, "x".repeat(32).getBytes(), now));
        assertReason(TokenException.Reason.MISSING, () -> JoinToken.parse(" "));
        assertReason(TokenException.Reason.MALFORMED, () -> JoinToken.parse("nodot"));
        assertReason(TokenException.Reason.MALFORMED, () -> JoinToken.parse("abc." + jwt));
        assertReason(TokenException.Reason.MALFORMED, () -> JoinToken.parse(HASH + ".a.b"));
        assertReason(TokenException.Reason.MALFORMED, () -> JoinToken.parse(HASH + "." + "x".repeat(5000)));
        String[] p = jwt.split("\\.");
        String none = Base64.getUrlEncoder().withoutPadding().encodeToString("{\"alg\":\"none\"}".getBytes()) + "." + p[1] + "." + p[2];
        assertReason(TokenException.Reason.MALFORMED, () -> JoinToken.verify(none, key, now));
        String tampered = p[0] + "." + Base64.getUrlEncoder().withoutPadding()
                .encodeToString("{\"jti\":\"id1\",\"exp\":99999999999}".getBytes()) + "." + p[2];
        assertReason(TokenException.Reason.BAD_SIGNATURE, () -> JoinToken.verify(tampered, key, now));
    }

    private static void assertReason(TokenException.Reason r, org.junit.jupiter.api.function.Executable e) {
        assertEquals(r, assertThrows(TokenException.class, e).reason());
    }
}
