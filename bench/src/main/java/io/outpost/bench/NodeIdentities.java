package io.outpost.bench;

import io.netty.handler.ssl.SslContext;
import io.outpost.link.pki.CertifiedKey;
import io.outpost.link.pki.Pki;
import io.outpost.link.pki.PkiException;
import io.outpost.link.transport.Tls;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import javax.net.ssl.SSLException;

/**
 * The benchmark's PKI: one CA, and for every simulated gateway a key pair, a CSR signed by the
 * cloud's CA code ({@link Pki#signNodeCsr}, the same call the bootstrap service makes) and a TLS
 * client context made by the link's own {@link Tls#client}. All made once, up front, and timed by
 * phase, so that the connect rate measures connecting only.
 */
final class NodeIdentities {
    /** Times of making the identities, for the report. */
    record Timings(int nodes, long keyAndCsrMillis, long signMillis, long tlsContextMillis) {
    }

    private final CertifiedKey ca;
    private final List<String> names = new ArrayList<>();
    private final List<SslContext> contexts = new ArrayList<>();
    private Timings timings = new Timings(0, 0, 0, 0);

    NodeIdentities() {
        this.ca = Pki.newCa("outpost-bench-ca", Duration.ofDays(2));
    }

    /** Writes the CA certificate and key as PEM, for the cloud process. */
    void writeCa(Path cert, Path key) throws IOException {
        Files.writeString(cert, Pki.toPem(ca.certificate()));
        Files.writeString(key, Pki.toPem(ca.key()));
    }

    /** Makes identities for nodes {@code [current size, count)}. */
    void ensure(int count, String namePrefix) {
        int from = names.size();
        if (count <= from) {
            return;
        }
        int n = count - from;
        // Each phase runs on all cores (the calls are stateless and thread-safe); the report gives
        // wall time per phase. Identities are made before any cloud runs, so nothing competes.
        KeyPair[] keys = new KeyPair[n];
        byte[][] csrs = new byte[n][];
        X509Certificate[] certs = new X509Certificate[n];
        SslContext[] made = new SslContext[n];
        long t0 = System.nanoTime();
        IntStream.range(0, n).parallel().forEach(i -> {
            keys[i] = Pki.newKeyPair();
            csrs[i] = Pki.newNodeCsr(keys[i], name(namePrefix, from + i));
        });
        long t1 = System.nanoTime();
        IntStream.range(0, n).parallel().forEach(i -> {
            try {
                certs[i] = Pki.signNodeCsr(ca, csrs[i], name(namePrefix, from + i), Duration.ofDays(1));
            } catch (PkiException e) {
                throw new IllegalStateException("signing the CSR of " + name(namePrefix, from + i) + " failed: " + e.getMessage(), e);
            }
        });
        long t2 = System.nanoTime();
        IntStream.range(0, n).parallel().forEach(i -> {
            try {
                // One context per gateway, as each real gateway has its own key; this also keeps
                // TLS session resumption from making reconnects cheaper than they are.
                made[i] = Tls.client(new CertifiedKey(keys[i].getPrivate(), certs[i]), ca.certificate());
            } catch (SSLException e) {
                throw new IllegalStateException("TLS context of " + name(namePrefix, from + i) + ": " + e.getMessage(), e);
            }
        });
        long t3 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            contexts.add(made[i]);
            names.add(name(namePrefix, from + i));
        }
        timings = new Timings(count, timings.keyAndCsrMillis() + (t1 - t0) / 1_000_000, timings.signMillis() + (t2 - t1) / 1_000_000,
                timings.tlsContextMillis() + (t3 - t2) / 1_000_000);
    }

    private static String name(String prefix, int i) {
        return String.format("%s%05d", prefix, i);
    }

    String name(int i) {
        return names.get(i);
    }

    SslContext context(int i) {
        return contexts.get(i);
    }

    Timings timings() {
        return timings;
    }
}
