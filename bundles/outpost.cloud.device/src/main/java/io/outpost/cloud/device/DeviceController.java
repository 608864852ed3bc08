package io.outpost.cloud.device;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.outpost.hub.api.CloudHub;
import io.outpost.hub.api.Groups;
import io.outpost.hub.api.Message;
import io.outpost.hub.api.MessageContext;
import io.outpost.hub.api.MessageHandler;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import io.outpost.hub.api.Modules;
import io.outpost.hub.api.NodeSession;
import io.outpost.hub.api.NodeSessionListener;
import io.outpost.hub.api.Operations;
import io.outpost.hub.api.delivery.ReliableDelivery;
import io.outpost.twin.api.DeviceSpec;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * KubeEdge's device controller, downstream: watches Devices and DeviceModels and sends each
 * gateway the devices bound to it by {@code spec.nodeName}, with their models — as KubeEdge
 * does: a membership update in group {@code twin}, then {@code insert|update|delete} of
 * {@code <ns>/devicemodel/<name>} and {@code <ns>/device/<name>} in group {@code resource}. A
 * gateway that connects gets its devices again.
 *
 * <p>Upstream, it takes the gateways' twin updates ({@code update
 * device/<ns>/<name>/twin/edge_updated}, source {@code twin}) and writes them into the Device's
 * status: {@code twins[].reported} and {@code observedDesired} with their timestamps, {@code
 * state: online} and {@code lastOnlineTime}. A gateway can only report devices bound to it.
 *
 * <p>Not yet: deletes that happen while a gateway is away reach it only through the reliable
 * delivery of the pods work.
 */
@Component(service = {NodeSessionListener.class, MessageHandler.class}, immediate = true,
        property = {MessageHandler.GROUP + "=" + Groups.RESOURCE, MessageHandler.SOURCE + "=twin"})
