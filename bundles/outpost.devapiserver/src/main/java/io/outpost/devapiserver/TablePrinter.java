package io.outpost.devapiserver;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Server-side printing: turns objects into a {@code meta.k8s.io/v1} {@code Table}, which is what
 * {@code kubectl get} asks for ({@code Accept: application/json;as=Table;v=v1;g=meta.k8s.io}).
 *
 * <p>kubectl prints the cells exactly as sent, so everything it shows is computed here: the
 * columns mirror the real API server's printers (wide-only columns have {@code priority: 1}) and
 * ages are already rendered as "5s", "3m12s", "2d4h" with the same rules as Kubernetes.
 */
final class TablePrinter {

    /** What each row carries besides its cells ({@code ?includeObject=}). */
    enum IncludeObject { NONE, METADATA, OBJECT }

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final String NONE = "<none>";
    private static final String UNKNOWN = "<unknown>";

    private final Clock clock;

    TablePrinter(Clock clock) {
        this.clock = clock;
    }

    /** A Table for the objects; without headers when {@code withHeaders} is false (later watch events). */
    ObjectNode table(ResourceType type, List<ObjectNode> objects, boolean withHeaders, IncludeObject include,
            String tableApiVersion, String resourceVersion, String continueToken) {
        ObjectNode table = NODES.objectNode();
        table.put("kind", "Table");
        table.put("apiVersion", tableApiVersion);
        ObjectNode meta = table.putObject("metadata");
        if (resourceVersion != null) {
            meta.put("resourceVersion", resourceVersion);
        }
        if (continueToken != null && !continueToken.isEmpty()) {
            meta.put("continue", continueToken);
        }
        ArrayNode columns = table.putArray("columnDefinitions");
        if (withHeaders) {
            for (Column c : columns(type)) {
                ObjectNode def = columns.addObject();
                def.put("name", c.name());
                def.put("type", c.type());
                def.put("format", c.format());
                def.put("description", c.description());
                def.put("priority", c.priority());
            }
        }
        ArrayNode rows = table.putArray("rows");
        for (ObjectNode o : objects) {
            ObjectNode row = rows.addObject();
            row.set("cells", cells(type, o));
            if (include == IncludeObject.OBJECT) {
                row.set("object", o);
            } else if (include == IncludeObject.METADATA) {
                row.set("object", partialMetadata(o, tableApiVersion));
            }
        }
        return table;
    }

    /** The object reduced to its metadata, as {@code PartialObjectMetadata}. */
    static ObjectNode partialMetadata(ObjectNode object, String metaApiVersion) {
        ObjectNode partial = NODES.objectNode();
        partial.put("kind", "PartialObjectMetadata");
        partial.put("apiVersion", metaApiVersion);
        JsonNode meta = object.get("metadata");
        partial.set("metadata", meta == null ? NODES.objectNode() : meta.deepCopy());
        return partial;
    }

    record Column(String name, String type, String format, String description, int priority) {
    }

    private static Column col(String name, String description) {
        return new Column(name, "string", "", description, 0);
    }

    private static Column wide(String name, String description) {
        return new Column(name, "string", "", description, 1);
    }

    private static Column nameColumn() {
        return new Column("Name", "string", "name",
                "Name must be unique within a namespace. Cannot be updated.", 0);
    }

    private static final Column AGE = col("Age",
            "CreationTimestamp is a timestamp representing the server time when this object was created.");

