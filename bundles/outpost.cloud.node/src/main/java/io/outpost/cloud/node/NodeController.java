package io.outpost.cloud.node;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.outpost.hub.api.EdgeNodeInfo;
import io.outpost.hub.api.EdgeNodes;
import io.outpost.hub.api.Groups;
import io.outpost.hub.api.Message;
import io.outpost.hub.api.MessageContext;
import io.outpost.hub.api.MessageHandler;
import io.outpost.hub.api.NodeSession;
import io.outpost.hub.api.NodeSessionListener;
import io.outpost.hub.api.Operations;
import io.outpost.hub.api.Resource;
import io.outpost.hub.api.ResourceTypes;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Node lifecycle of gateways, KubeEdge's edgecontroller's upstream part: a gateway's node
 * registration creates or updates its Node, its periodic node status is patched into the Node's
 * status and renews its Lease in {@code kube-node-lease}, and a gateway that stops reporting is
 * marked NotReady, with the unreachable taints, once the grace period has passed — in any
 * cluster, because no kubelet-based node lifecycle controller knows about edge nodes' links.
 */
@Component(configurationPid = NodeController.PID, service = {MessageHandler.class, NodeSessionListener.class, EdgeNodes.class},
        property = {MessageHandler.GROUP + "=" + Groups.RESOURCE,
                MessageHandler.RESOURCE_TYPE + "=" + ResourceTypes.NODE,
                MessageHandler.RESOURCE_TYPE + "=" + ResourceTypes.NODE_STATUS})
