package io.outpost.edge.localapi;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.outpost.link.pki.CertifiedKey;
import io.outpost.link.pki.Pki;
import io.outpost.link.pki.PkiException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;

/**
 * The local API's TLS: a CA of its own and a server certificate for loopback (127.0.0.1, ::1,
 * localhost), made on the gateway at first start and kept ({@code ca.crt}, {@code server.crt},
 * {@code server.key} owner-only). TLS is not about the loopback wire here: Kubernetes clients
 * (client-go, so kubectl) do not send a bearer token over plain HTTP, and the kubeconfig pins
 * this CA, so nothing else on the host can pose as the API.
 */
public final class LocalTls {
    private static final Duration VALIDITY = Duration.ofDays(3650);

    private final SslContext context;
    private final String caPem;

    private LocalTls(SslContext context, String caPem) {
        this.context = context;
        this.caPem = caPem;
    }

    /** Loads the CA and server certificate from {@code dir}, making them when missing or expired. */
    public static LocalTls loadOrCreate(Path dir) throws IOException {
        Path caFile = dir.resolve("ca.crt");
        Path certFile = dir.resolve("server.crt");
        Path keyFile = dir.resolve("server.key");
        String caPem;
        String certPem;
        String keyPem;
        if (Files.exists(caFile) && Files.exists(certFile) && Files.exists(keyFile) && valid(certFile)) {
            caPem = read(caFile);
            certPem = read(certFile);
            keyPem = read(keyFile);
        } else {
            CertifiedKey ca = Pki.newCa("outpost-local-api-ca", VALIDITY);
            CertifiedKey server = Pki.issueServer(ca, "localhost", List.of("localhost", "127.0.0.1", "::1"), VALIDITY);
            caPem = Pki.toPem(ca.certificate());
            certPem = Pki.toPem(server.certificate());
            keyPem = Pki.toPem(server.key());
            // The CA's key is not kept: nothing is ever issued again, a new pair replaces both.
            Credentials.writePrivate(keyFile, keyPem);
            Credentials.writePrivate(certFile, certPem);
            Credentials.writePrivate(caFile, caPem);
        }
        try {
            SslContext ctx = SslContextBuilder.forServer(Pki.parsePrivateKey(keyPem), Pki.parseCertificate(
                    certPem.getBytes(StandardCharsets.US_ASCII))).protocols("TLSv1.3", "TLSv1.2").build();
            return new LocalTls(ctx, caPem);
        } catch (PkiException e) {
            throw new IOException("the local API's key or certificate in " + dir + " cannot be read (" + e.getMessage()
                    + "); delete ca.crt, server.crt and server.key there to make new ones", e);
        }
    }

    /** @return the server's TLS context */
    public SslContext context() {
        return context;
    }

    /** @return the CA certificate in PEM, for the kubeconfig */
    public String caPem() {
        return caPem;
    }

    private static boolean valid(Path certFile) throws IOException {
        try {
            X509Certificate c = Pki.parseCertificate(read(certFile).getBytes(StandardCharsets.US_ASCII));
            c.checkValidity();
            return true;
        } catch (PkiException | CertificateExpiredException | CertificateNotYetValidException e) {
            return false;
        }
    }

    private static String read(Path f) throws IOException {
        if (Files.size(f) > Pki.MAX_ENCODED_BYTES) {
            throw new IOException(f + " is larger than " + Pki.MAX_ENCODED_BYTES + " bytes: not a certificate or key; delete it");
        }
        return Files.readString(f, StandardCharsets.US_ASCII);
    }
}
