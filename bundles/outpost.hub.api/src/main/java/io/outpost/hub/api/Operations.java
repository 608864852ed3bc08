package io.outpost.hub.api;

/**
 * Route operations, as KubeEdge names them.
 *
 * @since 1.0
 */
public final class Operations {
    public static final String INSERT = "insert";
    public static final String UPDATE = "update";
    public static final String PATCH = "patch";
    public static final String DELETE = "delete";
    public static final String QUERY = "query";
    public static final String UPLOAD = "upload";
    public static final String RESPONSE = "response";
    /** A response that carries an error text instead of a result. */
    public static final String ERROR = "error";
    /** Edge-to-cloud heartbeat; the content is the text "ping". */
    public static final String KEEPALIVE = "keepalive";

    private Operations() {
    }
}
