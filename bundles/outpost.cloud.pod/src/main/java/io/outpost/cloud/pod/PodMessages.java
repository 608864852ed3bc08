package io.outpost.cloud.pod;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.outpost.hub.api.Groups;
import io.outpost.hub.api.Message;
import io.outpost.hub.api.Modules;
import io.outpost.hub.api.ResourceTypes;
import java.util.ArrayList;
import java.util.List;

/**
 * KubeEdge's pod messages, without OSGi or a Kubernetes client so they can be tested alone.
 * Downstream: {@code insert|update|delete <ns>/pod/<name>} in group {@code resource} from the
 * edge controller, with the Pod as content and its resourceVersion in the header. Upstream:
 * {@code update <ns>/podstatus[/<name>]} whose content is one {@code {UID, Name, Status}} or an
 * array of them (the Go field names, no json tags).
 */
final class PodMessages {
    /** The resource of the list of a node's pods sent after its inserts on connect (see {@link #podList}). */
    static final String POD_LIST = "podlist";
    static final String POD_LIST_RESOURCE = "_/" + POD_LIST;
    /** Largest number of pod statuses accepted in one upstream message. */
    static final int MAX_STATUSES = 1000;
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private PodMessages() {
    }

    /** One pod's status as the gateway reported it. */
    record StatusReport(String uid, String name, JsonNode status) {
    }

    /**
     * @param pod a Pod as JSON
     * @return the node it is bound to, or "" when it is not scheduled
     */
    static String nodeOf(JsonNode pod) {
        return pod == null ? "" : pod.path("spec").path("nodeName").asText("");
    }

    static Message downstream(String operation, JsonNode pod) {
        JsonNode meta = pod.path("metadata");
        return Message.builder().source(Modules.EDGE_CONTROLLER).group(Groups.RESOURCE).operation(operation)
                .resource(meta.path("namespace").asText() + "/" + ResourceTypes.POD + "/" + meta.path("name").asText())
                .resourceVersion(meta.path("resourceVersion").asText("")).content(pod).build();
    }

    /**
     * Every pod bound to a node, sent after the inserts when the node connects: {@code update
     * _/podlist} with {@code [{namespace, name, uid}]}. The gateway drops the pods it has that are
     * not listed — deleted while it was away. (KubeEdge's reliable sync does this with its
     * ObjectSync records; this list is the simple stand-in until Outpost has them.)
     */
    static Message podList(List<JsonNode> pods) {
        com.fasterxml.jackson.databind.node.ArrayNode list = F.arrayNode();
        for (JsonNode p : pods) {
            JsonNode meta = p.path("metadata");
            list.addObject().put("namespace", meta.path("namespace").asText()).put("name", meta.path("name").asText())
                    .put("uid", meta.path("uid").asText());
        }
        return Message.builder().source(Modules.EDGE_CONTROLLER).group(Groups.RESOURCE).operation(io.outpost.hub.api.Operations.UPDATE)
                .resource(POD_LIST_RESOURCE).content(list).build();
    }

    /**
     * Reads an upstream podstatus content.
     *
     * @throws IllegalArgumentException with what to fix when it is not one or an array of
     *     {@code {UID, Name, Status}}
     */
    static List<StatusReport> parseStatus(JsonNode content, ObjectMapper json) {
        JsonNode c = content;
        if (c != null && c.isTextual()) {
            try {
                c = json.readTree(c.asText());
            } catch (java.io.IOException e) {
                throw new IllegalArgumentException("a podstatus content is a string that is not JSON");
            }
        }
        List<JsonNode> items = new ArrayList<>();
        if (c != null && c.isArray()) {
            if (c.size() > MAX_STATUSES) {
                throw new IllegalArgumentException("a podstatus message carries " + c.size() + " statuses; at most " + MAX_STATUSES);
            }
            c.forEach(items::add);
        } else if (c != null && c.isObject()) {
            items.add(c);
        } else {
            throw new IllegalArgumentException("a podstatus must carry {\"UID\", \"Name\", \"Status\"} or an array of them");
        }
        List<StatusReport> out = new ArrayList<>();
        for (JsonNode i : items) {
            String name = i.path("Name").asText("");
            JsonNode status = i.path("Status");
            if (name.isEmpty() || !status.isObject()) {
                throw new IllegalArgumentException("each podstatus needs \"Name\" (the pod's name) and \"Status\" (a PodStatus object)");
            }
            out.add(new StatusReport(i.path("UID").asText(""), name, status));
        }
        return out;
    }

    /**
     * A merge patch of pods/status that sets only the fields a kubelet owns, so conditions or
     * fields others wrote (nominatedNodeName, resize) stay. Conditions are merged by type with the
     * pod's current ones, because a merge patch replaces lists whole.
     */
    static ObjectNode statusPatch(JsonNode current, JsonNode reported) {
        ObjectNode st = F.objectNode();
        for (String f : List.of("phase", "reason", "message", "hostIP", "hostIPs", "podIP", "podIPs", "startTime",
                "containerStatuses", "initContainerStatuses", "qosClass")) {
            if (reported.has(f)) {
                st.set(f, reported.get(f));
            }
        }
        if (reported.has("conditions")) {
            com.fasterxml.jackson.databind.node.ArrayNode merged = F.arrayNode();
            List<String> types = new ArrayList<>();
            reported.get("conditions").forEach(c -> types.add(c.path("type").asText()));
            for (JsonNode c : current.path("status").path("conditions")) {
                if (!types.contains(c.path("type").asText())) {
                    merged.add(c);
                }
            }
            reported.get("conditions").forEach(merged::add);
            st.set("conditions", merged);
        }
        ObjectNode patch = F.objectNode();
        patch.set("status", st);
        return patch;
    }
}
