package io.outpost.edge.bus.broker;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * How the embedded broker listens and what it accepts.
 *
 * @param host the address to bind; a loopback address by default
 * @param port the TCP port; 0 picks a free one (tests)
 * @param maxPacketBytes the largest MQTT packet accepted, in bytes; larger ones close the
 *     connection (MQTT 5: reason 0x95)
 * @param maxClients connections beyond this are refused (server busy)
 * @param messagesPerSecond each client's sustained PUBLISH rate; a faster client is slowed by
 *     reading its socket less often, so it cannot starve the others
 * @param burst how many PUBLISH packets a client may send at once above that rate
 * @param maxRetained the most retained messages kept; new topics beyond that are not retained
 * @param maxSubscriptions the most subscriptions per client
 */
public record BrokerSettings(String host, int port, int maxPacketBytes, int maxClients, int messagesPerSecond, int burst, int maxRetained,
        int maxSubscriptions) {
    public static final int DEFAULT_PORT = 1883;
    public static final int DEFAULT_MAX_PACKET = 64 * 1024;

    public BrokerSettings {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " is not a TCP port (0-65535)");
        }
        if (maxPacketBytes < 256 || maxPacketBytes > 256 * 1024 * 1024) {
            throw new IllegalArgumentException("maxPacketBytes " + maxPacketBytes + " must be between 256 and 268435456");
        }
        if (maxClients < 1 || messagesPerSecond < 1 || burst < 1 || maxRetained < 0 || maxSubscriptions < 1) {
            throw new IllegalArgumentException("maxClients, messagesPerSecond, burst and maxSubscriptions must be at least 1, maxRetained at least 0");
        }
    }

    /** @return loopback on the default port with the default limits */
    public static BrokerSettings loopback(int port) {
        return new BrokerSettings("127.0.0.1", port, DEFAULT_MAX_PACKET, 64, 200, 400, 10_000, 100);
    }

    /** @return whether {@link #host} is a loopback address (anonymous clients may be allowed) */
    public boolean onLoopback() {
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
