package io.outpost.edge.console.auth;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Locks a user name out for a cool-down after {@code threshold} consecutive failed logins. Keyed
 * by user name, not address: an attacker spreading guesses over many addresses is slowed down as
 * much as one. A success resets the count. The table is capped so that guessing random names
 * cannot grow memory.
 */
public final class LoginThrottle {
    private record State(int failures, Instant lockedUntil) {
    }

    static final int MAX_TRACKED = 1024;

    private final Map<String, State> states = new ConcurrentHashMap<>();
    private final Clock clock;
    private final int threshold;
    private final Duration coolDown;

    public LoginThrottle(Clock clock, int threshold, Duration coolDown) {
        if (threshold < 1) {
            throw new IllegalArgumentException("threshold must be at least 1");
        }
        this.clock = clock;
        this.threshold = threshold;
        this.coolDown = coolDown;
    }

    /** @return how long the user is still locked out, or empty when a login may be tried */
    public Optional<Duration> lockedFor(String username) {
        State s = states.get(username);
        if (s == null || s.lockedUntil() == null) {
            return Optional.empty();
        }
        Duration left = Duration.between(clock.instant(), s.lockedUntil());
        if (left.isNegative() || left.isZero()) {
            states.remove(username, s);
            return Optional.empty();
        }
        return Optional.of(left);
    }

    /** Records a failed login; @return true when this failure locked the user out */
    public boolean failed(String username) {
        if (states.size() >= MAX_TRACKED && !states.containsKey(username)) {
            Instant t = clock.instant();
            states.values().removeIf(s -> s.lockedUntil() == null || s.lockedUntil().isBefore(t));
            if (states.size() >= MAX_TRACKED) {
                states.clear();
            }
        }
        Instant now = clock.instant();
        State s = states.compute(username, (k, old) -> {
            int n = (old == null ? 0 : old.failures()) + 1;
            return n >= threshold ? new State(0, now.plus(coolDown)) : new State(n, null);
        });
        return s.lockedUntil() != null;
    }

    public void succeeded(String username) {
        states.remove(username);
    }
}
