package io.outpost.edge.console.tls;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.outpost.link.pki.Pki;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import javax.net.ssl.SSLException;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The console's server certificate: the one configured (PEM certificate chain and PKCS#8 key,
 * RSA or EC), or else a self-signed EC P-256 certificate created once under the gateway's data
 * directory, valid for its host name and addresses, and kept across restarts so that a browser's
 * exception for it stays valid.
 */
public final class ConsoleTls {
    /** Validity of the self-signed certificate. */
    public static final Duration SELF_SIGNED_VALIDITY = Duration.ofDays(825);

    /**
     * @param certificate the PEM file of the certificate (chain)
     * @param key the PEM file of the private key
     * @param expiry when the (first) certificate expires
     * @param selfSigned whether it was made here
     */
    public record Material(Path certificate, Path key, Instant expiry, boolean selfSigned) {
    }

    private ConsoleTls() {
    }

    /**
     * @param configuredCert the configured certificate file, or blank for the self-signed one
     * @param configuredKey the configured key file, or blank
     * @param stateDir where the self-signed pair lives
     * @throws IOException with what to fix when a configured file is missing or unreadable
     */
    public static Material material(String configuredCert, String configuredKey, Path stateDir) throws IOException {
        boolean certSet = configuredCert != null && !configuredCert.isBlank();
        boolean keySet = configuredKey != null && !configuredKey.isBlank();
        if (certSet != keySet) {
            throw new IOException("set both certificateFile and privateKeyFile, or neither (for the self-signed certificate)");
        }
        if (certSet) {
            Path c = Path.of(configuredCert.trim());
            Path k = Path.of(configuredKey.trim());
            for (Path p : List.of(c, k)) {
                if (!Files.isReadable(p)) {
                    throw new IOException("cannot read " + p.toAbsolutePath() + ": check the path and its permissions");
                }
            }
            return new Material(c, k, expiry(c), false);
        }
        Path c = stateDir.resolve("console.crt");
        Path k = stateDir.resolve("console.key");
        if (!Files.isRegularFile(c) || !Files.isRegularFile(k)) {
            createSelfSigned(c, k);
        }
        return new Material(c, k, expiry(c), true);
    }

    /** @return a TLS server context for the material (TLS 1.2 and 1.3) */
    public static SslContext serverContext(Material m) throws IOException {
        try {
            return SslContextBuilder.forServer(m.certificate().toFile(), m.key().toFile()).protocols("TLSv1.3", "TLSv1.2").build();
        } catch (SSLException | IllegalArgumentException e) {
            throw new IOException("cannot use " + m.certificate() + " with " + m.key() + " (PEM certificate and PKCS#8 key expected): "
                    + e.getMessage(), e);
        }
    }

    static Instant expiry(Path certFile) throws IOException {
        if (Files.size(certFile) > Pki.MAX_ENCODED_BYTES) {
            throw new IOException(certFile + " is larger than " + Pki.MAX_ENCODED_BYTES + " bytes: not a certificate");
        }
        try (InputStream in = Files.newInputStream(certFile)) {
            X509Certificate x = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
            return x.getNotAfter().toInstant();
        } catch (Exception e) {
            throw new IOException(certFile + " is not a PEM or DER X.509 certificate: " + e.getMessage(), e);
        }
    }

    static void createSelfSigned(Path certFile, Path keyFile) throws IOException {
        KeyPair kp = Pki.newKeyPair();
        String host = hostName();
        Set<GeneralName> sans = new LinkedHashSet<>();
        sans.add(new GeneralName(GeneralName.dNSName, "localhost"));
        sans.add(new GeneralName(GeneralName.dNSName, host));
        sans.add(new GeneralName(GeneralName.iPAddress, "127.0.0.1"));
        try {
            for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                for (InetAddress a : Collections.list(ni.getInetAddresses())) {
                    if (!a.isLinkLocalAddress()) {
                        sans.add(new GeneralName(GeneralName.iPAddress, a.getHostAddress().replaceAll("%.*", "")));
                    }
                }
            }
        } catch (Exception e) {
            // addresses are a convenience for browsers; the certificate is self-signed anyway
        }
        Instant now = Instant.now();
        try {
            X500Name name = new X500Name("CN=" + host.replaceAll("[,=+<>#;\"\\\\]", "-") + ",O=Outpost gateway console");
            var b = new JcaX509v3CertificateBuilder(name, new BigInteger(127, new SecureRandom()), Date.from(now.minus(Duration.ofMinutes(5))),
                    Date.from(now.plus(SELF_SIGNED_VALIDITY)), name, kp.getPublic());
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
            b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
            b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new ArrayList<>(sans).toArray(new GeneralName[0])));
            X509Certificate cert = new JcaX509CertificateConverter().getCertificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(kp.getPrivate())));
            Files.createDirectories(keyFile.getParent());
            writeOwnerOnly(keyFile, Pki.toPem(kp.getPrivate()));
            Files.writeString(certFile, Pki.toPem(cert), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException("cannot create the console's self-signed certificate: " + e.getMessage(), e);
        }
    }

    private static void writeOwnerOnly(Path file, String text) throws IOException {
        Files.deleteIfExists(file);
        try {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException e) {
            Files.createFile(file);
        }
        Files.writeString(file, text, StandardCharsets.US_ASCII);
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            return "localhost";
        }
    }
}
