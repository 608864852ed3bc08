package io.outpost.hub.api;

/**
 * Module names used as message source and destination, as KubeEdge names them, so that
 * messages from and to KubeEdge's components are routed the same way.
 *
 * @since 1.0
 */
public final class Modules {
    /** The edge hub's module name on the wire (KubeEdge calls its edge hub "websocket"). */
    public static final String EDGE_HUB = "websocket";
    public static final String CLOUD_HUB = "cloudhub";
    public static final String EDGE_CONTROLLER = "edgecontroller";
    public static final String DEVICE_CONTROLLER = "devicecontroller";
    public static final String EDGED = "edged";
    public static final String META_MANAGER = "metaManager";
    public static final String TWIN = "twin";
    public static final String EVENT_BUS = "eventbus";

    private Modules() {
    }
}
