package io.outpost.cloud.pod;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.outpost.hub.api.Message;
import io.outpost.hub.api.Operations;
import io.outpost.hub.api.Resource;
import io.outpost.hub.api.ResourceTypes;
import java.io.IOException;
import java.util.regex.Pattern;

/**
 * Events from gateways ({@code insert|update|patch <ns>/event/<name>}, group {@code meta}, a
 * core/v1 Event as content — KubeEdge edged's format; a patch carries {@code {event, patchData}}
 * and only its {@code event} is used) turned into the Event the cloud writes. The Event is
 * rebuilt from known fields only, never copied: a gateway cannot set what it should not (other
 * labels, owner references, a foreign source host), and every text is capped. No OSGi.
 */
final class EventMessages {
    static final int MAX_MESSAGE = 1024;
    static final int MAX_REASON = 128;
    /** A DNS subdomain, as Kubernetes wants object names and namespaces. */
    private static final Pattern NAME = Pattern.compile("[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    /** What a gateway's event says it is about: checked against the API before it is written. */
    record Event(ObjectNode event, String namespace, String name, String kind, String objectName, String objectUid) {
    }

    private EventMessages() {
    }

    /**
     * @param node the gateway the message came from (its certificate's): the event's source host
     * @throws IllegalArgumentException saying what is wrong with the message
     */
    static Event parse(String node, Message m) {
        Resource r = Resource.parse(m.resource());
        if (!ResourceTypes.EVENT.equals(r.type()) || r.namespace().isEmpty() || r.name().isEmpty()) {
            throw new IllegalArgumentException("resource '" + m.resource() + "' must be <namespace>/event/<name>");
        }
        JsonNode content = m.content();
        if (content.isTextual()) { // some senders put the JSON as a string
            try {
                content = JSON.readTree(content.asText());
            } catch (IOException e) {
                throw new IllegalArgumentException("event " + m.resource() + " is not JSON: " + e.getMessage());
            }
        }
        switch (m.operation()) {
            case Operations.INSERT, Operations.UPDATE -> {
            }
            case "patch" -> content = content.path("event");
            default -> throw new IllegalArgumentException("operation '" + m.operation() + "' on events is not supported; use insert, update or patch");
        }
        if (!content.isObject()) {
            throw new IllegalArgumentException("event " + m.resource() + " must carry a core/v1 Event as content");
        }
        String ns = r.namespace();
        String name = r.name();
        if (!NAME.matcher(ns).matches() || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("event " + ns + "/" + name + ": namespace and name must be DNS subdomains (lower case, digits, '-', '.')");
        }
        JsonNode ref = content.path("involvedObject");
        String kind = ref.path("kind").asText();
        if (!"Pod".equals(kind) && !"Node".equals(kind)) {
            throw new IllegalArgumentException("event " + ns + "/" + name + " is about a " + (kind.isEmpty() ? "missing involvedObject" : kind)
                    + "; a gateway reports events about its pods and its node only");
        }
        String objectName = ref.path("name").asText();
        if (objectName.isEmpty()) {
            throw new IllegalArgumentException("event " + ns + "/" + name + " names no involvedObject.name");
        }
        if ("Pod".equals(kind) && !ns.equals(ref.path("namespace").asText(ns))) {
            throw new IllegalArgumentException("event " + ns + "/" + name + " is about a pod in namespace '" + ref.path("namespace").asText()
                    + "'; an event lives in its object's namespace");
        }
        String reason = content.path("reason").asText();
        if (reason.isEmpty()) {
            throw new IllegalArgumentException("event " + ns + "/" + name + " has no reason");
        }
        String type = content.path("type").asText("Normal");
        if (!"Normal".equals(type) && !"Warning".equals(type)) {
            throw new IllegalArgumentException("event " + ns + "/" + name + " has type '" + type + "'; Normal or Warning");
        }

        ObjectNode e = F.objectNode().put("apiVersion", "v1").put("kind", "Event");
        e.putObject("metadata").put("name", name).put("namespace", ns);
        ObjectNode io = e.putObject("involvedObject").put("apiVersion", "v1").put("kind", kind).put("name", cap(objectName, 253));
        if ("Pod".equals(kind)) {
            io.put("namespace", ns);
        }
        for (String f : new String[] {"uid", "resourceVersion", "fieldPath"}) {
            if (ref.path(f).isTextual()) {
                io.put(f, cap(ref.path(f).asText(), 253));
            }
        }
        e.put("reason", cap(reason, MAX_REASON)).put("message", cap(content.path("message").asText(), MAX_MESSAGE)).put("type", type);
        // The host is the sender's own name, whatever the content says.
        e.putObject("source").put("component", cap(content.path("source").path("component").asText("kubelet"), 64)).put("host", node);
        String first = content.path("firstTimestamp").asText("");
        String last = content.path("lastTimestamp").asText(first);
        if (!first.isEmpty()) {
            e.put("firstTimestamp", cap(first, 40));
        }
        if (!last.isEmpty()) {
            e.put("lastTimestamp", cap(last, 40));
        }
        e.put("count", Math.max(1, Math.min(Integer.MAX_VALUE, content.path("count").asLong(1))));
        e.put("reportingComponent", cap(content.path("reportingComponent").asText(e.at("/source/component").asText()), 64));
        e.put("reportingInstance", node);
        return new Event(e, ns, name, kind, objectName, ref.path("uid").asText(""));
    }

    private static String cap(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max - 3) + "...";
    }
}
