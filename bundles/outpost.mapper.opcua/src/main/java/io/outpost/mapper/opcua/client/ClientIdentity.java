package io.outpost.mapper.opcua.client;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Period;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.eclipse.milo.opcua.stack.core.util.SelfSignedCertificateBuilder;
import org.eclipse.milo.opcua.stack.core.util.SelfSignedCertificateGenerator;
import org.eclipse.milo.opcua.stack.core.util.validation.CertificateValidationUtil;

/**
 * The gateway's application instance certificate for OPC UA: the key pair, the certificate and the
 * application URI it names (servers check that the URI in the certificate matches the one the
 * client gives).
 */
public record ClientIdentity(KeyPair keyPair, X509Certificate certificate, String applicationUri) {
    static final long MAX_FILE_BYTES = 64 * 1024;

    /**
     * The gateway's own certificate from {@code dir} ({@code client.der}, {@code client.key}),
     * created there (RSA 2048, self-signed, 10 years) on first use.
     */
    public static ClientIdentity loadOrCreate(Path dir, String applicationUri, String hostName) throws IOException {
        Path certFile = dir.resolve("client.der");
        Path keyFile = dir.resolve("client.key");
        if (Files.exists(certFile) && Files.exists(keyFile)) {
            try {
                X509Certificate cert = certificate(certFile);
                PrivateKey key = KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(read(keyFile)));
                return new ClientIdentity(new KeyPair(cert.getPublicKey(), key), cert, uriOf(cert, certFile));
            } catch (IOException e) {
                throw e;
            } catch (Exception e) {
                throw new IOException("the gateway's OPC UA certificate in " + dir + " cannot be read (" + e.getMessage()
                        + "): delete client.der and client.key there to have a new one made", e);
            }
        }
        try {
            KeyPair kp = SelfSignedCertificateGenerator.generateRsaKeyPair(2048);
            X509Certificate cert = new SelfSignedCertificateBuilder(kp)
                    .setCommonName("Outpost gateway " + hostName)
                    .setOrganization("Outpost")
                    .setApplicationUri(applicationUri)
                    .addDnsName(hostName)
                    .setValidityPeriod(Period.ofYears(10))
                    .build();
            Files.createDirectories(dir);
            Files.write(certFile, cert.getEncoded());
            writeOwnerOnly(keyFile, kp.getPrivate().getEncoded());
            return new ClientIdentity(kp, cert, applicationUri);
        } catch (IOException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException("cannot create the gateway's OPC UA certificate in " + dir + ": " + e.getMessage(), e);
        }
    }

    /** A certificate and key given as files (KubeEdge's {@code certificate} and {@code privateKey}), PEM or DER. */
    public static ClientIdentity fromFiles(Path certFile, Path keyFile) throws IOException {
        X509Certificate cert;
        try {
            cert = certificate(certFile);
        } catch (IOException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException("certificate " + certFile + " is not an X.509 certificate (PEM or DER): " + e.getMessage(), e);
        }
        PrivateKey key;
        byte[] raw = read(keyFile);
        try (Reader r = new java.io.StringReader(new String(raw, StandardCharsets.US_ASCII)); PEMParser pem = new PEMParser(r)) {
            Object o = pem.readObject();
            JcaPEMKeyConverter conv = new JcaPEMKeyConverter();
            if (o instanceof PEMKeyPair kp) {
                key = conv.getPrivateKey(kp.getPrivateKeyInfo());
            } else if (o instanceof PrivateKeyInfo pki) {
                key = conv.getPrivateKey(pki);
            } else {
                key = KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(raw));
            }
        } catch (Exception e) {
            throw new IOException("privateKey " + keyFile + " is not an unencrypted RSA key (PEM: PRIVATE KEY or RSA PRIVATE KEY, or PKCS#8 DER)", e);
        }
        return new ClientIdentity(new KeyPair(cert.getPublicKey(), key), cert, uriOf(cert, certFile));
    }

    private static X509Certificate certificate(Path f) throws Exception {
        try (InputStream in = new java.io.ByteArrayInputStream(read(f))) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
    }

    private static String uriOf(X509Certificate cert, Path f) throws IOException {
        try {
            String uri = CertificateValidationUtil.getSubjectAltNameUri(cert);
            if (uri != null && !uri.isBlank()) {
                return uri;
            }
        } catch (Exception e) {
            // below
        }
        throw new IOException("certificate " + f + " names no application URI (a subjectAltName URI): OPC UA servers require one");
    }

    private static byte[] read(Path f) throws IOException {
        if (!Files.isReadable(f)) {
            throw new IOException(f + " does not exist or cannot be read by the gateway");
        }
        if (Files.size(f) > MAX_FILE_BYTES) {
            throw new IOException(f + " is larger than " + MAX_FILE_BYTES + " bytes; a certificate or key is a few KB");
        }
        return Files.readAllBytes(f);
    }

    private static void writeOwnerOnly(Path f, byte[] data) throws IOException {
        try {
            Files.createFile(f, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException e) {
            Files.createFile(f);
        }
        Files.write(f, data, StandardOpenOption.TRUNCATE_EXISTING);
    }
}
