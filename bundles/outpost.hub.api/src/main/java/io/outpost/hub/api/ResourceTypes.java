package io.outpost.hub.api;

/**
 * Resource types carried in the third segment of an edge resource path.
 *
 * @since 1.0
 */
public final class ResourceTypes {
    public static final String NODE = "node";
    public static final String NODE_STATUS = "nodestatus";
    public static final String POD = "pod";
    public static final String POD_STATUS = "podstatus";
    public static final String CONFIGMAP = "configmap";
    public static final String SECRET = "secret";
    public static final String LEASE = "lease";
    /**
     * A core/v1 Event (group {@link Groups#META}, {@code insert|update|patch <ns>/event/<name>}), as
     * KubeEdge's edged sends its pods' events upstream.
     *
     * @since 1.2
     */
    public static final String EVENT = "event";

    private ResourceTypes() {
    }
}
