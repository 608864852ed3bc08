package io.outpost.edge.bus.kubeedge;

import java.util.Optional;

/**
 * A parsed KubeEdge device topic {@code $hw/events/device/<ns>/<name>/<action>} (namespaced ids,
 * KubeEdge 1.18+) or {@code $hw/events/device/<name>/<action>} (older mappers; namespace
 * {@code default}).
 *
 * @param namespace the device's namespace
 * @param name the device's name
 * @param action what follows the device id, e.g. {@code twin/update} or {@code twin/update/result}
 * @param prefix the topic up to and including the device id, so replies use the form the mapper used
 */
public record DeviceTopic(String namespace, String name, String action, String prefix) {
    public static final String DEVICE_PREFIX = "$hw/events/device/";
    public static final String NODE_PREFIX = "$hw/events/node/";
    public static final String TWIN_UPDATE = "twin/update";
    public static final String TWIN_UPDATE_RESULT = "twin/update/result";
    public static final String TWIN_UPDATE_DOCUMENT = "twin/update/document";
    public static final String TWIN_UPDATE_DELTA = "twin/update/delta";
    public static final String TWIN_GET = "twin/get";
    public static final String TWIN_GET_RESULT = "twin/get/result";
    public static final String STATE_UPDATE = "state/update";
    public static final String STATE_UPDATE_RESULT = "state/update/result";
    public static final String STATE_GET = "state/get";
    public static final String MEMBERSHIP_GET = "membership/get";
    public static final String MEMBERSHIP_GET_RESULT = "membership/get/result";
    public static final String MEMBERSHIP_UPDATED = "membership/updated";

    /** The first words of every action on a device topic; anything else after the prefix is part of the id. */
    private static final java.util.Set<String> ACTION_HEADS = java.util.Set.of("twin", "state", "updated", "data");

    /** @return the topic for an action on this device, in the form the mapper used */
    public String topic(String otherAction) {
        return prefix + otherAction;
    }

    /** @return {@code <ns>/<name>} */
    public String id() {
        return namespace + "/" + name;
    }

    /**
     * @param topic an MQTT topic
     * @return the device topic, or empty when the topic is not under {@code $hw/events/device/}
     *     or names no device
     */
    public static Optional<DeviceTopic> parse(String topic) {
        if (!topic.startsWith(DEVICE_PREFIX)) {
            return Optional.empty();
        }
        String[] s = topic.substring(DEVICE_PREFIX.length()).split("/", -1);
        // <ns>/<name>/<action…> when the third level starts an action, else <name>/<action…>.
        if (s.length >= 3 && ACTION_HEADS.contains(s[2]) && !s[0].isEmpty() && !s[1].isEmpty()) {
            return Optional.of(new DeviceTopic(s[0], s[1], join(s, 2), DEVICE_PREFIX + s[0] + "/" + s[1] + "/"));
        }
        if (s.length >= 2 && ACTION_HEADS.contains(s[1]) && !s[0].isEmpty()) {
            return Optional.of(new DeviceTopic("default", s[0], join(s, 1), DEVICE_PREFIX + s[0] + "/"));
        }
        return Optional.empty();
    }

    /** @return the node named by a {@code $hw/events/node/<node>/…} topic and the rest, or empty */
    public static Optional<String[]> parseNode(String topic) {
        if (!topic.startsWith(NODE_PREFIX)) {
            return Optional.empty();
        }
        String rest = topic.substring(NODE_PREFIX.length());
        int slash = rest.indexOf('/');
        return slash <= 0 ? Optional.of(new String[] {rest, ""}) : Optional.of(new String[] {rest.substring(0, slash), rest.substring(slash + 1)});
    }

    private static String join(String[] s, int from) {
        return String.join("/", java.util.Arrays.copyOfRange(s, from, s.length));
    }
}