    List<Column> columns(ResourceType type) {
        switch (type.printer()) {
            case NODE:
                return List.of(nameColumn(), col("Status", "The status of the node"),
                        col("Roles", "The roles of the node"), AGE,
                        col("Version", "Kubelet Version reported by the node."),
                        wide("Internal-IP", "List of addresses reachable to the node."),
                        wide("External-IP", "List of addresses reachable to the node."),
                        wide("OS-Image", "OS Image reported by the node from /etc/os-release."),
                        wide("Kernel-Version", "Kernel Version reported by the node."),
                        wide("Container-Runtime", "Container Runtime Version reported by the node."));
            case POD:
                return List.of(nameColumn(),
                        col("Ready", "The aggregate readiness state of this pod for accepting traffic."),
                        col("Status", "The aggregate status of the containers in this pod."),
                        col("Restarts", "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted."),
                        AGE,
                        wide("IP", "IP address allocated to the pod."),
                        wide("Node", "Name of the Node this pod is assigned to."),
                        wide("Nominated Node", "Name of the node nominated by the scheduler."),
                        wide("Readiness Gates", "Readiness gates of the pod."));
            case NAMESPACE:
                return List.of(nameColumn(), col("Status", "The status of the namespace"), AGE);
            case SERVICE:
                return List.of(nameColumn(), col("Type", "The type of the service."),
                        col("Cluster-IP", "The cluster IP of the service."),
                        col("External-IP", "The external IP of the service."),
                        col("Port(s)", "The ports of the service."), AGE,
                        wide("Selector", "Route service traffic to pods with label keys and values matching this selector."));
            case CONFIGMAP:
                return List.of(nameColumn(), col("Data", "Number of data entries."), AGE);
            case SECRET:
                return List.of(nameColumn(), col("Type", "The type of the secret"),
                        col("Data", "The number of entries in the secret"), AGE);
            case EVENT:
                return List.of(col("Last Seen", "The time of the last occurrence of the event."),
                        col("Type", "Type of the event (Normal, Warning)."),
                        col("Reason", "Short, machine understandable reason of the event."),
                        col("Object", "The object the event is about."),
                        wide("Subobject", "The part of the object the event is about."),
                        wide("Source", "The component reporting the event."),
                        col("Message", "A human-readable description of the event."),
                        wide("First Seen", "The time of the first occurrence of the event."),
                        wide("Count", "The number of times this event has occurred."),
                        new Column("Name", "string", "name", "Name of the event.", 1));
            case LEASE:
                return List.of(nameColumn(), col("Holder", "The holder of the lease."), AGE);
            case ENDPOINTS:
                return List.of(nameColumn(), col("Endpoints", "Endpoints of the service."), AGE);
            case ENDPOINTSLICE:
                return List.of(nameColumn(), col("AddressType", "The type of address of the endpoints."),
                        col("Ports", "The ports of the endpoints."), col("Endpoints", "The addresses of the endpoints."), AGE);
            case DEPLOYMENT:
                return List.of(nameColumn(), col("Ready", "Number of ready replicas / desired replicas."),
                        col("Up-to-date", "Total number of non-terminated pods targeted by this deployment that have the desired template spec."),
                        col("Available", "Total number of available pods targeted by this deployment."), AGE,
                        wide("Containers", "Names of each container in the template."),
                        wide("Images", "Images referenced by each container in the template."),
                        wide("Selector", "Label selector for pods."));
            case DAEMONSET:
                return List.of(nameColumn(), col("Desired", "The desired number of nodes."),
                        col("Current", "The number of nodes running the daemon pod."),
                        col("Ready", "The number of nodes with a ready daemon pod."),
                        col("Up-to-date", "The number of nodes with an updated daemon pod."),
                        col("Available", "The number of nodes with an available daemon pod."),
                        col("Node Selector", "The node selector of the daemon pods."), AGE,
                        wide("Containers", "Names of each container in the template."),
                        wide("Images", "Images referenced by each container in the template."),
                        wide("Selector", "Label selector for pods."));
            case REPLICASET:
                return List.of(nameColumn(), col("Desired", "Number of desired replicas."),
                        col("Current", "Number of actual replicas."), col("Ready", "Number of ready replicas."), AGE,
                        wide("Containers", "Names of each container in the template."),
                        wide("Images", "Images referenced by each container in the template."),
                        wide("Selector", "Label selector for pods."));
            case STATEFULSET:
                return List.of(nameColumn(), col("Ready", "Number of ready replicas / desired replicas."), AGE,
                        wide("Containers", "Names of each container in the template."),
                        wide("Images", "Images referenced by each container in the template."));
            case SERVICEACCOUNT:
                return List.of(nameColumn(), col("Secrets", "Number of secrets of the service account."), AGE);
            case CRD:
                return List.of(nameColumn(), new Column("Created At", "date", "",
                        "CreationTimestamp is a timestamp representing the server time when this object was created.", 0));
            case CUSTOM: {
                List<Column> result = new ArrayList<>();
                result.add(nameColumn());
                for (ResourceType.PrinterColumn c : type.columns()) {
                    result.add(new Column(c.name(), c.type(), c.format() == null ? "" : c.format(),
                            c.description() == null || c.description().isEmpty()
                                    ? "Custom resource definition column (in JSONPath format): " + c.jsonPath()
                                    : c.description(),
                            c.priority()));
                }
                return result;
            }
            default:
                return List.of(nameColumn(), AGE);
        }
    }

