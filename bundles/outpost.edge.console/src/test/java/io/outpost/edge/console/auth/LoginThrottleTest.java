package io.outpost.edge.console.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class LoginThrottleTest {
    private final MutableClock clock = new MutableClock();
    private final LoginThrottle throttle = new LoginThrottle(clock, 3, Duration.ofMinutes(5));

    @Test
    void locksOutAfterTheThresholdForTheCoolDown() {
        assertFalse(throttle.failed("karaf"));
        assertFalse(throttle.failed("karaf"));
        assertTrue(throttle.lockedFor("karaf").isEmpty());
        assertTrue(throttle.failed("karaf"), "the third failure locks");
        assertEquals(Duration.ofMinutes(5), throttle.lockedFor("karaf").orElseThrow());
        clock.advance(Duration.ofMinutes(4));
        assertEquals(Duration.ofMinutes(1), throttle.lockedFor("karaf").orElseThrow());
        clock.advance(Duration.ofMinutes(1));
        assertTrue(throttle.lockedFor("karaf").isEmpty(), "the cool-down is over");
        assertFalse(throttle.failed("karaf"), "and counting starts again");
    }

    @Test
    void aSuccessResetsTheCount() {
        throttle.failed("karaf");
        throttle.failed("karaf");
        throttle.succeeded("karaf");
        assertFalse(throttle.failed("karaf"));
        assertFalse(throttle.failed("karaf"));
        assertTrue(throttle.failed("karaf"));
    }

    @Test
    void usersAreCountedSeparately() {
        throttle.failed("a");
        throttle.failed("a");
        throttle.failed("b");
        assertTrue(throttle.failed("a"));
        assertTrue(throttle.lockedFor("b").isEmpty());
    }

    @Test
    void thresholdOneLocksAtTheFirstFailure() {
        LoginThrottle strict = new LoginThrottle(clock, 1, Duration.ofSeconds(30));
        assertTrue(strict.failed("x"));
        assertTrue(strict.lockedFor("x").isPresent());
    }

    @Test
    void guessingManyNamesDoesNotGrowWithoutBound() {
        for (int i = 0; i < LoginThrottle.MAX_TRACKED * 3; i++) {
            throttle.failed("user" + i);
        }
        throttle.failed("karaf");
        throttle.failed("karaf");
        assertTrue(throttle.failed("karaf"), "a real user is still throttled after the table was pruned");
    }

    @Test
    void aThresholdBelowOneIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new LoginThrottle(clock, 0, Duration.ofSeconds(1)));
    }
}
