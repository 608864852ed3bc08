package io.outpost.edge.console.auth;

import java.time.Instant;

/**
 * One logged-in browser (or script).
 *
 * @param id the cookie value: 256 random bits, URL-safe base64
 * @param username the JAAS user
 * @param csrfToken the token every state-changing request must carry in {@code X-CSRF-Token}
 * @param created when the login happened
 */
public record Session(String id, String username, String csrfToken, Instant created) {
}
