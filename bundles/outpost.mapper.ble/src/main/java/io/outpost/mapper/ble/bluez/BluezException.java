package io.outpost.mapper.ble.bluez;

/** A BlueZ call that failed, with a kind the mapper turns into the device's offline reason. */
public class BluezException extends Exception {
    private static final long serialVersionUID = 1L;

    /** Why it failed. */
    public enum Kind {
        /** The bus or bluetoothd cannot be reached. */
        BUS,
        /** No adapter, or the device is not known and discovery did not find it. */
        NOT_FOUND,
        /** BlueZ did not answer in time. */
        TIMEOUT,
        /** The device is not connected (or dropped the connection during the call). */
        DISCONNECTED,
        /** BlueZ or the device refused the call (org.bluez.Error.*). */
        FAILED
    }

    private final Kind kind;
    private final String errorName;

    public BluezException(Kind kind, String message) {
        this(kind, message, "", null);
    }

    public BluezException(Kind kind, String message, String errorName, Throwable cause) {
        super(message, cause);
        this.kind = kind;
        this.errorName = errorName == null ? "" : errorName;
    }

    public Kind kind() {
        return kind;
    }

    /** @return the D-Bus error name (for example {@code org.bluez.Error.NotPermitted}), or "" */
    public String errorName() {
        return errorName;
    }
}