@Designate(ocd = NodeController.Cfg.class)
public class NodeController implements MessageHandler, NodeSessionListener, EdgeNodes {
    static final String PID = "io.outpost.cloud.node";
    static final String EDGE_ROLE = "node-role.kubernetes.io/edge";
    static final String AGENT_ROLE = "node-role.kubernetes.io/agent";
    static final String UNREACHABLE_TAINT = "node.kubernetes.io/unreachable";
    static final String NOT_READY_TAINT = "node.kubernetes.io/not-ready";
    private static final Logger LOG = LoggerFactory.getLogger(NodeController.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    @ObjectClassDefinition(name = "Outpost cloud: node controller", description = "Node lifecycle of gateways.")
    public @interface Cfg {
        @AttributeDefinition(description = "Seconds without node status after which a gateway's Node becomes NotReady.", min = "5")
        int gracePeriodSeconds() default 40;

        @AttributeDefinition(description = "Seconds between checks of all edge Nodes' heartbeats (covers gateways connected to other replicas).", min = "1")
        int monitorPeriodSeconds() default 5;

        @AttributeDefinition(description = "Lease duration written to each gateway's Lease, in seconds.", min = "1")
        int leaseDurationSeconds() default 40;
    }

    @Reference
    private KubernetesClient kube;

    private ScheduledExecutorService scheduler;
    /** Edge Nodes as the API server has them, kept current by a watch, so the monitor does not list every period. */
    private io.fabric8.kubernetes.client.informers.SharedIndexInformer<Node> edgeNodes;
    private Duration grace;
    private int leaseDuration;
    /** Last heartbeat per node seen by this replica. */
    private final Map<String, Instant> heartbeats = new ConcurrentHashMap<>();

    @Activate
    void activate(Cfg cfg) {
        grace = Duration.ofSeconds(cfg.gracePeriodSeconds());
        leaseDuration = cfg.leaseDurationSeconds();
        // One scheduler thread for this controller's timers; Kubernetes calls block, so they
        // run here rather than on the hub's I/O threads.
        scheduler = Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "outpost-node-controller"));
        edgeNodes = kube.nodes().withLabel(EDGE_ROLE).runnableInformer(0);
        edgeNodes.start();
        scheduler.scheduleWithFixedDelay(this::monitor, 1, cfg.monitorPeriodSeconds(), TimeUnit.SECONDS);
    }

    @Deactivate
    void deactivate() {
        edgeNodes.close();
        scheduler.shutdownNow();
    }

    /** Sends a reply; a connection that is gone or too slow to take it is worth a log line. */
    private static void reply(MessageContext ctx, Message reply) {
        if (!ctx.reply(reply)) {
            LOG.warn("node {}: reply to {} not sent (connection gone or its send buffer full)", ctx.nodeName(), reply.parentId());
        }
    }

    @Override
    public void handle(MessageContext ctx, Message m) {
        Resource r = Resource.parse(m.resource());
        String node = ctx.nodeName();
        if (!r.name().isEmpty() && !node.equals(r.name())) {
            throw new IllegalArgumentException("node " + node + " can only report about itself, not about node " + r.name());
        }
        boolean register = Operations.INSERT.equals(m.operation())
                && (ResourceTypes.NODE.equals(r.type()) || ResourceTypes.NODE_STATUS.equals(r.type()));
        boolean status = Operations.UPDATE.equals(m.operation()) && ResourceTypes.NODE_STATUS.equals(r.type());
        if (!register && !status) {
            throw new IllegalArgumentException("operation '" + m.operation() + "' on " + r.type() + " is not supported; use insert on "
                    + "<ns>/node/<name> to register and update on <ns>/nodestatus/<name> for status");
        }
        if (!m.content().isObject()) {
            throw new IllegalArgumentException(register ? "a node registration must carry a Node object as content"
                    : "a node status must carry a NodeStatusRequest object {UID, Status, ExtendResources} as content");
        }
        // Runs in order per controller; Kubernetes calls block, so they leave the I/O thread.
        scheduler.execute(() -> {
            try {
                if (register) {
                    Node n = register(node, m.content());
                    reply(ctx, m.response(ResourceTypes.NODE.equals(r.type())
                            ? F.objectNode().<ObjectNode>set("Object", JSON.valueToTree(n)).set("Err", F.nullNode())
                            : TextNode.valueOf("OK")));
                } else {
                    updateStatus(node, m.content().path("Status"));
                    reply(ctx, m.response(TextNode.valueOf("OK")));
                }
            } catch (RuntimeException e) {
                LOG.warn("node {}: {} failed: {}", node, register ? "registration" : "status update", e.getMessage());
                reply(ctx, m.response(TextNode.valueOf(String.valueOf(e.getMessage()))).toBuilder().operation(Operations.ERROR).build());
            }
        });
    }

    /** Creates the Node, or merges the gateway's labels into an existing one (users' labels win). */
    Node register(String name, JsonNode content) {
        Node reported = JSON.convertValue(content, Node.class);
        Node existing = kube.nodes().withName(name).get();
        Map<String, String> labels = new java.util.TreeMap<>();
        if (reported.getMetadata() != null && reported.getMetadata().getLabels() != null) {
            labels.putAll(reported.getMetadata().getLabels());
        }
        labels.put(EDGE_ROLE, "");
        labels.put(AGENT_ROLE, "");
        Node result;
        if (existing == null) {
            Node n = new Node();
            n.setApiVersion("v1");
            n.setKind("Node");
            n.setMetadata(new ObjectMetaBuilder().withName(name).withLabels(labels).build());
            n.setSpec(reported.getSpec());
            result = kube.nodes().resource(n).create();
            LOG.info("registered node {}", name);
        } else {
            ObjectNode patch = F.objectNode();
            ObjectNode lbl = patch.putObject("metadata").putObject("labels");
            labels.forEach((k, v) -> {
                if (existing.getMetadata().getLabels() == null || !existing.getMetadata().getLabels().containsKey(k)) {
                    lbl.put(k, v);
                }
            });
            result = lbl.isEmpty() ? existing : kube.nodes().withName(name).patch(PatchContext.of(PatchType.JSON_MERGE), patch.toString());
        }
        if (reported.getStatus() != null) {
            updateStatus(name, JSON.valueToTree(reported.getStatus()));
        }
        return result;
    }

    void updateStatus(String name, JsonNode status) {
        if (!status.isObject()) {
            throw new IllegalArgumentException("the node status request has no 'Status' object");
        }
        Instant now = Instant.now();
        heartbeats.put(name, now);
        if (kube.nodes().withName(name).get() == null) {
            // Deleted by someone while the gateway ran: bring it back rather than drop the status
            // (KubeEdge drops it, and the node stays gone until edgecore restarts).
            register(name, F.objectNode());
        }
        ObjectNode st = ((ObjectNode) status).deepCopy();
        String ts = time(now);
        JsonNode conds = st.path("conditions");
        if (conds.isArray()) {
            for (JsonNode c : conds) {
                ((ObjectNode) c).put("lastHeartbeatTime", ts);
            }
        }
        // Taints first: once the Node shows Ready, it is schedulable again.
        setTaints(name, false);
        ObjectNode patch = F.objectNode();
        patch.set("status", st);
        kube.nodes().withName(name).subresource("status").patch(PatchContext.of(PatchType.JSON_MERGE), patch.toString());
        renewLease(name, now);
    }

    private void renewLease(String name, Instant now) {
        var leases = kube.leases().inNamespace("kube-node-lease");
        Lease existing = leases.withName(name).get();
        String micro = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'").withZone(java.time.ZoneOffset.UTC).format(now);
        if (existing == null) {
            try {
                leases.resource(new LeaseBuilder().withNewMetadata().withName(name).withNamespace("kube-node-lease").endMetadata()
                        .withNewSpec().withHolderIdentity(name).withLeaseDurationSeconds(leaseDuration).withRenewTime(now.atZone(java.time.ZoneOffset.UTC))
                        .endSpec().build()).create();
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409) {
                    throw e;
                }
            }
            return;
        }
        ObjectNode patch = F.objectNode();
        patch.putObject("spec").put("renewTime", micro).put("holderIdentity", name).put("leaseDurationSeconds", leaseDuration);
        leases.withName(name).patch(PatchContext.of(PatchType.JSON_MERGE), patch.toString());
    }

    @Override
    public void connected(NodeSession session) {
        // Status arrives right after connect; nothing to do until then.
    }

    @Override
    public void disconnected(NodeSession session, String reason) {
        Instant last = heartbeats.getOrDefault(session.nodeName(), Instant.now());
        long delay = Math.max(0, Duration.between(Instant.now(), last.plus(grace)).toMillis());
        LOG.info("node {} disconnected ({}); NotReady in {} s unless it reports again", session.nodeName(), reason, delay / 1000);
        scheduler.schedule(this::monitor, delay + 50, TimeUnit.MILLISECONDS);
    }

    @Override
    public java.util.List<EdgeNodeInfo> nodes() {
        var nodes = edgeNodes.hasSynced() ? edgeNodes.getStore().list() : kube.nodes().withLabel(EDGE_ROLE).list().getItems();
        return nodes.stream().map(n -> info(n, heartbeats.get(n.getMetadata().getName())))
                .sorted(java.util.Comparator.comparing(EdgeNodeInfo::name)).toList();
    }

    /** A Node as the shell shows it; {@code seen} is this replica's last heartbeat of it, or null. */
    static EdgeNodeInfo info(Node n, Instant seen) {
        NodeCondition ready = condition(n, "Ready");
        Instant last = seen;
        if (ready != null && ready.getLastHeartbeatTime() != null) {
            Instant api = Instant.parse(ready.getLastHeartbeatTime());
            last = last == null || api.isAfter(last) ? api : last;
        }
        String ip = "";
        String version = "";
        if (n.getStatus() != null) {
            if (n.getStatus().getAddresses() != null) {
                ip = n.getStatus().getAddresses().stream().filter(a -> "InternalIP".equals(a.getType())).map(a -> a.getAddress())
                        .findFirst().orElse("");
            }
            if (n.getStatus().getNodeInfo() != null) {
                version = n.getStatus().getNodeInfo().getKubeletVersion();
            }
        }
        String created = n.getMetadata().getCreationTimestamp();
        return new EdgeNodeInfo(n.getMetadata().getName(), ready == null ? "Unknown" : ready.getStatus(),
                ready == null ? "" : ready.getReason(), version, ip, last, created == null ? null : Instant.parse(created));
    }

    /** Marks every edge Node whose last heartbeat is older than the grace period NotReady. */
    void monitor() {
        try {
            Instant now = Instant.now();
            // Until the watch has its first list, ask the API server directly.
            var nodes = edgeNodes.hasSynced() ? edgeNodes.getStore().list() : kube.nodes().withLabel(EDGE_ROLE).list().getItems();
            for (Node n : nodes) {
                String name = n.getMetadata().getName();
                NodeCondition ready = condition(n, "Ready");
                if (ready == null || "Unknown".equals(ready.getStatus())) {
                    continue;
                }
                Instant last = heartbeats.get(name);
                if (ready.getLastHeartbeatTime() != null) {
                    Instant api = Instant.parse(ready.getLastHeartbeatTime());
                    last = last == null || api.isAfter(last) ? api : last;
                }
                if (last != null && now.isAfter(last.plus(grace))) {
                    markNotReady(n, last);
                }
            }
        } catch (RuntimeException e) {
            LOG.warn("node monitor: {}", e.getMessage());
        }
    }

    private void markNotReady(Node n, Instant last) {
        String name = n.getMetadata().getName();
        String ts = time(Instant.now());
        ArrayNode conds = F.arrayNode();
        for (NodeCondition c : n.getStatus().getConditions()) {
            ObjectNode o = JSON.valueToTree(c);
            o.put("status", "Unknown");
            o.put("reason", "NodeStatusUnknown");
            o.put("message", "Gateway stopped posting node status (last at " + time(last) + ").");
            o.put("lastTransitionTime", ts);
            conds.add(o);
        }
        ObjectNode patch = F.objectNode();
        patch.putObject("status").set("conditions", conds);
        kube.nodes().withName(name).subresource("status").patch(PatchContext.of(PatchType.JSON_MERGE), patch.toString());
        setTaints(name, true);
        LOG.info("node {} is NotReady: no status for more than {} s", name, grace.toSeconds());
    }

    /** Adds or removes the unreachable taints, keeping every other taint. */
    private void setTaints(String name, boolean unreachable) {
        Node n = kube.nodes().withName(name).get();
        if (n == null) {
            return;
        }
        ArrayNode taints = F.arrayNode();
        boolean had = false;
        if (n.getSpec() != null && n.getSpec().getTaints() != null) {
            for (var t : n.getSpec().getTaints()) {
                if (UNREACHABLE_TAINT.equals(t.getKey()) || NOT_READY_TAINT.equals(t.getKey())) {
                    had = true;
                } else {
                    taints.add(JSON.<JsonNode>valueToTree(t));
                }
            }
        }
        if (!unreachable && !had) {
            return;
        }
        if (unreachable) {
            String ts = time(Instant.now());
            taints.add(F.objectNode().put("key", UNREACHABLE_TAINT).put("effect", "NoSchedule").put("timeAdded", ts));
            taints.add(F.objectNode().put("key", UNREACHABLE_TAINT).put("effect", "NoExecute").put("timeAdded", ts));
        }
        ObjectNode patch = F.objectNode();
        if (taints.isEmpty()) {
            patch.putObject("spec").putNull("taints"); // remove the field, as the node lifecycle controller leaves it
        } else {
            patch.putObject("spec").set("taints", taints);
        }
        kube.nodes().withName(name).patch(PatchContext.of(PatchType.JSON_MERGE), patch.toString());
    }

    private static NodeCondition condition(Node n, String type) {
        if (n.getStatus() == null || n.getStatus().getConditions() == null) {
            return null;
        }
        return n.getStatus().getConditions().stream().filter(c -> type.equals(c.getType())).findFirst().orElse(null);
    }

    private static String time(Instant i) {
        return i.truncatedTo(ChronoUnit.SECONDS).toString();
    }
}
