package io.outpost.edge.console.auth;

import java.util.Optional;

/** What a new password must be. Simple on purpose: length matters most, and it is checked. */
public final class PasswordPolicy {
    public static final int MIN_LENGTH = 10;
    public static final int MAX_LENGTH = 128;

    private PasswordPolicy() {
    }

    /** @return why the new password is refused, or empty when it is acceptable */
    public static Optional<String> check(String username, String current, String proposed) {
        if (proposed == null || proposed.length() < MIN_LENGTH) {
            return Optional.of("the new password must have at least " + MIN_LENGTH + " characters");
        }
        if (proposed.length() > MAX_LENGTH) {
            return Optional.of("the new password must have at most " + MAX_LENGTH + " characters");
        }
        if (proposed.equals(current)) {
            return Optional.of("the new password must differ from the current one");
        }
        if (proposed.equalsIgnoreCase(username)) {
            return Optional.of("the new password must not be the user name");
        }
        if (proposed.chars().anyMatch(c -> c < 0x20 || c == ',')) {
            // Karaf's users.properties separates the password from the groups with a comma
            return Optional.of("the new password must not contain commas or control characters");
        }
        return Optional.empty();
    }
}
