package io.outpost.hub.api;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The cloud's join tokens: a token {@code <caHash>.<jwt>} lets one gateway obtain a client
 * certificate. Tokens expire and can be revoked. Thread-safe; methods may block on the
 * Kubernetes API where tokens are stored.
 *
 * @since 1.0
 */
@ProviderType
public interface JoinTokens {
    /**
     * Creates a token.
     *
     * @param ttl how long it is valid; must be positive
     * @param description free text shown by {@link #list}, may be empty
     */
    Token create(Duration ttl, String description) throws LinkException;

    /** @return all tokens that have not expired, revoked ones included */
    List<Token> list() throws LinkException;

    /** @return false when no token has that id */
    boolean revoke(String id) throws LinkException;

    /**
     * A join token.
     *
     * @param id short identifier (the JWT's {@code jti})
     * @param token the full token to give to a gateway
     * @param expires expiry time
     * @param revoked whether it was revoked
     * @param description free text
     */
    record Token(String id, String token, Instant expires, boolean revoked, String description) {
    }
}
