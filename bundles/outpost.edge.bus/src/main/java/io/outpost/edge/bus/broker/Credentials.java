package io.outpost.edge.bus.broker;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The broker's users, from configuration entries {@code user:password[:device,device…]}. A
 * password written as {@code sha256:<hex>} is compared by its SHA-256 hash, so the configuration
 * file need not hold it in clear. Devices are ids {@code <ns>/<name>} or {@code <ns>/*}; a user
 * without devices may publish for every device of this gateway.
 */
public final class Credentials {
    private record User(byte[] secret, boolean hashed, Set<String> devices) {
    }

    private final Map<String, User> users;
    private final boolean anonymousOnLoopback;

    private Credentials(Map<String, User> users, boolean anonymousOnLoopback) {
        this.users = users;
        this.anonymousOnLoopback = anonymousOnLoopback;
    }

    /**
     * @param entries configuration entries, {@code user:password[:devices]}
     * @param anonymousOnLoopback whether clients on the loopback interface may connect without a
     *     user name
     * @throws IllegalArgumentException when an entry is malformed, saying which and how to fix it
     */
    public static Credentials parse(String[] entries, boolean anonymousOnLoopback) {
        Map<String, User> users = new LinkedHashMap<>();
        for (String e : entries == null ? new String[0] : entries) {
            if (e == null || e.isBlank()) {
                continue;
            }
            String[] parts = e.trim().split(":", -1);
            boolean hashed = parts.length >= 3 && parts[1].equals("sha256");
            int devicesAt = hashed ? 3 : 2;
            String user = parts[0];
            String secret = hashed ? parts[2] : parts.length > 1 ? parts[1] : "";
            if (user.isEmpty() || secret.isEmpty() || parts.length > devicesAt + 1) {
                throw new IllegalArgumentException("user entry '" + user + ":…' must be user:password[:ns/device,…] "
                        + "or user:sha256:<hex>[:ns/device,…]");
            }
            byte[] bytes;
            if (hashed) {
                try {
                    bytes = HexFormat.of().parseHex(secret);
                } catch (IllegalArgumentException x) {
                    bytes = new byte[0];
                }
                if (bytes.length != 32) {
                    throw new IllegalArgumentException("user " + user + ": sha256: must be followed by 64 hex digits");
                }
            } else {
                bytes = secret.getBytes(StandardCharsets.UTF_8);
            }
            Set<String> devices = new LinkedHashSet<>();
            if (parts.length > devicesAt) {
                for (String d : parts[devicesAt].split(",")) {
                    String id = d.trim();
                    if (id.isEmpty()) {
                        continue;
                    }
                    if (id.split("/", -1).length != 2 || id.startsWith("/") || id.endsWith("/")) {
                        throw new IllegalArgumentException("user " + user + ": device '" + id + "' must be <namespace>/<name> or <namespace>/*");
                    }
                    devices.add(id);
                }
            }
            if (users.put(user, new User(bytes, hashed, devices)) != null) {
                throw new IllegalArgumentException("user " + user + " is listed twice");
            }
        }
        return new Credentials(users, anonymousOnLoopback);
    }

    /** @return whether any user is configured */
    public boolean hasUsers() {
        return !users.isEmpty();
    }

    /**
     * @param clientId the client's identifier
     * @param user the user name from CONNECT, or null
     * @param password the password from CONNECT, or null
     * @param remote the client's address
     * @return the identity, or empty when the client is refused
     */
    public Optional<ClientIdentity> authenticate(String clientId, String user, byte[] password, InetAddress remote) {
        if (user == null || user.isEmpty()) {
            return anonymousOnLoopback && remote != null && remote.isLoopbackAddress()
                    ? Optional.of(new ClientIdentity(clientId, "", Set.of())) : Optional.empty();
        }
        User u = users.get(user);
        byte[] given = password == null ? new byte[0] : password;
        if (u == null) {
            return Optional.empty();
        }
        byte[] cmp = u.hashed() ? sha256(given) : given;
        // Constant time, so the answer's timing does not tell how much of a password was right.
        return MessageDigest.isEqual(cmp, u.secret()) ? Optional.of(new ClientIdentity(clientId, user, u.devices())) : Optional.empty();
    }

    static byte[] sha256(byte[] b) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(b);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        return "Credentials" + Arrays.toString(users.keySet().toArray());
    }
}
