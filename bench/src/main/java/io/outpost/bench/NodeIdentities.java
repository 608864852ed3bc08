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
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLException;

/**
 * The benchmark's PKI: one CA, and for every simulated gateway a key pair, a CSR signed by the
 * cloud's CA code ({@link Pki#signNodeCsr}, the same call the bootstrap service makes) and a TLS
 * client context. All made once, up front, and timed by phase, so that the connect rate measures
 * connecting only.
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
    void ensure(int count, String namePrefix) throws PkiException, SSLException {
        int from = names.size();
        if (count <= from) {
            return;
        }
        int n = count - from;
        List<KeyPair> keys = new ArrayList<>(n);
        List<byte[]> csrs = new ArrayList<>(n);
        long t0 = System.nanoTime();
        for (int i = from; i < count; i++) {
            KeyPair kp = Pki.newKeyPair();
            keys.add(kp);
            csrs.add(Pki.newNodeCsr(kp, name(namePrefix, i)));
        }
        long t1 = System.nanoTime();
        List<CertifiedKey> certified = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            String node = name(namePrefix, from + i);
            certified.add(new CertifiedKey(keys.get(i).getPrivate(), Pki.signNodeCsr(ca, csrs.get(i), node, Duration.ofDays(1))));
        }
        long t2 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            // One context per gateway, as each real gateway has its own key; this also keeps
            // TLS session resumption from making reconnects cheaper than they are.
            contexts.add(Tls.client(certified.get(i), ca.certificate()));
            names.add(name(namePrefix, from + i));
        }
        long t3 = System.nanoTime();
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
