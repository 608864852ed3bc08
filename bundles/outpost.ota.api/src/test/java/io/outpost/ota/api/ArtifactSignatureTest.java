package io.outpost.ota.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.List;
import org.junit.jupiter.api.Test;

class ArtifactSignatureTest {
    private static final String SHA = "a".repeat(64);

    private static KeyPair ed25519() throws Exception {
        return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    }

    @Test
    void aSignatureVerifiesWithItsKeyOnly() throws Exception {
        KeyPair k = ed25519();
        String sig = ArtifactSignature.sign(k.getPrivate(), "hello", "1.0.0", SHA, 10);
        assertEquals(ArtifactSignature.keyId(k.getPublic()), ArtifactSignature.verify(List.of(ed25519().getPublic(), k.getPublic()), "hello", "1.0.0", SHA, 10, sig));
        var e = assertThrows(GeneralSecurityException.class, () -> ArtifactSignature.verify(List.of(ed25519().getPublic()), "hello", "1.0.0", SHA, 10, sig));
        assertTrue(e.getMessage().contains("not made by a key this gateway trusts"), e.getMessage());
    }

    @Test
    void theSignatureBindsNameVersionDigestAndSize() throws Exception {
        KeyPair k = ed25519();
        String sig = ArtifactSignature.sign(k.getPrivate(), "hello", "1.0.0", SHA, 10);
        var keys = List.of(k.getPublic());
        assertThrows(GeneralSecurityException.class, () -> ArtifactSignature.verify(keys, "other", "1.0.0", SHA, 10, sig));
        assertThrows(GeneralSecurityException.class, () -> ArtifactSignature.verify(keys, "hello", "1.0.1", SHA, 10, sig));
        assertThrows(GeneralSecurityException.class, () -> ArtifactSignature.verify(keys, "hello", "1.0.0", "b".repeat(64), 10, sig));
        assertThrows(GeneralSecurityException.class, () -> ArtifactSignature.verify(keys, "hello", "1.0.0", SHA, 11, sig));
    }

    @Test
    void unsignedAndMalformedSignaturesSaySo() throws Exception {
        var keys = List.of(ed25519().getPublic());
        assertTrue(assertThrows(GeneralSecurityException.class, () -> ArtifactSignature.verify(keys, "hello", "1.0.0", SHA, 1, ""))
                .getMessage().contains("not signed"));
        assertTrue(assertThrows(GeneralSecurityException.class, () -> ArtifactSignature.verify(keys, "hello", "1.0.0", SHA, 1, "%%%"))
                .getMessage().contains("base64"));
        assertTrue(assertThrows(GeneralSecurityException.class, () -> ArtifactSignature.verify(keys, "hello", "1.0.0", SHA, 1, "AAAA"))
                .getMessage().contains("64"));
        assertTrue(assertThrows(GeneralSecurityException.class, () -> ArtifactSignature.verify(List.of(), "hello", "1.0.0", SHA, 1, "A".repeat(86) + "=="))
                .getMessage().contains("no trusted keys"));
    }

    @Test
    void pemKeysRoundTrip() throws Exception {
        KeyPair k = ed25519();
        assertEquals(k.getPublic(), ArtifactSignature.parsePublicKey(ArtifactSignature.toPem(k.getPublic())));
        assertEquals(k.getPrivate().getEncoded().length, ArtifactSignature.parsePrivateKey(ArtifactSignature.toPem(k.getPrivate())).getEncoded().length);
        assertThrows(GeneralSecurityException.class, () -> ArtifactSignature.parsePublicKey("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----"));
        assertThrows(GeneralSecurityException.class, () -> ArtifactSignature.parsePublicKey("x".repeat(9000)));
    }

    /** A key made by openssl (genpkey -algorithm ed25519; pkey -pubout) parses. */
    @Test
    void opensslKeysParse() throws Exception {
        String priv = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIMglYyXNg0xoHvV4HQVZsYWaQD2ci9VeyLK3veweuMHV\n-----END PRIVATE KEY-----\n";
        var key = ArtifactSignature.parsePrivateKey(priv);
        String sig = ArtifactSignature.sign(key, "hello", "1.0.0", SHA, 1);
        assertEquals(88, sig.length());
    }
}
