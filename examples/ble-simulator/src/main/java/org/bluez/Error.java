package org.bluez;

import org.freedesktop.dbus.exceptions.DBusExecutionException;

/** BlueZ's error names for the fake BlueZ: dbus-java names a D-Bus error after the exception's class (org.bluez.Error.Failed). */
public final class Error {
    private Error() {
    }

    public static final class Failed extends DBusExecutionException {
        private static final long serialVersionUID = 1L;

        public Failed(String message) {
            super(message);
        }
    }

    public static final class InProgress extends DBusExecutionException {
        private static final long serialVersionUID = 1L;

        public InProgress(String message) {
            super(message);
        }
    }

    public static final class NotPermitted extends DBusExecutionException {
        private static final long serialVersionUID = 1L;

        public NotPermitted(String message) {
            super(message);
        }
    }
}
