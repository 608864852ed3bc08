package io.outpost.edge.console.auth;

import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Comparator;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Sessions in memory (a restart logs everybody out, which is what a gateway restart should do).
 * A session ends after {@code idleTimeout} without a request; the number of sessions is capped,
 * the least recently used going first. Users who must change their password are tracked here too:
 * until they do, their session allows nothing but the change.
 */
public final class SessionStore {
    private record Entry(Session session, Instant lastSeen) {
    }

    private final Map<String, Entry> sessions = new ConcurrentHashMap<>();
    private final Set<String> mustChangePassword = ConcurrentHashMap.newKeySet();
    private final SecureRandom random = new SecureRandom();
    private final Clock clock;
    private final Duration idleTimeout;
    private final int maxSessions;

    public SessionStore(Clock clock, Duration idleTimeout, int maxSessions) {
        this.clock = clock;
        this.idleTimeout = idleTimeout;
        this.maxSessions = maxSessions;
    }

    public Duration idleTimeout() {
        return idleTimeout;
    }

    /** Creates a session for a user who has just authenticated. */
    public Session create(String username, boolean mustChange) {
        sweep();
        while (sessions.size() >= maxSessions) {
            sessions.entrySet().stream().min(Comparator.comparing(e -> e.getValue().lastSeen()))
                    .ifPresent(e -> sessions.remove(e.getKey()));
        }
        Instant now = clock.instant();
        Session s = new Session(token(), username, token(), now);
        sessions.put(s.id(), new Entry(s, now));
        if (mustChange) {
            mustChangePassword.add(username);
        } else {
            mustChangePassword.remove(username);
        }
        return s;
    }

    /** @return the session with this id if it exists and has not been idle too long; touches it */
    public Optional<Session> get(String id) {
        if (id == null) {
            return Optional.empty();
        }
        Entry e = sessions.get(id);
        if (e == null) {
            return Optional.empty();
        }
        Instant now = clock.instant();
        if (e.lastSeen().plus(idleTimeout).isBefore(now)) {
            sessions.remove(id);
            return Optional.empty();
        }
        sessions.replace(id, e, new Entry(e.session(), now));
        return Optional.of(e.session());
    }

    /** @return the session if it is still valid, without counting this as activity */
    public Optional<Session> peek(String id) {
        Entry e = id == null ? null : sessions.get(id);
        if (e == null || e.lastSeen().plus(idleTimeout).isBefore(clock.instant())) {
            return Optional.empty();
        }
        return Optional.of(e.session());
    }

    /** @return whether this session's user still has to replace their password */
    public boolean mustChangePassword(Session s) {
        return mustChangePassword.contains(s.username());
    }

    /** Records that the user has set a new password. */
    public void passwordChanged(String username) {
        mustChangePassword.remove(username);
    }

    /** Checks a CSRF token in constant time. */
    public static boolean csrfMatches(Session s, String token) {
        return token != null && MessageDigest.isEqual(s.csrfToken().getBytes(java.nio.charset.StandardCharsets.US_ASCII),
                token.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    }

    public void remove(String id) {
        if (id != null) {
            sessions.remove(id);
        }
    }

    /** Ends every session of a user except one (after a password change). */
    public void removeOthers(String username, String keepId) {
        sessions.entrySet().removeIf(e -> e.getValue().session().username().equals(username) && !e.getKey().equals(keepId));
    }

    public int size() {
        return sessions.size();
    }

    /** Drops idle sessions. */
    public void sweep() {
        Instant limit = clock.instant().minus(idleTimeout);
        sessions.values().removeIf(e -> e.lastSeen().isBefore(limit));
    }

    private String token() {
        byte[] b = new byte[32];
        random.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }
}
