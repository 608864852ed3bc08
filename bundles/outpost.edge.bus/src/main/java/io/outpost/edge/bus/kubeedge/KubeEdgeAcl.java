package io.outpost.edge.bus.kubeedge;

import io.outpost.edge.bus.broker.ClientIdentity;
import io.outpost.edge.bus.broker.PublishPolicy;
import java.util.Optional;
import java.util.Set;

/**
 * Who may publish where on the gateway's bus.
 * <ul>
 * <li>Mappers may send KubeEdge's requests ({@code twin/update}, {@code twin/get},
 * {@code state/update}, {@code state/get}, device data) for devices — a user restricted to some
 * devices only for those. A request for a device that is not on this gateway is let through and
 * answered with a 404 result, as KubeEdge does: it changes nothing and tells the mapper what is
 * wrong, where a refusal under MQTT 3.1.1 would be silent.
 * <li>The device control topics the gateway publishes (results, documents, deltas,
 * {@code twin/cloud_updated}) are refused for every client and device, so nobody can forge a
 * desired value or a result.
 * <li>{@code $hw/events/node/<node>/…}: only this node's {@code membership/get}; other nodes'
 * topics and {@code membership/updated} are refused.
 * <li>Other {@code $} topics are reserved; all other topics are free for applications.
 * </ul>
 */
public final class KubeEdgeAcl implements PublishPolicy {
    private static final Set<String> DEVICE_REQUESTS = Set.of(DeviceTopic.TWIN_UPDATE, DeviceTopic.TWIN_GET, DeviceTopic.STATE_UPDATE,
            DeviceTopic.STATE_GET, "data/update");

    private final String node;

    /** @param node this gateway's node name */
    public KubeEdgeAcl(String node) {
        this.node = node;
    }

    @Override
    public String refusal(ClientIdentity who, String topic) {
        if (topic.startsWith(DeviceTopic.NODE_PREFIX)) {
            String[] nr = DeviceTopic.parseNode(topic).orElseThrow();
            if (!nr[0].equals(node)) {
                return "node " + nr[0] + " is not this gateway (" + node + ")";
            }
            return DeviceTopic.MEMBERSHIP_GET.equals(nr[1]) ? null : "only the gateway publishes " + topic + "; mappers may publish "
                    + DeviceTopic.NODE_PREFIX + node + "/" + DeviceTopic.MEMBERSHIP_GET;
        }
        if (topic.startsWith(DeviceTopic.DEVICE_PREFIX)) {
            Optional<DeviceTopic> dt = DeviceTopic.parse(topic);
            if (dt.isEmpty()) {
                return "not a KubeEdge device topic: " + DeviceTopic.DEVICE_PREFIX + "<namespace>/<name>/twin/update and the like";
            }
            DeviceTopic d = dt.get();
            if (!DEVICE_REQUESTS.contains(d.action())) {
                return "only the gateway publishes …/" + d.action() + "; mappers may publish twin/update, twin/get, state/update, state/get";
            }
            return deviceRefusal(who, d.namespace(), d.name());
        }
        if (topic.startsWith("$ke/events/device/")) {
            Optional<DeviceTopic> dt = DeviceTopic.parse(DeviceTopic.DEVICE_PREFIX + topic.substring("$ke/events/device/".length()));
            return dt.isPresent() ? deviceRefusal(who, dt.get().namespace(), dt.get().name()) : "not a device data topic";
        }
        if (topic.startsWith("$hw/events/upload/")) {
            return null;
        }
        return topic.startsWith("$") ? "topics starting with $ are reserved for the gateway" : null;
    }

    @Override
    public String subscribeRefusal(ClientIdentity who, String filter) {
        if (who.devices().isEmpty() || !filter.startsWith(DeviceTopic.DEVICE_PREFIX)) {
            return null;
        }
        // A client restricted to some devices hears only about those: the device levels must be spelled out.
        Optional<DeviceTopic> dt = DeviceTopic.parse(filter);
        if (dt.isEmpty() || dt.get().namespace().contains("+") || dt.get().name().contains("+") || dt.get().name().equals("#")) {
            return "user " + who.user() + " may subscribe only to the topics of its own devices, named without wildcards";
        }
        return who.mayActFor(dt.get().namespace(), dt.get().name()) ? null : "user " + who.user() + " may not act for device " + dt.get().id();
    }

    private String deviceRefusal(ClientIdentity who, String ns, String name) {
        return who.mayActFor(ns, name) ? null : "user " + who.user() + " may not act for device " + ns + "/" + name;
    }
}
