package io.outpost.twin.api;

import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * Whether a device answers, as its mapper last said.
 *
 * @param state one of {@link #STATES}
 * @param reason why, when not online (for example "timeout after 2000 ms"), or ""
 * @param lastOnline when the device was last online, epoch ms, or 0 if never
 * @since 0.2
 */
public record DeviceState(String state, String reason, long lastOnline) {
    public static final String ONLINE = "online";
    public static final String OFFLINE = "offline";
    public static final String UNKNOWN = "unknown";
    /** The states KubeEdge accepts on {@code state/update} (lower case). */
    public static final Set<String> STATES = Set.of(ONLINE, OFFLINE, "ok", UNKNOWN, "disconnected");

    public DeviceState {
        Objects.requireNonNull(state);
        reason = reason == null ? "" : reason;
    }

    /**
     * @param state a state in any case
     * @return it in lower case
     * @throws TwinException (400) when it is not one of {@link #STATES}
     */
    public static String normalize(String state) {
        String s = state == null ? "" : state.toLowerCase(Locale.ROOT);
        if (!STATES.contains(s)) {
            throw new TwinException(TwinException.BAD_REQUEST, "device state '" + state + "' is not one of online, offline, ok, unknown, disconnected");
        }
        return s;
    }
}
