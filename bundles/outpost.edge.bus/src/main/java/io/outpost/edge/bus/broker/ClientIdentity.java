package io.outpost.edge.bus.broker;

import java.util.Objects;
import java.util.Set;

/**
 * Who a connected client is, once authenticated.
 *
 * @param clientId the MQTT client identifier
 * @param user the user name it authenticated with, or "" when anonymous (loopback only)
 * @param devices the device ids ({@code <ns>/<name>}, or {@code <ns>/*}) the client may publish
 *     for; empty means every device of this gateway
 */
public record ClientIdentity(String clientId, String user, Set<String> devices) {
    public ClientIdentity {
        Objects.requireNonNull(clientId);
        user = user == null ? "" : user;
        devices = Set.copyOf(devices);
    }

    /** @return whether this client may act for the device {@code <namespace>/<name>} */
    public boolean mayActFor(String namespace, String name) {
        return devices.isEmpty() || devices.contains(namespace + "/" + name) || devices.contains(namespace + "/*");
    }

    @Override
    public String toString() {
        return clientId + (user.isEmpty() ? " (anonymous)" : " (user " + user + ")");
    }
}
