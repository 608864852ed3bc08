package io.outpost.hub.api;

/**
 * Route groups, as KubeEdge names them. A {@link MessageHandler} registers for one or more of
 * them with the {@link MessageHandler#GROUP} service property.
 *
 * @since 1.0
 */
public final class Groups {
    /** Kubernetes objects: nodes, pods, configmaps, secrets, leases, … */
    public static final String RESOURCE = "resource";
    /** Device twins. */
    public static final String TWIN = "twin";
    /** Function calls to edge components (e.g. logs, exec). */
    public static final String FUNC = "func";
    /** Application messages routed to the event bus. */
    public static final String USER = "user";
    /** The edge meta store. */
    public static final String META = "meta";
    /** The event bus. */
    public static final String BUS = "bus";
    /** Outpost extension: over-the-air updates. */
    public static final String OTA = "ota";
    /** Outpost extension: the service mesh. */
    public static final String MESH = "mesh";

    private Groups() {
    }
}
