package io.outpost.edge.console.auth;

/** Checks passwords and changes them, in the gateway's user store (Karaf's JAAS realm). */
public interface Authenticator {
    /**
     * @return normally when the user and password are right and the user may use the console
     * @throws AuthException with a message for the log (the client only learns "wrong user or password")
     */
    void authenticate(String username, char[] password) throws AuthException;

    /**
     * Stores a new password for the user, where the realm's other logins (SSH) see it too.
     *
     * @throws AuthException when the realm cannot store passwords; the message says why
     */
    void changePassword(String username, char[] newPassword) throws AuthException;

    /** A failed authentication or password change. */
    final class AuthException extends Exception {
        private final boolean denied;

        /** @param denied true for wrong credentials, false for a realm that cannot do the job */
        public AuthException(String message, boolean denied) {
            super(message);
            this.denied = denied;
        }

        public boolean denied() {
            return denied;
        }
    }
}
