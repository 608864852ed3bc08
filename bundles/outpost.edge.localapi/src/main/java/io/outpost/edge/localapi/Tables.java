package io.outpost.edge.localapi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Server-side printing ({@code meta.k8s.io/v1 Table}), which kubectl asks for: without it kubectl
 * shows only NAME and AGE. Columns follow kubectl's for each kind; rows carry the object as
 * PartialObjectMetadata (kubectl's default) or whole ({@code includeObject=Object}).
 */
final class Tables {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private record Column(String name, String type, String format, int priority) {
    }

    private Tables() {
    }

    /** The Table of these objects; with {@code headers} false the column definitions are left out (watch events after the first). */
    static ObjectNode table(ApiResource r, List<ObjectNode> objects, boolean headers, String includeObject, String resourceVersion,
            Instant now) {
        ObjectNode t = F.objectNode().put("kind", "Table").put("apiVersion", "meta.k8s.io/v1");
        t.putObject("metadata").put("resourceVersion", resourceVersion);
        ArrayNode defs = t.putArray("columnDefinitions");
        if (headers) {
            for (Column c : columns(r)) {
                defs.addObject().put("name", c.name).put("type", c.type).put("format", c.format).put("description", "")
                        .put("priority", c.priority);
            }
        }
        ArrayNode rows = t.putArray("rows");
        for (ObjectNode o : objects) {
            ObjectNode row = rows.addObject();
            ArrayNode cells = row.putArray("cells");
            for (Object v : cells(r, o, now)) {
                if (v instanceof Integer i) {
                    cells.add(i);
                } else {
                    cells.add(String.valueOf(v));
                }
            }
            if ("Object".equals(includeObject)) {
                row.set("object", o);
            } else if (!"None".equals(includeObject)) {
                ObjectNode partial = row.putObject("object").put("kind", "PartialObjectMetadata").put("apiVersion", "meta.k8s.io/v1");
                partial.set("metadata", o.path("metadata").deepCopy());
            }
        }
        return t;
    }

    private static List<Column> columns(ApiResource r) {
        List<Column> c = new ArrayList<>();
        c.add(new Column("Name", "string", "name", 0));
        switch (r.plural()) {
            case "pods" -> {
                c.add(new Column("Ready", "string", "", 0));
                c.add(new Column("Status", "string", "", 0));
                c.add(new Column("Restarts", "string", "", 0));
                c.add(new Column("Age", "string", "", 0));
                c.add(new Column("IP", "string", "", 1));
                c.add(new Column("Node", "string", "", 1));
            }
            case "configmaps" -> {
                c.add(new Column("Data", "integer", "", 0));
                c.add(new Column("Age", "string", "", 0));
            }
            case "secrets" -> {
                c.add(new Column("Type", "string", "", 0));
                c.add(new Column("Data", "integer", "", 0));
                c.add(new Column("Age", "string", "", 0));
            }
            case "services" -> {
                c.add(new Column("Type", "string", "", 0));
                c.add(new Column("Cluster-IP", "string", "", 0));
                c.add(new Column("Ports", "string", "", 0));
                c.add(new Column("Age", "string", "", 0));
            }
            case "nodes" -> {
                c.add(new Column("Status", "string", "", 0));
                c.add(new Column("Roles", "string", "", 0));
                c.add(new Column("Age", "string", "", 0));
                c.add(new Column("Version", "string", "", 0));
            }
            default -> c.add(new Column("Age", "string", "", 0));
        }
        return c;
    }

    private static List<Object> cells(ApiResource r, JsonNode o, Instant now) {
        List<Object> v = new ArrayList<>();
        v.add(o.path("metadata").path("name").asText());
        String age = age(o, now);
        switch (r.plural()) {
            case "pods" -> {
                JsonNode st = o.path("status");
                int ready = 0;
                int restarts = 0;
                for (JsonNode cs : st.path("containerStatuses")) {
                    ready += cs.path("ready").asBoolean() ? 1 : 0;
                    restarts += cs.path("restartCount").asInt();
                }
                v.add(ready + "/" + o.path("spec").path("containers").size());
                v.add(podStatus(o));
                v.add(Integer.toString(restarts));
                v.add(age);
                v.add(st.path("podIP").asText("<none>"));
                v.add(o.path("spec").path("nodeName").asText("<none>"));
            }
            case "configmaps" -> {
                v.add(o.path("data").size() + o.path("binaryData").size());
                v.add(age);
            }
            case "secrets" -> {
                v.add(o.path("type").asText("Opaque"));
                v.add(o.path("data").size());
                v.add(age);
            }
            case "services" -> {
                v.add(o.path("spec").path("type").asText("ClusterIP"));
                v.add(o.path("spec").path("clusterIP").asText("<none>"));
                List<String> ports = new ArrayList<>();
                for (JsonNode p : o.path("spec").path("ports")) {
                    ports.add(p.path("port").asText() + "/" + p.path("protocol").asText("TCP"));
                }
                v.add(ports.isEmpty() ? "<none>" : String.join(",", ports));
                v.add(age);
            }
            case "nodes" -> {
                String ready = "Unknown";
                for (JsonNode c : o.path("status").path("conditions")) {
                    if ("Ready".equals(c.path("type").asText())) {
                        ready = "True".equals(c.path("status").asText()) ? "Ready" : "NotReady";
                    }
                }
                v.add(ready);
                List<String> roles = new ArrayList<>();
                for (Iterator<String> it = o.path("metadata").path("labels").fieldNames(); it.hasNext(); ) {
                    String k = it.next();
                    if (k.startsWith("node-role.kubernetes.io/")) {
                        roles.add(k.substring("node-role.kubernetes.io/".length()));
                    }
                }
                v.add(roles.isEmpty() ? "<none>" : String.join(",", roles));
                v.add(age);
                v.add(o.path("status").path("nodeInfo").path("kubeletVersion").asText(""));
            }
            default -> v.add(age);
        }
        return v;
    }

    /**
     * kubectl's STATUS column: Terminating while being deleted, else the reason of a waiting or
     * terminated container (last one wins, as kubectl's printer does), else the phase.
     */
    static String podStatus(JsonNode pod) {
        if (pod.path("metadata").hasNonNull("deletionTimestamp")) {
            return "Terminating";
        }
        JsonNode st = pod.path("status");
        String reason = st.path("reason").asText(st.path("phase").asText("Pending"));
        for (JsonNode cs : st.path("containerStatuses")) {
            JsonNode state = cs.path("state");
            if (!state.path("waiting").path("reason").asText("").isEmpty()) {
                reason = state.path("waiting").path("reason").asText();
            } else if (state.has("terminated")) {
                JsonNode t = state.path("terminated");
                reason = !t.path("reason").asText("").isEmpty() ? t.path("reason").asText() : "ExitCode:" + t.path("exitCode").asInt();
            }
        }
        return reason;
    }

    /** kubectl's AGE: how long ago the object was created, in its short format. */
    static String age(JsonNode o, Instant now) {
        String ts = o.path("metadata").path("creationTimestamp").asText("");
        if (ts.isEmpty()) {
            return "<unknown>";
        }
        try {
            return shortDuration(Duration.between(Instant.parse(ts), now));
        } catch (DateTimeParseException e) {
            return "<invalid>";
        }
    }

    static String shortDuration(Duration d) {
        long s = Math.max(0, d.getSeconds());
        if (s < 120) {
            return s + "s";
        }
        long m = s / 60;
        if (m < 10) {
            return s % 60 == 0 ? m + "m" : m + "m" + (s % 60) + "s";
        }
        if (m < 180) {
            return m + "m";
        }
        long h = m / 60;
        if (h < 8) {
            return m % 60 == 0 ? h + "h" : h + "h" + (m % 60) + "m";
        }
        if (h < 48) {
            return h + "h";
        }
        long days = h / 24;
        if (days < 8) {
            return h % 24 == 0 ? days + "d" : days + "d" + (h % 24) + "h";
        }
        return days < 365 * 2 ? days + "d" : (days / 365) + "y";
    }
}
