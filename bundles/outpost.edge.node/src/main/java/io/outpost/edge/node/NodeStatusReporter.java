package io.outpost.edge.node;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.outpost.hub.api.EdgeHub;
import io.outpost.hub.api.Groups;
import io.outpost.hub.api.LinkListener;
import io.outpost.hub.api.Message;
import io.outpost.hub.api.Modules;
import io.outpost.hub.api.Operations;
import io.outpost.hub.api.ResourceTypes;
import io.outpost.meta.api.MetaStore;
import io.outpost.node.api.NodeResources;
import io.outpost.runtime.api.ContainerRuntime;
import io.outpost.runtime.api.RuntimeHealth;
import java.nio.file.Path;
import java.util.List;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes the gateway a Node: registers it when the link comes up (KubeEdge's
 * {@code insert <ns>/node/<name>}) and reports its status every period
 * ({@code update <ns>/nodestatus/<name>} with a NodeStatusRequest), so the cloud keeps the Node
 * Ready and its Lease renewed.
 */
@Component(configurationPid = NodeStatusReporter.PID, service = {LinkListener.class, NodeResources.class}, immediate = true)
@Designate(ocd = NodeStatusReporter.Cfg.class)
public class NodeStatusReporter implements LinkListener, NodeResources {
    static final String PID = "io.outpost.edge.node";
    private static final Logger LOG = LoggerFactory.getLogger(NodeStatusReporter.class);
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    @ObjectClassDefinition(name = "Outpost edge: node status", description = "What this gateway reports about itself as a Kubernetes Node.")
    public @interface Cfg {
        @AttributeDefinition(description = "Seconds between node status reports (KubeEdge and kubelet: 10).", min = "1")
        int statusUpdateSeconds() default 10;

        @AttributeDefinition(description = "InternalIP to report; empty to use the first non-loopback IPv4 address.")
        String nodeIp() default "";

        @AttributeDefinition(description = "Pods capacity.", min = "0")
        int maxPods() default 110;

        @AttributeDefinition(description = "CPU kept back from allocatable, in millicores.", min = "0")
        int reservedCpuMillis() default 0;

        @AttributeDefinition(description = "Memory kept back from allocatable, in MiB (the gateway's own JVM, the OS).", min = "0")
        int reservedMemoryMiB() default 128;

        @AttributeDefinition(description = "Extra node labels as key=value.")
        String[] labels() default {};

        @AttributeDefinition(description = "Namespace used in the node resource paths (KubeEdge's registerNodeNamespace).")
        String registerNamespace() default "default";
    }

    /**
     * The hub, from its link callbacks: a service reference to it would form a cycle, since the
     * hub itself tracks this component as a {@link LinkListener}.
     */
    private volatile EdgeHub hub;

    /**
     * The gateway's container runtime, when it runs pods: its health decides the Ready condition
     * (the kubelet's "container runtime is down"). Optional and dynamic, so the node keeps
     * reporting when the runtime bundle is absent or restarts.
     */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    private volatile ContainerRuntime runtime;

    /**
     * Where the Node is kept for the gateway's local API (kind {@code node}), so local apps see
     * it while the cloud is away. Optional: reporting never depends on it.
     */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    private volatile MetaStore meta;

    /** The Node as last stored, and when; guarded by the scheduler thread (report() runs only there). */
    private ObjectNode storedNode;
    private Instant storedAt = Instant.MIN;

    private volatile String runtimeVersion = "";
    private volatile Boolean lastRuntimeReady;

    private final NodeProbe probe = new NodeProbe();
    private ScheduledExecutorService scheduler;
    private NodeProbe.Settings settings;
    private Cfg cfg;
    private volatile boolean registered;

