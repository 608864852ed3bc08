package io.outpost.mapper.opcua.client;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.milo.opcua.stack.core.UaException;
import org.eclipse.milo.opcua.stack.core.security.CertificateValidator;
import org.eclipse.milo.opcua.stack.core.util.SelfSignedCertificateBuilder;
import org.eclipse.milo.opcua.stack.core.util.SelfSignedCertificateGenerator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrustStoreTest {
    static X509Certificate cert;
    @TempDir
    Path pki;

    @BeforeAll
    static void makeCertificate() throws Exception {
        KeyPair kp = SelfSignedCertificateGenerator.generateRsaKeyPair(2048);
        cert = new SelfSignedCertificateBuilder(kp).setCommonName("server").setApplicationUri("urn:test:server").build();
    }

    @Test
    void anUnknownCertificateIsRefusedAndKeptInRejected() throws Exception {
        TrustStore t = new TrustStore(pki, List.of());
        AtomicReference<String> why = new AtomicReference<>();
        CertificateValidator v = t.validator("opc.tcp://h:4840", why::set);
        UaException e = assertThrows(UaException.class, () -> v.validateCertificateChain(List.of(cert), "urn:test:server", new String[0]));
        String sha1 = TrustStore.thumbprint(cert, "SHA-1");
        Path saved = pki.resolve("rejected").resolve(sha1 + ".der");
        assertTrue(Files.exists(saved));
        assertEquals(why.get(), e.getMessage());
        assertTrue(why.get().contains("opc.tcp://h:4840") && why.get().contains("CN=server") && why.get().contains("move " + saved + " to "
                + pki.resolve("trusted")) && why.get().contains("config:property-append -p io.outpost.mapper.opcua trustedCertificates ," + sha1), why.get());
        assertThrows(UaException.class, () -> v.validateCertificateChain(List.of(), "", new String[0]));
    }

    @Test
    void aFileInTrustedOrAThumbprintTrustsIt() throws Exception {
        TrustStore t = new TrustStore(pki, List.of());
        assertFalse(t.isTrusted(cert));
        Files.createDirectories(pki.resolve("trusted"));
        Files.writeString(pki.resolve("trusted/README"), "not a certificate");
        Files.writeString(pki.resolve("trusted/server.pem"), "-----BEGIN CERTIFICATE-----\n"
                + Base64.getMimeEncoder().encodeToString(cert.getEncoded()) + "\n-----END CERTIFICATE-----\n");
        assertTrue(t.isTrusted(cert), "PEM in trusted/, read at each check");
        assertDoesNotThrow(() -> t.validator("u", m -> { }).validateCertificateChain(List.of(cert), "", new String[0]));
        Files.delete(pki.resolve("trusted/server.pem"));
        assertFalse(t.isTrusted(cert));
        String sha1 = TrustStore.thumbprint(cert, "SHA-1").toUpperCase();
        t.setThumbprints(List.of(sha1.replaceAll("(..)(?!$)", "$1:")));
        assertTrue(t.isTrusted(cert), "thumbprints with colons and upper case, as tools print them");
        t.setThumbprints(List.of(TrustStore.thumbprint(cert, "SHA-256")));
        assertTrue(t.isTrusted(cert));
        t.setThumbprints(List.of("0011,", ",22ff, " + TrustStore.thumbprint(cert, "SHA-1")));
        assertTrue(t.isTrusted(cert), "several in one value, as config:property-append leaves them");
    }

    @Test
    void anOversizedFileIsIgnored() throws Exception {
        TrustStore t = new TrustStore(pki, List.of());
        Files.createDirectories(pki.resolve("trusted"));
        Files.write(pki.resolve("trusted/huge.der"), new byte[(int) TrustStore.MAX_FILE_BYTES + 1]);
        assertFalse(t.isTrusted(cert));
    }

    @Test
    void theGatewaysCertificateIsMadeOnceAndKept() throws Exception {
        ClientIdentity a = ClientIdentity.loadOrCreate(pki.resolve("own"), "urn:outpost:gateway:gw1:opcua", "gw1");
        ClientIdentity b = ClientIdentity.loadOrCreate(pki.resolve("own"), "urn:outpost:gateway:gw1:opcua", "gw1");
        assertEquals(a.certificate(), b.certificate());
        assertEquals(a.keyPair().getPrivate(), b.keyPair().getPrivate());
        assertEquals("urn:outpost:gateway:gw1:opcua", b.applicationUri());
        if (Files.getFileStore(pki).supportsFileAttributeView("posix")) {
            assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(pki.resolve("own/client.key"))));
        }
    }

    @Test
    void kubeEdgesCertificateAndKeyFilesAreRead() throws Exception {
        KeyPair kp = SelfSignedCertificateGenerator.generateRsaKeyPair(2048);
        X509Certificate c = new SelfSignedCertificateBuilder(kp).setCommonName("client").setApplicationUri("urn:kubeedge:client").build();
        Path certFile = pki.resolve("client.pem");
        Path keyFile = pki.resolve("client.key");
        Files.writeString(certFile, "-----BEGIN CERTIFICATE-----\n" + Base64.getMimeEncoder().encodeToString(c.getEncoded()) + "\n-----END CERTIFICATE-----\n");
        Files.writeString(keyFile, "-----BEGIN PRIVATE KEY-----\n" + Base64.getMimeEncoder().encodeToString(kp.getPrivate().getEncoded())
                + "\n-----END PRIVATE KEY-----\n");
        ClientIdentity id = ClientIdentity.fromFiles(certFile, keyFile);
        assertEquals("urn:kubeedge:client", id.applicationUri());
        assertEquals(kp.getPrivate(), id.keyPair().getPrivate());
        Files.writeString(keyFile, "garbage");
        java.io.IOException e = assertThrows(java.io.IOException.class, () -> ClientIdentity.fromFiles(certFile, keyFile));
        assertTrue(e.getMessage().contains("is not an unencrypted RSA key"), e.getMessage());
        e = assertThrows(java.io.IOException.class, () -> ClientIdentity.fromFiles(pki.resolve("missing.pem"), keyFile));
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
    }
}
