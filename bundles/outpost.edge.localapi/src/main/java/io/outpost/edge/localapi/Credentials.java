package io.outpost.edge.localapi;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * The local API's bearer token: made on the gateway at first start (256 random bits), kept
 * owner-only next to a kubeconfig that carries it, so {@code kubectl --kubeconfig <file>} works
 * on the gateway and nothing else on the machine can read it. The token survives restarts;
 * deleting the token file and restarting the component rotates it.
 */
public final class Credentials {
    /** Bytes of a token file accepted; the real one is 43. */
    private static final int MAX_TOKEN_BYTES = 1024;

    private final byte[] token;
    private final Path tokenFile;

    private Credentials(byte[] token, Path tokenFile) {
        this.token = token;
        this.tokenFile = tokenFile;
    }

    /**
     * Reads the token file, or makes a new token and writes it owner-only.
     *
     * @throws IOException when the file cannot be read or written, or is not a token
     */
    public static Credentials loadOrCreate(Path tokenFile) throws IOException {
        if (Files.exists(tokenFile)) {
            if (Files.size(tokenFile) > MAX_TOKEN_BYTES) {
                throw new IOException(tokenFile + " is larger than a token; delete it to make a new one");
            }
            String t = Files.readString(tokenFile, StandardCharsets.US_ASCII).trim();
            if (t.length() < 32 || !t.matches("[A-Za-z0-9_-]+")) {
                throw new IOException(tokenFile + " does not hold a token (43 characters of base64url); delete it to make a new one");
            }
            return new Credentials(t.getBytes(StandardCharsets.US_ASCII), tokenFile);
        }
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        String t = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
        writePrivate(tokenFile, t + "\n");
        return new Credentials(t.getBytes(StandardCharsets.US_ASCII), tokenFile);
    }

    /** @return the token file */
    public Path tokenFile() {
        return tokenFile;
    }

    /** @return the token, for the kubeconfig */
    String token() {
        return new String(token, StandardCharsets.US_ASCII);
    }

    /**
     * Checks an {@code Authorization} header in constant time.
     *
     * @param header the header's value, or null
     * @return whether it is {@code Bearer <our token>}
     */
    public boolean accepts(String header) {
        if (header == null || header.length() > MAX_TOKEN_BYTES || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return false;
        }
        byte[] given = header.substring(7).trim().getBytes(StandardCharsets.US_ASCII);
        return MessageDigest.isEqual(given, token);
    }

    /**
     * Writes a kubeconfig for the local API, owner-only (mode 0600, folder 0700).
     *
     * @param file where
     * @param server the API's URL, e.g. {@code https://127.0.0.1:10550}
     * @param caPem the CA the server's certificate is checked against
     * @param nodeName the context's name suffix, so kubeconfigs of several gateways can be merged
     */
    public void writeKubeconfig(Path file, String server, String caPem, String nodeName) throws IOException {
        String name = "outpost-local" + (nodeName.isEmpty() ? "" : "-" + nodeName);
        String yaml = "# The gateway's local API (read-only, served from its meta store); owner-only: it holds the token.\n"
                + "apiVersion: v1\nkind: Config\n"
                + "clusters:\n- name: " + name + "\n  cluster:\n    server: " + server + "\n    certificate-authority-data: "
                + Base64.getEncoder().encodeToString(caPem.getBytes(StandardCharsets.US_ASCII)) + "\n"
                + "users:\n- name: " + name + "\n  user:\n    token: " + token() + "\n"
                + "contexts:\n- name: " + name + "\n  context:\n    cluster: " + name + "\n    user: " + name + "\n    namespace: default\n"
                + "current-context: " + name + "\n";
        writePrivate(file, yaml);
    }

    /** Writes a file that only its owner can read, through a temporary file and a rename. */
    static void writePrivate(Path file, String content) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        try {
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: the folder keeps its permissions
        }
        Path tmp = dir.resolve("." + file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        try {
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException e) {
            Files.createFile(tmp);
        } catch (FileAlreadyExistsException e) {
            throw new IOException("cannot create " + tmp + ": it appeared while writing", e);
        }
        Files.writeString(tmp, content, StandardCharsets.UTF_8);
        try {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
