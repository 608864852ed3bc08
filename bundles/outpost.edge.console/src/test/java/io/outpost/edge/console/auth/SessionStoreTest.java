package io.outpost.edge.console.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class SessionStoreTest {
    private final MutableClock clock = new MutableClock();
    private final SessionStore store = new SessionStore(clock, Duration.ofMinutes(15), 3);

    @Test
    void aSessionEndsAfterTheIdleTimeoutButActivityKeepsItAlive() {
        Session s = store.create("karaf", false);
        clock.advance(Duration.ofMinutes(14));
        assertTrue(store.get(s.id()).isPresent(), "a request within the timeout");
        clock.advance(Duration.ofMinutes(14));
        assertTrue(store.get(s.id()).isPresent(), "the previous request restarted the idle time");
        clock.advance(Duration.ofMinutes(16));
        assertFalse(store.get(s.id()).isPresent(), "idle longer than the timeout");
        assertFalse(store.get(s.id()).isPresent(), "and it stays gone");
    }

    @Test
    void peekDoesNotCountAsActivity() {
        Session s = store.create("karaf", false);
        clock.advance(Duration.ofMinutes(10));
        assertTrue(store.peek(s.id()).isPresent());
        clock.advance(Duration.ofMinutes(6));
        assertFalse(store.peek(s.id()).isPresent(), "an event stream alone must not keep a session alive");
    }

    @Test
    void idsAndTokensAreLongRandomAndDistinct() {
        Session a = store.create("a", false);
        Session b = store.create("b", false);
        assertNotEquals(a.id(), b.id());
        assertNotEquals(a.csrfToken(), a.id());
        assertEquals(43, a.id().length(), "256 bits, base64url");
        assertTrue(a.id().matches("[A-Za-z0-9_-]+"));
    }

    @Test
    void csrfTokenMustMatchExactly() {
        Session s = store.create("karaf", false);
        assertTrue(SessionStore.csrfMatches(s, s.csrfToken()));
        assertFalse(SessionStore.csrfMatches(s, null));
        assertFalse(SessionStore.csrfMatches(s, ""));
        assertFalse(SessionStore.csrfMatches(s, s.csrfToken().substring(1)));
        assertFalse(SessionStore.csrfMatches(s, s.id()));
    }

    @Test
    void theLeastRecentlyUsedSessionGoesWhenTheCapIsReached() {
        Session a = store.create("a", false);
        clock.advance(Duration.ofSeconds(1));
        Session b = store.create("b", false);
        clock.advance(Duration.ofSeconds(1));
        Session c = store.create("c", false);
        clock.advance(Duration.ofSeconds(1));
        store.get(a.id()); // a is now more recent than b
        store.create("d", false);
        assertEquals(3, store.size());
        assertTrue(store.get(a.id()).isPresent());
        assertFalse(store.get(b.id()).isPresent());
        assertTrue(store.get(c.id()).isPresent());
    }

    @Test
    void aUserWhoMustChangeThePasswordIsTrackedUntilTheyDo() {
        Session s = store.create("karaf", true);
        assertTrue(store.mustChangePassword(s));
        store.passwordChanged("karaf");
        assertFalse(store.mustChangePassword(s));
    }

    @Test
    void removeOthersEndsTheUsersOtherSessionsOnly() {
        Session a1 = store.create("a", false);
        Session a2 = store.create("a", false);
        Session b = store.create("b", false);
        store.removeOthers("a", a2.id());
        assertFalse(store.get(a1.id()).isPresent());
        assertTrue(store.get(a2.id()).isPresent());
        assertTrue(store.get(b.id()).isPresent());
    }
}
