package io.outpost.link.transport;

/**
 * Callbacks of a link connection's life; called on the connection's I/O thread, in order.
 * Implementations must not block.
 */
public interface LinkEndpoint {
    void opened(LinkConnection connection);

    /** One complete frame (fragments joined, size capped). */
    void received(LinkConnection connection, byte[] frame);

    /** @param reason a short explanation, e.g. "closed by peer (1000)" or "no traffic for 45 s" */
    void closed(LinkConnection connection, String reason);

    /**
     * Called when nothing was written for the keepalive interval; the client sends a keepalive
     * message here. Optional.
     */
    default void writerIdle(LinkConnection connection) {
    }
}