    ArrayNode cells(ResourceType type, ObjectNode o) {
        ArrayNode cells = NODES.arrayNode();
        String name = KubeObjects.name(o);
        JsonNode spec = o.path("spec");
        JsonNode status = o.path("status");
        switch (type.printer()) {
            case NODE: {
                JsonNode info = status.path("nodeInfo");
                cells.add(name).add(nodeStatus(o)).add(nodeRoles(o)).add(age(o))
                        .add(info.path("kubeletVersion").asText(""))
                        .add(nodeAddress(o, "InternalIP")).add(nodeAddress(o, "ExternalIP"))
                        .add(orDefault(info.path("osImage").asText(""), UNKNOWN))
                        .add(orDefault(info.path("kernelVersion").asText(""), UNKNOWN))
                        .add(orDefault(info.path("containerRuntimeVersion").asText(""), UNKNOWN));
                break;
            }
            case POD:
                podCells(o, cells);
                break;
            case NAMESPACE:
                cells.add(name).add(status.path("phase").asText("Active")).add(age(o));
                break;
            case SERVICE:
                cells.add(name).add(spec.path("type").asText("ClusterIP"))
                        .add(orDefault(spec.path("clusterIP").asText(""), NONE))
                        .add(serviceExternalIp(o)).add(servicePorts(spec)).add(age(o))
                        .add(formatLabels(spec.path("selector")));
                break;
            case CONFIGMAP:
                cells.add(name).add(o.path("data").size() + o.path("binaryData").size()).add(age(o));
                break;
            case SECRET:
                cells.add(name).add(o.path("type").asText("Opaque")).add(o.path("data").size()).add(age(o));
                break;
            case EVENT:
                eventCells(o, cells);
                break;
            case LEASE:
                cells.add(name).add(spec.path("holderIdentity").asText("")).add(age(o));
                break;
            case ENDPOINTS:
                cells.add(name).add(endpoints(o)).add(age(o));
                break;
            case ENDPOINTSLICE:
                cells.add(name).add(o.path("addressType").asText("")).add(slicePorts(o)).add(sliceEndpoints(o)).add(age(o));
                break;
            case DEPLOYMENT: {
                long desired = spec.path("replicas").asLong(1);
                cells.add(name).add(status.path("readyReplicas").asLong(0) + "/" + desired)
                        .add(status.path("updatedReplicas").asLong(0))
                        .add(status.path("availableReplicas").asLong(0)).add(age(o));
                addTemplateColumns(spec, cells, true);
                break;
            }
            case DAEMONSET:
                cells.add(name).add(status.path("desiredNumberScheduled").asLong(0))
                        .add(status.path("currentNumberScheduled").asLong(0))
                        .add(status.path("numberReady").asLong(0))
                        .add(status.path("updatedNumberScheduled").asLong(0))
                        .add(status.path("numberAvailable").asLong(0))
                        .add(formatLabels(spec.path("template").path("spec").path("nodeSelector"))).add(age(o));
                addTemplateColumns(spec, cells, true);
                break;
            case REPLICASET:
                cells.add(name).add(spec.path("replicas").asLong(1)).add(status.path("replicas").asLong(0))
                        .add(status.path("readyReplicas").asLong(0)).add(age(o));
                addTemplateColumns(spec, cells, true);
                break;
            case STATEFULSET:
                cells.add(name).add(status.path("readyReplicas").asLong(0) + "/" + spec.path("replicas").asLong(1))
                        .add(age(o));
                addTemplateColumns(spec, cells, false);
                break;
            case SERVICEACCOUNT:
                cells.add(name).add(o.path("secrets").size()).add(age(o));
                break;
            case CRD:
                cells.add(name).add(o.path("metadata").path("creationTimestamp").asText(""));
                break;
            case CUSTOM:
                cells.add(name);
                for (ResourceType.PrinterColumn c : type.columns()) {
                    cells.add(customCell(c, SimpleJsonPath.first(o, c.jsonPath())));
                }
                break;
            default:
                cells.add(name).add(age(o));
        }
        return cells;
    }

