package io.outpost.hub.api;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import javax.net.ssl.SSLContext;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The gateway's link to the cloud. Only the edge hub talks to the cloud; other bundles send
 * through this service and receive through {@link MessageHandler}s.
 *
 * <p>All methods are thread-safe and non-blocking unless stated.
 *
 * @since 1.0
 */
@ProviderType
public interface EdgeHub {
    /** @return this gateway's node name, never null */
    String nodeName();

    /** @return a snapshot of the link's state, never null */
    LinkStatus status();

    /**
     * Sends a message to the cloud. The hub adds the {@code node/<node>/} prefix to the resource.
     *
     * @param message the message
     * @return false when the link is down and the message was dropped; callers that need
     *     delivery across outages keep their own state and send again (the node status does)
     */
    boolean send(Message message);

    /**
     * Sends a synchronous message and waits for the response whose parent id is its id.
     *
     * @param message the message; it is sent with {@code sync = true}
     * @param timeout how long to wait for the response
     * @return completes with the response, or exceptionally with {@link LinkException} when the
     *     link is down, or with a {@link java.util.concurrent.TimeoutException}
     */
    CompletionStage<Message> request(Message message, Duration timeout);

    /**
     * Joins a cloud: fetches its CA, checks the CA against the hash in the token, creates a key
     * pair locally, has the cloud sign a certificate for this node, stores key and certificate
     * with owner-only permissions, then connects. Blocks until the join succeeded or failed.
     *
     * @param cloudAddress host or host:port of the cloud's bootstrap endpoint (port defaults to
     *     the configured bootstrap port, 10002)
     * @param token a join token {@code <caHash>.<jwt>} printed by the cloud
     * @throws LinkException with a message that says what went wrong and what to check
     */
    void join(String cloudAddress, String token) throws LinkException;

    /**
     * TLS for HTTPS requests to the joined cloud (its artifact repository): this node's key and
     * certificate as client credentials, the cloud CA as the only trust anchor. Read from the
     * stored credentials at each call, so a renewed certificate is used at once.
     *
     * @return the context, or empty when the gateway has not joined
     * @since 1.1
     */
    default Optional<SSLContext> cloudTls() {
        return Optional.empty();
    }

    /**
     * @return the base URI of the joined cloud's HTTPS endpoint (the bootstrap address, e.g.
     *     {@code https://cloud:10002/}), or empty when the gateway has not joined
     * @since 1.1
     */
    default Optional<URI> cloudHttps() {
        return Optional.empty();
    }
}
