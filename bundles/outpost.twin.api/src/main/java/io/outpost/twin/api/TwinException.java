package io.outpost.twin.api;

/**
 * A twin operation that was refused. The code is KubeEdge's result code, so an MQTT result
 * message can carry it unchanged.
 *
 * @since 0.2
 */
public class TwinException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    public static final int BAD_REQUEST = 400;
    public static final int NOT_FOUND = 404;
    public static final int CONFLICT = 409;
    public static final int INTERNAL = 500;

    private final int code;

    /**
     * @param code one of the codes above
     * @param message what is wrong and what to do, for the user
     */
    public TwinException(int code, String message) {
        super(message);
        this.code = code;
    }

    /** @return KubeEdge's result code: 400, 404, 409 or 500 */
    public int code() {
        return code;
    }
}