public class DeviceController implements NodeSessionListener, MessageHandler {
    static final ResourceDefinitionContext DEVICES = new ResourceDefinitionContext.Builder().withGroup("devices.kubeedge.io")
            .withVersion("v1beta1").withKind("Device").withPlural("devices").withNamespaced(true).build();
    static final ResourceDefinitionContext MODELS = new ResourceDefinitionContext.Builder().withGroup("devices.kubeedge.io")
            .withVersion("v1beta1").withKind("DeviceModel").withPlural("devicemodels").withNamespaced(true).build();
    private static final Logger LOG = LoggerFactory.getLogger(DeviceController.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    @Reference
    private KubernetesClient kube;

    @Reference
    private CloudHub hub;

    @Reference
    private ReliableDelivery delivery;

    private volatile SharedIndexInformer<GenericKubernetesResource> devices;
    private volatile SharedIndexInformer<GenericKubernetesResource> models;
    private volatile boolean stopped;
    private final Object conditionLock = new Object();
    private final java.util.Map<String, java.util.Map<String, JsonNode>> written = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * Status writes block on HTTP round trips to the API server. The common pool has one thread
     * per core less one, which on a 2-core cloud replica serialises every gateway's twin writes;
     * this bounded pool lets up to eight go at once. Stopped in deactivate.
     */
    private ExecutorService writer;

    @Activate
    void activate() {
        writer = Executors.newFixedThreadPool(8, r -> {
            Thread t = new Thread(r, "outpost-device-status");
            t.setDaemon(true);
            return t;
        });
        start(1);
    }

    /** Waits for the CRDs (installed asynchronously by {@link DeviceCrdInstaller}), then watches. */
    private void start(int attempt) {
        CompletableFuture.runAsync(() -> {
            if (kube.apiextensions().v1().customResourceDefinitions().withName("devices.devices.kubeedge.io").get() == null) {
                throw new IllegalStateException("the devices.kubeedge.io CRDs are not installed yet");
            }
            models = kube.genericKubernetesResources(MODELS).inAnyNamespace().inform(new Handler(true), 0);
            devices = kube.genericKubernetesResources(DEVICES).inAnyNamespace().inform(new Handler(false), 0);
            LOG.info("watching Devices and DeviceModels");
        }).whenComplete((v, e) -> {
            if (e != null && !stopped) {
                LOG.info("device controller waiting (attempt {}): {}", attempt, e.getCause() != null ? e.getCause().getMessage() : e.getMessage());
                CompletableFuture.delayedExecutor(5, TimeUnit.SECONDS).execute(() -> {
                    if (!stopped) {
                        start(attempt + 1);
                    }
                });
            }
        });
    }

    @Deactivate
    void deactivate() {
        stopped = true;
        writer.shutdownNow();
        if (devices != null) {
            devices.close();
        }
        if (models != null) {
            models.close();
        }
    }

    private final class Handler implements ResourceEventHandler<GenericKubernetesResource> {
        private final boolean model;

        Handler(boolean model) {
            this.model = model;
        }

        @Override
        public void onAdd(GenericKubernetesResource obj) {
            if (model) {
                modelChanged(obj);
            } else {
                deviceChanged(null, obj);
            }
        }

        @Override
        public void onUpdate(GenericKubernetesResource oldObj, GenericKubernetesResource newObj) {
            // Status writes (the twins we patch every report cycle) change nothing a gateway needs.
            if (Objects.equals(oldObj.getAdditionalProperties().get("spec"), newObj.getAdditionalProperties().get("spec"))) {
                return;
            }
            if (model) {
                modelChanged(newObj);
            } else {
                deviceChanged(oldObj, newObj);
            }
        }

        @Override
        public void onDelete(GenericKubernetesResource obj, boolean deletedFinalStateUnknown) {
            if (model) {
                devicesOf(obj).forEach(DeviceController.this::checkValid);
            } else {
                deviceChanged(obj, null);
            }
        }
    }

    static String nodeOf(GenericKubernetesResource d) {
        if (d == null || d.getAdditionalProperties().get("spec") == null) {
            return "";
        }
        return String.valueOf(JSON.valueToTree(d.getAdditionalProperties().get("spec")).path("nodeName").asText(""));
    }

    private void deviceChanged(GenericKubernetesResource before, GenericKubernetesResource after) {
        if (after != null) {
            checkValid(after);
        } else if (before != null) {
            written.remove(before.getMetadata().getNamespace() + "/" + before.getMetadata().getName());
        }
        String oldNode = nodeOf(before);
        String newNode = nodeOf(after);
        if (!oldNode.isEmpty() && !oldNode.equals(newNode)) {
            send(oldNode, membership(before, false));
            send(oldNode, object(Operations.DELETE, "device", before));
        }
        if (!newNode.isEmpty()) {
            if (!newNode.equals(oldNode)) {
                send(newNode, membership(after, true));
            }
            sendModelOf(newNode, after, Operations.INSERT);
            send(newNode, object(before == null || !newNode.equals(oldNode) ? Operations.INSERT : Operations.UPDATE, "device", after));
        }
    }

    private void modelChanged(GenericKubernetesResource m) {
        for (GenericKubernetesResource d : devicesOf(m)) {
            checkValid(d);
            if (!nodeOf(d).isEmpty()) {
                send(nodeOf(d), object(Operations.UPDATE, "devicemodel", m));
            }
        }
    }

    private java.util.List<GenericKubernetesResource> devicesOf(GenericKubernetesResource m) {
        if (devices == null) {
            return java.util.List.of();
        }
        return devices.getStore().list().stream().filter(d -> Objects.equals(d.getMetadata().getNamespace(), m.getMetadata().getNamespace())
                && m.getMetadata().getName().equals(modelName(d))).toList();
    }

    /**
     * Checks a Device against its model (the model exists, properties are in it, desired values
     * fit type and range) and writes the outcome as the Device's {@code Valid} condition. An
     * invalid desired value is not written to the device: the gateway's twin refuses it too.
     */
    private void checkValid(GenericKubernetesResource d) {
        GenericKubernetesResource m = models == null ? null
                : models.getStore().getByKey(d.getMetadata().getNamespace() + "/" + modelName(d));
        DeviceSpec spec = DeviceSpec.of(JSON.valueToTree(d), m == null ? null : JSON.valueToTree(m));
        List<String> problems = spec.allProblems();
        String reason = problems.isEmpty() ? "Valid" : !spec.modelFound() ? "ModelNotFound" : "InvalidSpec";
        String message = problems.isEmpty() ? "the Device fits DeviceModel " + spec.model() : String.join("; ", problems);
        setCondition(d, "Valid", problems.isEmpty(), reason, message);
    }

    /**
     * Sets one condition in status.conditions, leaving the others; writes only when it changed.
     * Reads the Device fresh and writes under a lock: two conditions set at once must not drop
     * each other (a merge patch replaces the whole list).
     */
    private void setCondition(GenericKubernetesResource cached, String type, boolean ok, String reason, String message) {
        String ns = cached.getMetadata().getNamespace();
        String name = cached.getMetadata().getName();
        writer.execute(() -> {
            synchronized (conditionLock) {
                try {
                    GenericKubernetesResource d = kube.genericKubernetesResources(DEVICES).inNamespace(ns).withName(name).get();
                    if (d == null) {
                        return;
                    }
                    JsonNode status = JSON.valueToTree(d.getAdditionalProperties().getOrDefault("status", F.objectNode()));
                    ArrayNode conditions = F.arrayNode();
                    JsonNode old = null;
                    for (JsonNode c : status.path("conditions")) {
                        if (type.equals(c.path("type").asText())) {
                            old = c;
                        } else {
                            conditions.add(c);
                        }
                    }
                    String st = ok ? "True" : "False";
                    if (old != null && st.equals(old.path("status").asText()) && reason.equals(old.path("reason").asText())
                            && message.equals(old.path("message").asText())) {
                        return;
                    }
                    String since = old != null && st.equals(old.path("status").asText()) ? old.path("lastTransitionTime").asText()
                            : Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
                    conditions.add(F.objectNode().put("type", type).put("status", st).put("reason", reason).put("message", message)
                            .put("lastTransitionTime", since));
                    ObjectNode patch = F.objectNode();
                    patch.putObject("status").set("conditions", conditions);
                    kube.genericKubernetesResources(DEVICES).inNamespace(ns).withName(name).subresource("status")
                            .patch(PatchContext.of(PatchType.JSON_MERGE), patch.toString());
                } catch (RuntimeException e) {
                    LOG.warn("condition {} of Device {}/{} not written: {}", type, ns, name, e.getMessage());
                }
            }
        });
    }

    private static String modelName(GenericKubernetesResource d) {
        return JSON.valueToTree(d.getAdditionalProperties().getOrDefault("spec", F.objectNode())).path("deviceModelRef").path("name").asText("");
    }

    private void sendModelOf(String node, GenericKubernetesResource d, String op) {
        String model = modelName(d);
        if (model.isEmpty() || models == null) {
            return;
        }
        GenericKubernetesResource m = models.getStore().getByKey(d.getMetadata().getNamespace() + "/" + model);
        if (m == null) {
            LOG.warn("device {}/{} names model {} which does not exist", d.getMetadata().getNamespace(), d.getMetadata().getName(), model);
            return;
        }
        send(node, object(op, "devicemodel", m));
    }

    /** KubeEdge's membership update: names the devices added to or removed from the node. */
    private static Message membership(GenericKubernetesResource d, boolean added) {
        ObjectNode c = F.objectNode().put("event_id", UUID.randomUUID().toString()).put("timestamp", System.currentTimeMillis());
        ObjectNode entry = F.objectNode().put("id", d.getMetadata().getNamespace() + "/" + d.getMetadata().getName())
                .put("name", d.getMetadata().getName()).put("description", "");
        c.putArray(added ? "added_devices" : "removed_devices").add(entry);
        c.putNull(added ? "removed_devices" : "added_devices");
        return Message.builder().source(Modules.DEVICE_CONTROLLER).group(Groups.TWIN).operation(Operations.UPDATE)
                .resource("membership").content(c).build();
    }

    private static Message object(String op, String type, GenericKubernetesResource o) {
        JsonNode content = JSON.valueToTree(o);
        return Message.builder().source(Modules.DEVICE_CONTROLLER).group(Groups.RESOURCE).operation(op)
                .resource(o.getMetadata().getNamespace() + "/" + type + "/" + o.getMetadata().getName())
                .resourceVersion(String.valueOf(o.getMetadata().getResourceVersion())).content(content).build();
    }

    private void send(String node, Message m) {
        // Device and model objects are delivered reliably (the gateway ACKs them); twin
        // membership messages get no ACK from KubeEdge's edge either, so they go straight out.
        if (Groups.RESOURCE.equals(m.group())) {
            delivery.enqueue(node, m);
            return;
        }
        if (!hub.send(node, m)) {
            LOG.debug("node {} not connected here; {} waits for its next connect", node, m.resource());
        }
    }

    @Override
    public void connected(NodeSession session) {
        resync(session.nodeName());
    }

    /** Sends a gateway all its devices with their models, then the membership detail listing them. */
    private void resync(String node) {
        if (devices == null) {
            return;
        }
        // A (re)connected gateway gets its devices again; what it has is replaced. Then the
        // membership detail lists them all, so the gateway drops devices deleted while it was away
        // (KubeEdge's membership/detail result, sent unasked and on request).
        ObjectNode detail = F.objectNode().put("event_id", UUID.randomUUID().toString()).put("timestamp", System.currentTimeMillis());
        ArrayNode list = detail.putArray("devices");
        for (GenericKubernetesResource d : devices.getStore().list()) {
            if (node.equals(nodeOf(d))) {
                sendModelOf(node, d, Operations.INSERT);
                send(node, object(Operations.INSERT, "device", d));
                list.addObject().put("id", d.getMetadata().getNamespace() + "/" + d.getMetadata().getName()).put("name", d.getMetadata().getName());
            }
        }
        send(node, Message.builder().source(Modules.DEVICE_CONTROLLER).group(Groups.TWIN).operation(Operations.UPDATE)
                .resource("membership/detail").content(detail).build());
    }

    @Override
    public void disconnected(NodeSession session, String reason) {
    }

    @Override
    public void handle(MessageContext ctx, Message m) {
        // node/<node>/device/<ns>/<name>/twin/edge_updated or node/<node>/device/<ns>/<name>/state/update
        String[] seg = m.resource().split("/");
        if (m.resource().endsWith("/membership/detail")) {
            // The gateway asks for its devices (after a connect, or when its device bundle started
            // late): send them all again, with the detail. No answer, as in KubeEdge.
            resync(ctx.nodeName());
            return;
        }
        boolean isTwin = seg.length == 7 && "twin".equals(seg[5]) && "edge_updated".equals(seg[6]);
        boolean isState = seg.length == 7 && "state".equals(seg[5]) && "update".equals(seg[6]);
        if (!"device".equals(seg.length > 2 ? seg[2] : "") || !isTwin && !isState) {
            throw new IllegalArgumentException("unsupported device resource '" + m.resource()
                    + "': expected device/<namespace>/<name>/twin/edge_updated or device/<namespace>/<name>/state/update");
        }
        if (!Operations.UPDATE.equals(m.operation())) {
            throw new IllegalArgumentException("device updates use operation 'update', not '" + m.operation() + "'");
        }
        // KubeEdge sends the content as a JSON string or as an object: take both.
        JsonNode content = m.content();
        if (content.isTextual()) {
            try {
                content = JSON.readTree(content.asText());
            } catch (java.io.IOException e) {
                throw new IllegalArgumentException("the content of " + m.resource() + " is a string that is not JSON");
            }
        }
        JsonNode twin = content.path("twin");
        JsonNode device = content.path("device");
        if (isTwin && !twin.isObject()) {
            throw new IllegalArgumentException("a twin update must carry {\"twin\": {<property>: {\"actual\": {\"value\": …}}}}");
        }
        if (isState && !device.path("state").isTextual()) {
            throw new IllegalArgumentException("a state update must carry {\"device\": {\"state\": \"online|offline|…\"}}");
        }
        String ns = seg[3];
        String name = seg[4];
        if (devices == null) {
            throw new IllegalStateException("the device controller is not watching Devices yet; try again");
        }
        GenericKubernetesResource d = devices.getStore().getByKey(ns + "/" + name);
        if (d == null) {
            throw new IllegalArgumentException("no Device " + ns + "/" + name + " exists");
        }
        if (!ctx.nodeName().equals(nodeOf(d))) {
            throw new IllegalArgumentException("Device " + ns + "/" + name + " is bound to node '" + nodeOf(d) + "', not to " + ctx.nodeName());
        }
        // The Kubernetes call blocks: off the hub's I/O thread.
        writer.execute(() -> {
            try {
                if (isTwin) {
                    patchStatus(d, twin);
                } else {
                    patchState(d, device);
                }
                ctx.reply(m.response(TextNode.valueOf("OK")));
            } catch (RuntimeException e) {
                LOG.warn("twin update of {}/{}: {}", ns, name, e.getMessage());
                ctx.reply(m.response(TextNode.valueOf(String.valueOf(e.getMessage()))).toBuilder().operation(Operations.ERROR).build());
            }
        });
    }

    /**
     * Writes the device's state and last-online time, and the {@code Online} condition with the
     * gateway's reason (timeout, refused, no mapper installed, invalid configuration).
     */
    private void patchState(GenericKubernetesResource d, JsonNode device) {
        String state = device.path("state").asText();
        String reason = device.path("reason").asText("");
        ObjectNode patch = F.objectNode();
        ObjectNode st = patch.putObject("status").put("state", state);
        String last = device.path("last_online").asText("");
        if (!last.isEmpty()) {
            // KubeEdge's edge writes Go's "2006-01-02 15:04:05"; ours is UTC. Kubernetes users read RFC 3339.
            try {
                st.put("lastOnlineTime", java.time.LocalDateTime.parse(last.replace(' ', 'T')).toInstant(java.time.ZoneOffset.UTC).toString());
            } catch (java.time.format.DateTimeParseException e) {
                st.put("lastOnlineTime", last);
            }
        }
        kube.genericKubernetesResources(DEVICES).inNamespace(d.getMetadata().getNamespace()).withName(d.getMetadata().getName())
                .subresource("status").patch(PatchContext.of(PatchType.JSON_MERGE), patch.toString());
        boolean online = "online".equals(state) || "ok".equals(state);
        String why = online ? "Online" : reason.startsWith("invalid configuration") ? "InvalidConfiguration"
                : reason.startsWith("no mapper") ? "NoMapper" : "Offline";
        setCondition(d, "Online", online, why, online ? "the gateway's mapper reaches the device" : reason.isEmpty() ? state : reason);
    }

    /** Merges the reported properties into status.twins (other properties keep their entries). */
    private void patchStatus(GenericKubernetesResource d, JsonNode twin) {
        // The twins last written per device: the informer's copy may not show our previous write
        // yet, and a merge patch replaces the whole list. Seeded from the informer once.
        String key = d.getMetadata().getNamespace() + "/" + d.getMetadata().getName();
        java.util.Map<String, JsonNode> byProp = written.computeIfAbsent(key, k -> {
            java.util.Map<String, JsonNode> m = new java.util.LinkedHashMap<>();
            JsonNode status = JSON.valueToTree(d.getAdditionalProperties().getOrDefault("status", F.objectNode()));
            for (JsonNode t : status.path("twins")) {
                m.put(t.path("propertyName").asText(), t);
            }
            return m;
        });
        synchronized (byProp) {
            patchTwins(d, twin, byProp);
        }
    }

    private void patchTwins(GenericKubernetesResource d, JsonNode twin, java.util.Map<String, JsonNode> byProp) {
        java.util.Set<String> props = new java.util.HashSet<>();
        JSON.valueToTree(d.getAdditionalProperties().getOrDefault("spec", F.objectNode())).path("properties")
                .forEach(p -> props.add(p.path("name").asText()));
        byProp.keySet().retainAll(props);
        String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
        twin.fields().forEachRemaining(e -> {
            if (!props.contains(e.getKey())) {
                return; // as KubeEdge: twins of properties the Device does not declare are ignored
            }
            ObjectNode t = F.objectNode().put("propertyName", e.getKey());
            JsonNode actual = e.getValue().path("actual");
            ObjectNode reported = t.putObject("reported").put("value", actual.path("value").asText(""));
            ObjectNode meta = reported.putObject("metadata");
            meta.put("timestamp", actual.path("metadata").path("timestamp").asText(now));
            meta.put("type", e.getValue().path("metadata").path("type").asText("string"));
            JsonNode expected = e.getValue().path("expected");
            if (expected.isObject()) {
                ObjectNode od = t.putObject("observedDesired").put("value", expected.path("value").asText(""));
                od.putObject("metadata").put("timestamp", expected.path("metadata").path("timestamp").asText(now));
            }
            byProp.put(e.getKey(), t);
        });
        ObjectNode patch = F.objectNode();
        ObjectNode st = patch.putObject("status");
        ArrayNode twins = st.putArray("twins");
        byProp.values().forEach(twins::add);
        kube.genericKubernetesResources(DEVICES).inNamespace(d.getMetadata().getNamespace()).withName(d.getMetadata().getName())
                .subresource("status").patch(PatchContext.of(PatchType.JSON_MERGE), patch.toString());
    }
}
