package io.outpost.edge.console.auth;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Properties;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * Remembers, per user, a salted PBKDF2 hash of the password that user last set through the
 * console. A login whose password does not match it is a password nobody chose here — the
 * distribution's default, one written into users.properties by a script, one reset by hand — and
 * must be changed before the console does anything else. The file is owner-only.
 */
public final class PasswordRecords {
    static final int ITERATIONS = 20_000;
    private final Path file;
    private final SecureRandom random = new SecureRandom();

    public PasswordRecords(Path file) {
        this.file = file;
    }

    /** @return true when this is the password the user set through the console */
    public synchronized boolean isChosen(String username, char[] password) {
        String rec = load().getProperty(username);
        if (rec == null) {
            return false;
        }
        String[] parts = rec.split(":");
        if (parts.length != 2) {
            return false;
        }
        try {
            byte[] salt = Base64.getDecoder().decode(parts[0]);
            byte[] want = Base64.getDecoder().decode(parts[1]);
            return MessageDigest.isEqual(want, hash(password, salt));
        } catch (IllegalArgumentException | GeneralSecurityException e) {
            return false;
        }
    }

    /** Records the password the user has just chosen. */
    public synchronized void record(String username, char[] password) throws IOException {
        Properties p = load();
        byte[] salt = new byte[16];
        random.nextBytes(salt);
        try {
            p.setProperty(username, Base64.getEncoder().encodeToString(salt) + ":" + Base64.getEncoder().encodeToString(hash(password, salt)));
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot hash the password: " + e.getMessage(), e);
        }
        Files.createDirectories(file.getParent());
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        try {
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException e) {
            Files.createFile(tmp);
        }
        try (OutputStream out = Files.newOutputStream(tmp)) {
            p.store(out, "passwords set through the web console (salted PBKDF2); delete a line to force a change");
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private Properties load() {
        Properties p = new Properties();
        if (Files.isRegularFile(file)) {
            try (InputStream in = Files.newInputStream(file)) {
                p.load(in);
            } catch (IOException e) {
                // unreadable: every password counts as not chosen, so users are asked to change it
            }
        }
        return p;
    }

    private static byte[] hash(char[] password, byte[] salt) throws GeneralSecurityException {
        var spec = new PBEKeySpec(password, salt, ITERATIONS, 256);
        return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
    }
}