    // ---- nodes -------------------------------------------------------------------------------

    private static String nodeStatus(JsonNode node) {
        List<String> parts = new ArrayList<>();
        for (JsonNode c : node.path("status").path("conditions")) {
            if ("Ready".equals(c.path("type").asText())) {
                parts.add("True".equals(c.path("status").asText()) ? "Ready" : "NotReady");
                break;
            }
        }
        if (parts.isEmpty()) {
            parts.add("Unknown");
        }
        if (node.path("spec").path("unschedulable").asBoolean(false)) {
            parts.add("SchedulingDisabled");
        }
        return String.join(",", parts);
    }

    private static String nodeRoles(JsonNode node) {
        TreeSet<String> roles = new TreeSet<>();
        Iterator<Map.Entry<String, JsonNode>> it = node.path("metadata").path("labels").properties().iterator();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().startsWith("node-role.kubernetes.io/")) {
                String role = e.getKey().substring("node-role.kubernetes.io/".length());
                if (!role.isEmpty()) {
                    roles.add(role);
                }
            } else if (e.getKey().equals("kubernetes.io/role") && !e.getValue().asText().isEmpty()) {
                roles.add(e.getValue().asText());
            }
        }
        return roles.isEmpty() ? NONE : String.join(",", roles);
    }

    private static String nodeAddress(JsonNode node, String type) {
        for (JsonNode a : node.path("status").path("addresses")) {
            if (type.equals(a.path("type").asText())) {
                return a.path("address").asText(NONE);
            }
        }
        return NONE;
    }

    // ---- pods --------------------------------------------------------------------------------

    private void podCells(ObjectNode pod, ArrayNode cells) {
        JsonNode spec = pod.path("spec");
        JsonNode status = pod.path("status");
        int total = spec.path("containers").size();
        int ready = 0;
        long restarts = 0;
        Instant lastRestart = null;
        String reason = status.path("reason").asText("");
        if (reason.isEmpty()) {
            reason = status.path("phase").asText("Pending");
        }

        boolean initializing = false;
        JsonNode initStatuses = status.path("initContainerStatuses");
        int initCount = spec.path("initContainers").size();
        for (int i = 0; i < initStatuses.size(); i++) {
            JsonNode c = initStatuses.get(i);
            restarts += c.path("restartCount").asLong(0);
            lastRestart = later(lastRestart, KubeObjects.parseTime(c.path("lastState").path("terminated").get("finishedAt")));
            JsonNode terminated = c.path("state").get("terminated");
            JsonNode waiting = c.path("state").get("waiting");
            if (terminated != null && terminated.path("exitCode").asInt(0) == 0) {
                continue;
            }
            if (terminated != null) {
                String r = terminated.path("reason").asText("");
                if (r.isEmpty()) {
                    r = terminated.path("signal").asInt(0) != 0
                            ? "Signal:" + terminated.path("signal").asInt()
                            : "ExitCode:" + terminated.path("exitCode").asInt();
                }
                reason = "Init:" + r;
            } else if (waiting != null && !waiting.path("reason").asText("").isEmpty()
                    && !"PodInitializing".equals(waiting.path("reason").asText())) {
                reason = "Init:" + waiting.path("reason").asText();
            } else {
                reason = "Init:" + i + "/" + initCount;
            }
            initializing = true;
            break;
        }
        if (!initializing || hasCondition(status, "Initialized")) {
            restarts = 0;
            boolean hasRunning = false;
            JsonNode statuses = status.path("containerStatuses");
            for (int i = statuses.size() - 1; i >= 0; i--) {
                JsonNode c = statuses.get(i);
                restarts += c.path("restartCount").asLong(0);
                lastRestart = later(lastRestart, KubeObjects.parseTime(c.path("lastState").path("terminated").get("finishedAt")));
                JsonNode waiting = c.path("state").get("waiting");
                JsonNode terminated = c.path("state").get("terminated");
                if (waiting != null && !waiting.path("reason").asText("").isEmpty()) {
                    reason = waiting.path("reason").asText();
                } else if (terminated != null && !terminated.path("reason").asText("").isEmpty()) {
                    reason = terminated.path("reason").asText();
                } else if (terminated != null) {
                    reason = terminated.path("signal").asInt(0) != 0
                            ? "Signal:" + terminated.path("signal").asInt()
                            : "ExitCode:" + terminated.path("exitCode").asInt();
                } else if (c.path("ready").asBoolean(false) && c.path("state").has("running")) {
                    hasRunning = true;
                    ready++;
                }
            }
            if (reason.equals("Completed") && hasRunning) {
                reason = hasCondition(status, "Ready") ? "Running" : "NotReady";
            }
        }
        String phase = status.path("phase").asText("");
        if (KubeObjects.isBeingDeleted(pod) && "NodeLost".equals(status.path("reason").asText())) {
            reason = "Unknown";
        } else if (KubeObjects.isBeingDeleted(pod) && !phase.equals("Succeeded") && !phase.equals("Failed")) {
            reason = "Terminating";
        }

        String restartText = Long.toString(restarts);
        if (restarts > 0 && lastRestart != null) {
            restartText += " (" + humanDuration(Duration.between(lastRestart, clock.instant())) + " ago)";
        }
        String gates = NONE;
        JsonNode readinessGates = spec.path("readinessGates");
        if (readinessGates.size() > 0) {
            int trueGates = 0;
            for (JsonNode g : readinessGates) {
                if (conditionTrue(status, g.path("conditionType").asText())) {
                    trueGates++;
                }
            }
            gates = trueGates + "/" + readinessGates.size();
        }
        cells.add(KubeObjects.name(pod)).add(ready + "/" + total).add(reason).add(restartText).add(age(pod))
                .add(orDefault(status.path("podIP").asText(""), NONE))
                .add(orDefault(spec.path("nodeName").asText(""), NONE))
                .add(orDefault(status.path("nominatedNodeName").asText(""), NONE))
                .add(gates);
    }

    private static boolean hasCondition(JsonNode status, String type) {
        return conditionTrue(status, type);
    }

    private static boolean conditionTrue(JsonNode status, String type) {
        for (JsonNode c : status.path("conditions")) {
            if (type.equals(c.path("type").asText()) && "True".equals(c.path("status").asText())) {
                return true;
            }
        }
        return false;
    }

    private static Instant later(Instant a, Instant b) {
        if (a == null) {
            return b;
        }
        return b != null && b.isAfter(a) ? b : a;
    }

    // ---- services and endpoints ------------------------------------------------------------

    private static String serviceExternalIp(JsonNode svc) {
        JsonNode spec = svc.path("spec");
        String type = spec.path("type").asText("ClusterIP");
        List<String> external = new ArrayList<>();
        spec.path("externalIPs").forEach(ip -> external.add(ip.asText()));
        switch (type) {
            case "ExternalName":
                return spec.path("externalName").asText(NONE);
            case "LoadBalancer": {
                List<String> all = new ArrayList<>();
                for (JsonNode ingress : svc.path("status").path("loadBalancer").path("ingress")) {
                    String ip = ingress.path("ip").asText("");
                    all.add(ip.isEmpty() ? ingress.path("hostname").asText("") : ip);
                }
                all.addAll(external);
                all.removeIf(String::isEmpty);
                return all.isEmpty() ? "<pending>" : String.join(",", all);
            }
            default:
                return external.isEmpty() ? NONE : String.join(",", external);
        }
    }

    private static String servicePorts(JsonNode spec) {
        List<String> ports = new ArrayList<>();
        for (JsonNode p : spec.path("ports")) {
            String protocol = p.path("protocol").asText("TCP");
            long nodePort = p.path("nodePort").asLong(0);
            ports.add(nodePort > 0
                    ? p.path("port").asLong() + ":" + nodePort + "/" + protocol
                    : p.path("port").asLong() + "/" + protocol);
        }
        return ports.isEmpty() ? NONE : String.join(",", ports);
    }

    private static String endpoints(JsonNode ep) {
        List<String> list = new ArrayList<>();
        int count = 0;
        for (JsonNode subset : ep.path("subsets")) {
            for (JsonNode address : subset.path("addresses")) {
                String ip = address.path("ip").asText("");
                if (subset.path("ports").size() == 0) {
                    count++;
                    if (list.size() < 3) {
                        list.add(ip);
                    }
                }
                for (JsonNode port : subset.path("ports")) {
                    count++;
                    if (list.size() < 3) {
                        list.add(ip + ":" + port.path("port").asLong());
                    }
                }
            }
        }
        if (list.isEmpty()) {
            return NONE;
        }
        String text = String.join(",", list);
        return count > list.size() ? text + " + " + (count - list.size()) + " more..." : text;
    }

    private static String slicePorts(JsonNode slice) {
        List<String> ports = new ArrayList<>();
        for (JsonNode p : slice.path("ports")) {
            if (p.has("port")) {
                ports.add(Long.toString(p.path("port").asLong()));
            }
        }
        return ports.isEmpty() ? "<unset>" : String.join(",", ports);
    }

    private static String sliceEndpoints(JsonNode slice) {
        List<String> addresses = new ArrayList<>();
        int count = 0;
        for (JsonNode e : slice.path("endpoints")) {
            for (JsonNode a : e.path("addresses")) {
                count++;
                if (addresses.size() < 3) {
                    addresses.add(a.asText());
                }
            }
        }
        if (addresses.isEmpty()) {
            return "<unset>";
        }
        String text = String.join(",", addresses);
        return count > addresses.size() ? text + " + " + (count - addresses.size()) + " more..." : text;
    }

    // ---- events ------------------------------------------------------------------------------

    private void eventCells(ObjectNode event, ArrayNode cells) {
        String first = since(KubeObjects.parseTime(event.get("firstTimestamp")));
        if (event.path("firstTimestamp").isMissingNode() || event.path("firstTimestamp").isNull()) {
            first = since(KubeObjects.parseTime(event.get("eventTime")));
        }
        String last = since(KubeObjects.parseTime(event.get("lastTimestamp")));
        if (event.path("lastTimestamp").isMissingNode() || event.path("lastTimestamp").isNull()) {
            last = first;
        }
        long count = event.path("count").asLong(0);
        JsonNode series = event.get("series");
        if (series != null && series.isObject()) {
            last = since(KubeObjects.parseTime(series.get("lastObservedTime")));
            count = series.path("count").asLong(0);
        } else if (count == 0) {
            count = 1;
        }
        JsonNode involved = event.path("involvedObject");
        String kind = involved.path("kind").asText("").toLowerCase(java.util.Locale.ROOT);
        String target = involved.path("name").asText("").isEmpty() ? kind : kind + "/" + involved.path("name").asText();
        String component = event.path("source").path("component").asText("");
        String host = event.path("source").path("host").asText("");
        if (component.isEmpty()) {
            component = event.path("reportingComponent").asText("");
            host = event.path("reportingInstance").asText("");
        }
        String source = host.isEmpty() ? component : component + ", " + host;
        cells.add(last).add(event.path("type").asText("")).add(event.path("reason").asText("")).add(target)
                .add(involved.path("fieldPath").asText("")).add(source)
                .add(event.path("message").asText("").trim()).add(first).add(count).add(KubeObjects.name(event));
    }

    // ---- workloads ---------------------------------------------------------------------------

    private static void addTemplateColumns(JsonNode spec, ArrayNode cells, boolean withSelector) {
        List<String> names = new ArrayList<>();
        List<String> images = new ArrayList<>();
        for (JsonNode c : spec.path("template").path("spec").path("containers")) {
            names.add(c.path("name").asText(""));
            images.add(c.path("image").asText(""));
        }
        cells.add(String.join(",", names)).add(String.join(",", images));
        if (withSelector) {
            cells.add(formatSelector(spec.path("selector")));
        }
    }

    /** A LabelSelector object as text, like {@code metav1.FormatLabelSelector}. */
    static String formatSelector(JsonNode selector) {
        List<String> parts = new ArrayList<>();
        TreeMap<String, String> labels = new TreeMap<>();
        selector.path("matchLabels").properties().iterator().forEachRemaining(e -> labels.put(e.getKey(), e.getValue().asText()));
        labels.forEach((k, v) -> parts.add(k + "=" + v));
        for (JsonNode expr : selector.path("matchExpressions")) {
            String key = expr.path("key").asText();
            List<String> values = new ArrayList<>();
            expr.path("values").forEach(v -> values.add(v.asText()));
            switch (expr.path("operator").asText()) {
                case "In":
                    parts.add(key + " in (" + String.join(",", values) + ")");
                    break;
                case "NotIn":
                    parts.add(key + " notin (" + String.join(",", values) + ")");
                    break;
                case "Exists":
                    parts.add(key);
                    break;
                case "DoesNotExist":
                    parts.add("!" + key);
                    break;
                default:
                    break;
            }
        }
        return parts.isEmpty() ? NONE : String.join(",", parts);
    }

    private static String formatLabels(JsonNode map) {
        TreeMap<String, String> labels = new TreeMap<>();
        map.properties().iterator().forEachRemaining(e -> labels.put(e.getKey(), e.getValue().asText()));
        if (labels.isEmpty()) {
            return NONE;
        }
        List<String> parts = new ArrayList<>();
        labels.forEach((k, v) -> parts.add(k + "=" + v));
        return String.join(",", parts);
    }

    // ---- custom resources --------------------------------------------------------------------

    /** A cell for an additionalPrinterColumn, typed like the apiextensions server does it. */
    private JsonNode customCell(ResourceType.PrinterColumn column, JsonNode value) {
        if (value == null) {
            return NODES.nullNode();
        }
        switch (column.type()) {
            case "integer":
                return value.isNumber() ? NODES.numberNode(value.asLong()) : NODES.nullNode();
            case "number":
                return value.isNumber() ? NODES.numberNode(value.asDouble()) : NODES.nullNode();
            case "boolean":
                return value.isBoolean() ? value : NODES.nullNode();
            case "date": {
                if (!value.isTextual()) {
                    return NODES.nullNode();
                }
                Instant t = KubeObjects.parseTime(value);
                return NODES.textNode(t == null ? "<invalid>" : humanDuration(Duration.between(t, clock.instant())));
            }
            default:
                return NODES.textNode(value.isValueNode() ? value.asText() : value.toString());
        }
    }

    // ---- ages --------------------------------------------------------------------------------

    private String age(JsonNode object) {
        return since(KubeObjects.parseTime(object.path("metadata").get("creationTimestamp")));
    }

    private String since(Instant t) {
        return t == null ? UNKNOWN : humanDuration(Duration.between(t, clock.instant()));
    }

    private static String orDefault(String value, String fallback) {
        return value == null || value.isEmpty() ? fallback : value;
    }

    /**
     * A duration the way kubectl shows ages: precise when short ("45s", "3m12s", "5h3m"), coarser
     * as it grows ("12h", "2d4h", "45d", "3y20d").
     */
    static String humanDuration(Duration d) {
        long seconds = d.getSeconds();
        if (seconds < -1) {
            return "<invalid>";
        }
        if (seconds < 0) {
            return "0s";
        }
        if (seconds < 60 * 2) {
            return seconds + "s";
        }
        long minutes = seconds / 60;
        if (minutes < 10) {
            long s = seconds % 60;
            return s == 0 ? minutes + "m" : minutes + "m" + s + "s";
        }
        if (minutes < 60 * 3) {
            return minutes + "m";
        }
        long hours = minutes / 60;
        if (hours < 8) {
            long m = minutes % 60;
            return m == 0 ? hours + "h" : hours + "h" + m + "m";
        }
        if (hours < 48) {
            return hours + "h";
        }
        if (hours < 24 * 8) {
            long h = hours % 24;
            return h == 0 ? (hours / 24) + "d" : (hours / 24) + "d" + h + "h";
        }
        if (hours < 24 * 365 * 2) {
            return (hours / 24) + "d";
        }
        if (hours < 24 * 365 * 8) {
            long days = (hours / 24) % 365;
            return days == 0 ? (hours / 24 / 365) + "y" : (hours / 24 / 365) + "y" + days + "d";
        }
        return (hours / 24 / 365) + "y";
    }
}
