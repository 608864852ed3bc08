package io.outpost.mapper.opcua.client;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.eclipse.milo.opcua.stack.core.StatusCodes;
import org.eclipse.milo.opcua.stack.core.UaException;
import org.eclipse.milo.opcua.stack.core.security.CertificateValidator;

/**
 * The servers this gateway trusts. A server certificate is trusted when a copy of it lies in
 * {@code trusted/} (DER or PEM, any file name) or its SHA-1 or SHA-256 thumbprint is configured.
 * Anything else is refused and a copy is written to {@code rejected/<sha1>.der}, so trusting it is
 * one {@code mv}. The folder is read at each check (a handshake, rare), so a file dropped there
 * counts from the next connection attempt on, without a restart.
 */
public final class TrustStore {
    /** Most files looked at in trusted/, and the largest file read: a certificate is a few KB. */
    static final int MAX_FILES = 1000;
    static final long MAX_FILE_BYTES = 64 * 1024;

    private final Path trusted;
    private final Path rejected;
    private volatile Set<String> thumbprints;
    /** Certificates (SHA-1) whose refusal was logged: once each, not at every reconnect attempt. */
    private final Set<String> warned = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(TrustStore.class);

    public TrustStore(Path pkiDir, Collection<String> trustedThumbprints) {
        this.trusted = pkiDir.resolve("trusted");
        this.rejected = pkiDir.resolve("rejected");
        setThumbprints(trustedThumbprints);
    }

    public Path trustedDir() {
        return trusted;
    }

    public Path rejectedDir() {
        return rejected;
    }

    /**
     * Thumbprints (hex, colons and case ignored) of server certificates trusted without a file.
     * Each value may hold several, separated by commas or spaces, as {@code config:property-append}
     * leaves them.
     */
    public void setThumbprints(Collection<String> values) {
        thumbprints = values.stream().flatMap(v -> java.util.Arrays.stream(v.split("[,\\s]+"))).map(TrustStore::normalise)
                .filter(s -> !s.isEmpty()).collect(Collectors.toUnmodifiableSet());
    }

    static String normalise(String thumbprint) {
        return thumbprint.replace(":", "").trim().toLowerCase(Locale.ROOT);
    }

    public boolean isTrusted(X509Certificate cert) {
        String sha1 = thumbprint(cert, "SHA-1");
        if (thumbprints.contains(sha1) || thumbprints.contains(thumbprint(cert, "SHA-256"))) {
            return true;
        }
        for (X509Certificate c : trustedCertificates()) {
            if (c.equals(cert)) {
                return true;
            }
        }
        return false;
    }

    /** The certificates in trusted/; unreadable or oversized files are skipped. */
    List<X509Certificate> trustedCertificates() {
        List<X509Certificate> out = new ArrayList<>();
        if (!Files.isDirectory(trusted)) {
            return out;
        }
        int n = 0;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(trusted)) {
            for (Path f : files) {
                if (++n > MAX_FILES) {
                    break;
                }
                if (!Files.isRegularFile(f) || Files.size(f) > MAX_FILE_BYTES) {
                    continue;
                }
                try (InputStream in = Files.newInputStream(f)) {
                    for (var c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                        out.add((X509Certificate) c);
                    }
                } catch (CertificateException | IOException e) {
                    // not a certificate: ignored, as a README or a key dropped there by mistake
                }
            }
        } catch (IOException e) {
            // an unreadable folder trusts nothing
        }
        return out;
    }

    /**
     * A validator for one server's handshakes.
     *
     * @param url the server, for messages
     * @param onReject told why a certificate was refused (the handshake's own error is generic)
     */
    public CertificateValidator validator(String url, Consumer<String> onReject) {
        return (chain, applicationUri, hostnames) -> validate(url, chain, onReject);
    }

    /**
     * Checks a server's certificate chain (leaf first). A refusal is logged at WARN once per
     * certificate (a device retries every few seconds; the Device status carries the reason each
     * time), and the message says how to trust it.
     *
     * @param url the server, for messages
     * @param chain as the server sent it, leaf first; empty when it sent none
     * @param onReject told why a certificate was refused
     * @throws UaException Bad_SecurityChecksFailed or Bad_CertificateTimeInvalid when refused
     */
    public void validate(String url, List<X509Certificate> chain, Consumer<String> onReject) throws UaException {
        if (chain == null || chain.isEmpty()) {
            String m = "the server at " + url + " sent no certificate";
            refuse(url, m);
            onReject.accept(m);
            throw new UaException(StatusCodes.Bad_SecurityChecksFailed, m);
        }
        X509Certificate leaf = chain.get(0);
        if (!isTrusted(leaf)) {
            String m = rejectionMessage(leaf, url, saveRejected(leaf));
            refuse(thumbprint(leaf, "SHA-1"), m);
            onReject.accept(m);
            throw new UaException(StatusCodes.Bad_SecurityChecksFailed, m);
        }
        try {
            leaf.checkValidity();
        } catch (CertificateExpiredException | CertificateNotYetValidException e) {
            String m = "the server certificate of " + url + " (" + leaf.getSubjectX500Principal().getName() + ") is valid only from "
                    + leaf.getNotBefore().toInstant() + " to " + leaf.getNotAfter().toInstant() + ": renew it on the server (or fix the clock)";
            refuse(thumbprint(leaf, "SHA-1") + " time", m);
            onReject.accept(m);
            throw new UaException(StatusCodes.Bad_CertificateTimeInvalid, m);
        }
    }

    private void refuse(String key, String message) {
        if (warned.size() < MAX_FILES && warned.add(key)) {
            LOG.warn("{} (logged once per certificate; the Device status shows it on every attempt)", message);
        }
    }

    private Path saveRejected(X509Certificate cert) {
        Path f = rejected.resolve(thumbprint(cert, "SHA-1") + ".der");
        try {
            Files.createDirectories(rejected);
            if (!Files.exists(f)) {
                Files.write(f, cert.getEncoded());
            }
        } catch (IOException | CertificateEncodingException e) {
            return null;
        }
        return f;
    }

    private String rejectionMessage(X509Certificate cert, String url, Path saved) {
        String sha1 = thumbprint(cert, "SHA-1");
        return "the server certificate of " + url + " (" + cert.getSubjectX500Principal().getName() + ", SHA-1 " + sha1
                + ") is not trusted: to trust it, " + (saved == null ? "put a copy of it into " + trusted
                        : "move " + saved + " to " + trusted + "/")
                + " or add its thumbprint to the mapper's configuration (config:property-append -p io.outpost.mapper.opcua trustedCertificates ,"
                + sha1 + ")";
    }

    public static String thumbprint(X509Certificate cert, String algorithm) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance(algorithm).digest(cert.getEncoded()));
        } catch (NoSuchAlgorithmException | CertificateEncodingException e) {
            throw new IllegalStateException(e);
        }
    }
}