    @Activate
    void activate(BundleContext bc, Cfg cfg) {
        this.cfg = cfg;
        String version = bc.getBundle().getVersion().toString().replace(".SNAPSHOT", "-SNAPSHOT");
        settings = new NodeProbe.Settings(cfg.nodeIp(), Path.of(System.getProperty("karaf.data", ".")), cfg.maxPods(),
                cfg.reservedCpuMillis(), cfg.reservedMemoryMiB(), "v1.32.0-outpost-" + version, "");
        // One thread for this reporter's timer; probing reads files and must not run on link I/O threads.
        scheduler = Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "outpost-node-status"));
        scheduler.scheduleWithFixedDelay(this::report, cfg.statusUpdateSeconds(), cfg.statusUpdateSeconds(), TimeUnit.SECONDS);
    }

    /** The allocatable the status reports, for the pod manager's admission (one source). */
    @Override
    public NodeResources.Allocatable allocatable() {
        return probe.allocatable(settings);
    }

    @Override
    public String internalIp() {
        return NodeProbe.internalIp(settings);
    }

    @Deactivate
    void deactivate() {
        scheduler.shutdownNow();
    }

    @Override
    public void linkUp(EdgeHub h) {
        hub = h;
        registered = false;
        scheduler.execute(this::report);
    }

    @Override
    public void linkDown(EdgeHub h, String reason) {
        registered = false;
    }

    private String path(EdgeHub hub, String type) {
        return cfg.registerNamespace() + "/" + type + "/" + hub.nodeName();
    }

    /** Reads the runtime's health into the status; never throws (a broken runtime is a condition, not an error). */
    void runtimeHealth(ObjectNode status) {
        ContainerRuntime rt = runtime;
        if (rt == null) {
            return;
        }
        RuntimeHealth h;
        try {
            h = rt.health();
        } catch (RuntimeException e) {
            h = new RuntimeHealth(false, false, List.of(new RuntimeHealth.Condition("RuntimeReady", false, "Unreachable", String.valueOf(e.getMessage()))));
        }
        if (h.ready() && runtimeVersion.isEmpty()) {
            try {
                ContainerRuntime.RuntimeVersion v = rt.version();
                runtimeVersion = v.runtimeName() + "://" + v.runtimeVersion();
            } catch (RuntimeException e) {
                // asked again at the next report
            }
        }
        if (!runtimeVersion.isEmpty()) {
            ((ObjectNode) status.path("nodeInfo")).put("containerRuntimeVersion", runtimeVersion);
        }
        Boolean before = lastRuntimeReady;
        if (before == null || before != h.ready()) {
            if (h.ready()) {
                LOG.info("container runtime is ready{}", before == null ? "" : " again");
            } else {
                LOG.warn("container runtime is not ready, node reports Ready=False: {}", h.problems());
            }
            lastRuntimeReady = h.ready();
        }
        NodeProbe.runtime(status, h);
    }

    /**
     * Keeps the Node with this status in the meta store: when anything but the heartbeat times
     * changed, else once a minute (a gateway's flash should not see a write every 10 s).
     */
    void remember(ObjectNode node, ObjectNode status) {
        MetaStore m = meta;
        if (m == null) {
            return;
        }
        ObjectNode next = node.deepCopy();
        next.set("status", status.deepCopy());
        Instant now = Instant.now();
        if (storedNode != null && withoutHeartbeats(storedNode).equals(withoutHeartbeats(next))
                && now.isBefore(storedAt.plus(Duration.ofMinutes(1)))) {
            return;
        }
        try {
            m.put(ResourceTypes.NODE, next.path("metadata").path("name").asText(), next, "");
            storedNode = next;
            storedAt = now;
        } catch (RuntimeException e) {
            LOG.warn("node not kept for the local API: {}", e.getMessage());
        }
    }

    private static JsonNode withoutHeartbeats(ObjectNode node) {
        ObjectNode copy = node.deepCopy();
        for (JsonNode c : copy.path("status").path("conditions")) {
            ((ObjectNode) c).remove("lastHeartbeatTime");
        }
        return copy;
    }

    /** Registers when needed, then sends the status; a failure is retried at the next period. */
    void report() {
        EdgeHub hub = this.hub;
        if (hub == null || hub.status().state() != io.outpost.hub.api.LinkStatus.State.CONNECTED) {
            return;
        }
        try {
            ObjectNode status = probe.status(settings, Instant.now());
            runtimeHealth(status);
            if (!registered) {
                ObjectNode node = F.objectNode().put("apiVersion", "v1").put("kind", "Node");
                ObjectNode meta = node.putObject("metadata").put("name", hub.nodeName());
                ObjectNode labels = meta.putObject("labels");
                labels.put("kubernetes.io/hostname", hub.nodeName());
                labels.put("kubernetes.io/os", status.path("nodeInfo").path("operatingSystem").asText());
                labels.put("kubernetes.io/arch", status.path("nodeInfo").path("architecture").asText());
                labels.put("node-role.kubernetes.io/edge", "");
                labels.put("node-role.kubernetes.io/agent", "");
                for (String kv : cfg.labels()) {
                    int eq = kv.indexOf('=');
                    if (eq > 0) {
                        labels.put(kv.substring(0, eq).trim(), kv.substring(eq + 1).trim());
                    }
                }
                node.set("status", status);
                Message reply = hub.request(Message.builder().source(Modules.EDGED).group(Groups.RESOURCE).operation(Operations.INSERT)
                        .resource(path(hub, ResourceTypes.NODE)).content(node).build(), Duration.ofSeconds(15)).toCompletableFuture()
                        .get(20, TimeUnit.SECONDS);
                if (Operations.ERROR.equals(reply.operation())) {
                    LOG.warn("the cloud refused the node registration: {}", reply.content().asText());
                    return;
                }
                registered = true;
                LOG.info("registered as node {}", hub.nodeName());
                // The cloud's answer carries the Node as stored there (uid, creationTimestamp, labels).
                JsonNode stored = reply.content().path("Object");
                storedNode = null;
                remember(stored.path("metadata").path("name").asText("").equals(hub.nodeName()) ? (ObjectNode) stored.deepCopy() : node,
                        status);
                return;
            }
            ObjectNode req = F.objectNode().put("UID", "");
            req.set("Status", status);
            req.putObject("ExtendResources");
            Message reply = hub.request(Message.builder().source(Modules.EDGED).group(Groups.RESOURCE).operation(Operations.UPDATE)
                    .resource(path(hub, ResourceTypes.NODE_STATUS)).content(req).build(), Duration.ofSeconds(15)).toCompletableFuture()
                    .get(20, TimeUnit.SECONDS);
            if (Operations.ERROR.equals(reply.operation())) {
                LOG.warn("the cloud refused the node status: {}", reply.content().asText());
                registered = false;
            } else if (storedNode != null) {
                remember(storedNode, status);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            LOG.warn("node status not delivered: {}", e.getMessage());
        }
    }
}
