package io.outpost.hub.api;

import java.time.Instant;

/**
 * Snapshot of the edge hub's link.
 *
 * @param state the state
 * @param cloudAddress host:port of the hub endpoint, or "" when not joined
 * @param since when the link entered this state
 * @param lastError the last failure in words a user can act on, or ""
 * @param latencyMillis round-trip time of the last keepalive, or -1 if unknown
 * @param certificateExpiry when the gateway's client certificate expires, or null if none
 * @since 1.0
 */
public record LinkStatus(
        State state, String cloudAddress, Instant since, String lastError, long latencyMillis,
        Instant certificateExpiry) {

    /** States of the link. */
    public enum State {
        /** No credentials yet: run {@code outpost:join} or configure a token. */
        NOT_JOINED,
        /** Fetching the CA and the certificate. */
        JOINING,
        /** Opening the WebSocket. */
        CONNECTING,
        /** Connected and authenticated. */
        CONNECTED,
        /** Lost; a reconnect is scheduled. */
        DISCONNECTED,
        /** The hub is stopped. */
        STOPPED
    }
}
