package io.outpost.link.hub;

import io.outpost.link.pki.CertifiedKey;
import io.outpost.link.pki.Pki;
import io.outpost.link.pki.PkiException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.util.Optional;
import java.util.Properties;

/**
 * What a joined gateway keeps on disk, in one directory readable by its owner only:
 * {@code ca.crt}, {@code node.key} (mode 0600), {@code node.crt} and {@code link.properties}
 * (the cloud's address). Files are replaced atomically, so a crash never leaves a key that does
 * not match its certificate.
 *
 * @param ca the cloud CA
 * @param node the node's key and certificate
 * @param cloudHost host of the cloud
 * @param hubPort the hub's WebSocket port
 * @param bootstrapPort the bootstrap HTTPS port
 */
public record Credentials(X509Certificate ca, CertifiedKey node, String cloudHost, int hubPort, int bootstrapPort) {

    /** Loads credentials, or empty when the gateway has not joined. */
    public static Optional<Credentials> load(Path dir) throws IOException {
        Path props = dir.resolve("link.properties");
        if (!Files.exists(props) || !Files.exists(dir.resolve("node.crt")) || !Files.exists(dir.resolve("node.key"))) {
            return Optional.empty();
        }
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(props)) {
            p.load(in);
        }
        try {
            X509Certificate ca = Pki.parseCertificate(Files.readAllBytes(dir.resolve("ca.crt")));
            X509Certificate cert = Pki.parseCertificate(Files.readAllBytes(dir.resolve("node.crt")));
            var key = Pki.parsePrivateKey(Files.readString(dir.resolve("node.key"), StandardCharsets.US_ASCII));
            return Optional.of(new Credentials(ca, new CertifiedKey(key, cert), p.getProperty("cloudHost"),
                    Integer.parseInt(p.getProperty("hubPort", "10000")), Integer.parseInt(p.getProperty("bootstrapPort", "10002"))));
        } catch (PkiException | NumberFormatException e) {
            throw new IOException("the gateway's credentials in " + dir + " are damaged (" + e.getMessage()
                    + "); join again with 'outpost:join <cloud> <token>'", e);
        }
    }

    /** Stores credentials, replacing the old ones atomically file by file (key and cert last). */
    public void store(Path dir) throws IOException {
        Files.createDirectories(dir);
        try {
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: rely on the directory's inherited permissions
        }
        write(dir, "ca.crt", Pki.toPem(ca).getBytes(StandardCharsets.US_ASCII), false);
        Properties p = new Properties();
        p.setProperty("cloudHost", cloudHost);
        p.setProperty("hubPort", Integer.toString(hubPort));
        p.setProperty("bootstrapPort", Integer.toString(bootstrapPort));
        var buf = new java.io.ByteArrayOutputStream();
        try (OutputStream out = buf) {
            p.store(out, "Outpost edge hub: the cloud this gateway joined");
        }
        write(dir, "link.properties", buf.toByteArray(), false);
        write(dir, "node.key", Pki.toPem(node.key()).getBytes(StandardCharsets.US_ASCII), true);
        write(dir, "node.crt", Pki.toPem(node.certificate()).getBytes(StandardCharsets.US_ASCII), false);
    }

    private static void write(Path dir, String name, byte[] data, boolean secret) throws IOException {
        Path tmp = dir.resolve(name + ".tmp");
        Files.deleteIfExists(tmp);
        try {
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(secret ? "rw-------" : "rw-r-----")));
        } catch (UnsupportedOperationException e) {
            Files.createFile(tmp);
        }
        Files.write(tmp, data);
        try {
            Files.move(tmp, dir.resolve(name), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, dir.resolve(name), StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
