package io.outpost.link.transport;

import java.net.SocketAddress;
import java.security.cert.X509Certificate;

/** One WebSocket connection of the link. Thread-safe. */
public interface LinkConnection {
    /** @return the node at the other end (server side) or this node (client side) */
    String nodeName();

    /** @return the peer's address */
    SocketAddress remoteAddress();

    /** @return the peer's certificate (the gateway's on the server, the cloud's on the client) */
    X509Certificate peerCertificate();

    /**
     * Queues one frame for sending.
     *
     * @return false when the connection is closed, or its outbound buffer is over the
     *     high-water mark and the frame was dropped (a slow or dead peer must not make the
     *     sender buffer without bound)
     */
    boolean send(byte[] frame);

    /** Closes the connection with a WebSocket close code and reason. */
    void close(int code, String reason);

    boolean isOpen();

    /**
     * Sends a WebSocket ping frame; any WebSocket peer answers it with a pong (RFC 6455), so this
     * works against KubeEdge's edgecore too and adds nothing to the message protocol. The pong's
     * arrival updates {@link #rttMillis()}. Does nothing on a closed connection.
     */
    default void ping() {
    }

    /** @return the round-trip time of the last answered {@link #ping()}, in ms, or -1 */
    default long rttMillis() {
        return -1;
    }
}
