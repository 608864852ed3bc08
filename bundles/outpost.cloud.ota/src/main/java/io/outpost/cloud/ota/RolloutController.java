package io.outpost.cloud.ota;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.outpost.hub.api.CloudHub;
import io.outpost.hub.api.Groups;
import io.outpost.hub.api.Message;
import io.outpost.hub.api.MessageContext;
import io.outpost.hub.api.MessageHandler;
import io.outpost.hub.api.NodeSession;
import io.outpost.hub.api.NodeSessionListener;
import io.outpost.hub.api.Operations;
import io.outpost.hub.api.Resource;
import io.outpost.ota.api.Artifact;
import io.outpost.ota.api.ArtifactNames;
import io.outpost.ota.api.ArtifactRepository;
import io.outpost.ota.api.ArtifactSignature;
import io.outpost.ota.api.OtaMessages;
import io.outpost.ota.api.Phase;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfigBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.UUID;
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
 * The GatewayRollout controller: watches rollouts, picks the gateways (names and label
 * selector, fixed when the rollout starts), starts them canary first and then in sliding batches
 * ({@link RolloutPlanner}), sends each its command over the cloud–edge link (group {@code ota}),
 * and writes the gateways' progress reports into {@code status} with merge patches of the
 * status subresource (the spec is never written). Emits Kubernetes Events on every gateway's end
 * and on the rollout's phase changes.
 *
 * <p>All state lives on one scheduler thread: informer callbacks, reports and reconnects only
 * queue work there, so no two reconciles of a rollout interleave.
 *
 * <p>Several cloud replicas: one is elected (a {@code coordination.k8s.io} Lease) and only that
 * one plans, writes status and emits Events. A gateway's link is held by one replica, so every
 * replica delivers the commands of the gateways the leader marked as started ({@code sent} in
 * the status) to the gateways connected to it, and relays their reports to the leader through
 * the gateway's Node ({@link #REPORT_ANNOTATION}; the replica holding a gateway's link is the
 * one that writes its Node). ADR 0019.
 */
@Component(service = {NodeSessionListener.class, MessageHandler.class}, immediate = true, configurationPid = RolloutController.PID,
        property = {MessageHandler.GROUP + "=" + Groups.OTA, MessageHandler.RESOURCE_TYPE + "=" + OtaMessages.STATUS})
@Designate(ocd = RolloutController.Cfg.class)
public class RolloutController implements NodeSessionListener, MessageHandler {
    static final String PID = "io.outpost.cloud.ota.controller";
    /** On a Node: the latest OTA report of its gateway, relayed by a replica that is not the leader. */
    static final String REPORT_ANNOTATION = "ota.outpost.io/report";

    @ObjectClassDefinition(name = "Outpost cloud: GatewayRollout controller", description = "Leader election among cloud replicas.")
    public @interface Cfg {
        @AttributeDefinition(description = "Namespace of the Lease that elects the replica driving rollouts.")
        String leaseNamespace() default "outpost-system";

        @AttributeDefinition(description = "Name of that Lease.")
        String leaseName() default "outpost-rollout-controller";

        @AttributeDefinition(description = "This replica's identity in the Lease; empty: host name and a random suffix.")
        String identity() default "";

        @AttributeDefinition(description = "Seconds a leader's Lease lasts without renewal; another replica takes over after it.", min = "2")
        int leaseDurationSeconds() default 15;

        @AttributeDefinition(description = "Seconds the leader keeps trying to renew before it steps down.", min = "1")
        int renewDeadlineSeconds() default 10;

        @AttributeDefinition(description = "Milliseconds between attempts to acquire or renew the Lease.", min = "100")
        int retryPeriodMillis() default 2000;
    }

    /** The election's settings, from {@link Cfg} (a record so tests can make one). */
    record Election(String namespace, String name, String identity, Duration lease, Duration renew, Duration retry) {
    }
    static final ResourceDefinitionContext ROLLOUTS = new ResourceDefinitionContext.Builder().withGroup("outpost.io").withVersion("v1alpha1")
            .withKind("GatewayRollout").withPlural("gatewayrollouts").withNamespaced(true).build();
    private static final Logger LOG = LoggerFactory.getLogger(RolloutController.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    /** How often every rollout is looked at again: resends commands a gateway may have missed. */
    private static final long RESYNC_SECONDS = 15;

    @Reference
    private KubernetesClient kube;

    @Reference
    private CloudHub hub;

    @Reference
    private ArtifactRepository repository;

    /** The controller's one thread; see the class comment. */
    private ScheduledExecutorService exec;
    private volatile SharedIndexInformer<GenericKubernetesResource> informer;
    private volatile SharedIndexInformer<Node> nodes;
    private Election election;
    /** Whether this replica holds the Lease. Changed on {@link #exec} only. */
    private volatile boolean leader;
    private volatile boolean active;
    private volatile CompletableFuture<?> electing;
    /** Commands this replica delivered as a follower: rollout@revision@node, so each goes out once per status change. */
    private final java.util.Set<String> delivered = new java.util.HashSet<>();
    private final Map<String, State> states = new HashMap<>();

    /** One gateway's progress. */
    record Gw(Phase phase, String reason, boolean sent, String versions, String updated, Map<String, Long> millis) {
    }

    /** What the controller knows of one rollout. Touched on {@link #exec} only. */
    static final class State {
        String uid = "";
        String revision = "";
        final Map<String, Gw> gateways = new LinkedHashMap<>();
        String phase = "";
        ObjectNode written;
    }

    @Activate
    void activate(Cfg cfg) {
        String id = cfg.identity().isBlank() ? hostName() + "-" + UUID.randomUUID().toString().substring(0, 8) : cfg.identity();
        start(new Election(cfg.leaseNamespace(), cfg.leaseName(), id, Duration.ofSeconds(cfg.leaseDurationSeconds()),
                Duration.ofSeconds(cfg.renewDeadlineSeconds()), Duration.ofMillis(cfg.retryPeriodMillis())));
    }

    /** Starts the controller with these collaborators (tests: two replicas in one JVM). */
    void start(KubernetesClient kube, CloudHub hub, ArtifactRepository repository, Election election) {
        this.kube = kube;
        this.hub = hub;
        this.repository = repository;
        start(election);
    }

    private void start(Election e) {
        election = e;
        active = true;
        exec = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "outpost-rollouts");
            t.setDaemon(true);
            return t;
        });
        exec.execute(() -> start(1));
        exec.scheduleWithFixedDelay(this::resyncAll, RESYNC_SECONDS, RESYNC_SECONDS, TimeUnit.SECONDS);
    }

    /** @return whether this replica drives the rollouts now */
    boolean leading() {
        return leader;
    }

    /** Joins the election; when it ends (leadership lost, or the API server unreachable), joins again. */
    private void elect() {
        if (!active) {
            return;
        }
        try {
            if (kube.namespaces().withName(election.namespace()).get() == null) {
                kube.namespaces().resource(new io.fabric8.kubernetes.api.model.NamespaceBuilder().withNewMetadata().withName(election.namespace())
                        .endMetadata().build()).create();
            }
        } catch (RuntimeException e) {
            LOG.debug("namespace {} not checked: {}", election.namespace(), e.getMessage()); // the Lease's creation says what is wrong
        }
        try {
            electing = kube.leaderElector().withConfig(new LeaderElectionConfigBuilder().withName(election.name())
                    .withLock(new LeaseLock(election.namespace(), election.name(), election.identity()))
                    .withLeaseDuration(election.lease()).withRenewDeadline(election.renew()).withRetryPeriod(election.retry())
                    .withReleaseOnCancel(true)
                    .withLeaderCallbacks(new LeaderCallbacks(() -> exec.execute(this::startLeading), () -> exec.execute(this::stopLeading), id -> {
                    })).build()).build().start();
            electing.whenComplete((v, err) -> {
                if (active) {
                    exec.execute(this::stopLeading);
                    exec.schedule(this::elect, election.retry().toMillis(), TimeUnit.MILLISECONDS);
                }
            });
        } catch (RuntimeException e) {
            LOG.info("rollout controller: leader election not started ({}); trying again", e.getMessage());
            exec.schedule(this::elect, election.retry().toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private void startLeading() {
        if (leader || !active) {
            return;
        }
        LOG.info("rollout controller: this replica ({}) leads", election.identity());
        leader = true;
        // Start from what the status says: the previous leader's progress is kept there.
        states.clear();
        if (informer != null) {
            informer.getStore().list().forEach(o -> queue(key(o)));
        }
        if (nodes != null) {
            nodes.getStore().list().forEach(this::relayed);
        }
    }

    private void stopLeading() {
        if (leader) {
            LOG.info("rollout controller: this replica ({}) no longer leads", election.identity());
        }
        leader = false;
        states.clear();
        delivered.clear();
    }

    private static String hostName() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            return "cloud";
        }
    }

    /** Waits for the CRD (installed asynchronously by {@link RolloutCrdInstaller}), then watches. */
    private void start(int attempt) {
        try {
            if (kube.apiextensions().v1().customResourceDefinitions().withName("gatewayrollouts.outpost.io").get() == null) {
                throw new IllegalStateException("the GatewayRollout CRD is not installed yet");
            }
            watchRollouts();
            nodes = watchNodes();
            LOG.info("watching GatewayRollouts");
            elect();
        } catch (RuntimeException e) {
            LOG.info("rollout controller waiting (attempt {}): {}", attempt, e.getMessage());
            exec.schedule(() -> start(attempt + 1), 5, TimeUnit.SECONDS);
        }
    }

    /**
     * An informer whose watch fails in a way fabric8 does not retry stops for good; the
     * controller would then see no new rollout. Watch again after a pause, for as long as active.
     */
    private void rewatchWhenStopped(SharedIndexInformer<?> inf, String what, Runnable again) {
        inf.stopped().whenComplete((v, err) -> {
            if (active) {
                LOG.warn("the {} watch stopped ({}); watching again", what, err == null ? "closed" : err.getMessage());
                exec.schedule(() -> {
                    try {
                        again.run();
                    } catch (RuntimeException e) {
                        LOG.warn("watching {} again failed: {}; trying again", what, e.getMessage());
                        rewatchWhenStopped(inf, what, again);
                    }
                }, 2, TimeUnit.SECONDS);
            }
        });
    }

    private void watchRollouts() {
        informer = kube.genericKubernetesResources(ROLLOUTS).inAnyNamespace().inform(new ResourceEventHandler<>() {
                @Override
                public void onAdd(GenericKubernetesResource obj) {
                    queue(key(obj));
                }

                @Override
                public void onUpdate(GenericKubernetesResource oldObj, GenericKubernetesResource newObj) {
                    // The leader's own status writes change nothing to decide on; a follower
                    // delivers what the leader's status marks as started.
                    String field = leader ? "spec" : "status";
                    if (!Objects.equals(oldObj.getAdditionalProperties().get(field), newObj.getAdditionalProperties().get(field))
                            || !Objects.equals(oldObj.getAdditionalProperties().get("spec"), newObj.getAdditionalProperties().get("spec"))) {
                        queue(key(newObj));
                    }
                }

                @Override
                public void onDelete(GenericKubernetesResource obj, boolean unknown) {
                    exec.execute(() -> states.remove(key(obj)));
                }
            }, 0);
        rewatchWhenStopped(informer, "GatewayRollout", this::watchRollouts);
    }

    private SharedIndexInformer<Node> watchNodes() {
        SharedIndexInformer<Node> n = kube.nodes().inform(new ResourceEventHandler<>() {
                @Override
                public void onAdd(Node n) {
                    exec.execute(() -> relayed(n));
                }

                @Override
                public void onUpdate(Node oldNode, Node n) {
                    if (!Objects.equals(annotation(oldNode), annotation(n))) {
                        exec.execute(() -> relayed(n));
                    }
                }

                @Override
                public void onDelete(Node n, boolean unknown) {
                }
            }, 0);
        rewatchWhenStopped(n, "Node", () -> nodes = watchNodes());
        return n;
    }

    @Deactivate
    void deactivate() {
        active = false;
        CompletableFuture<?> e = electing;
        if (e != null) {
            e.cancel(true); // releases the Lease: another replica takes over at once
        }
        exec.shutdownNow();
        if (informer != null) {
            informer.close();
        }
        if (nodes != null) {
            nodes.close();
        }
    }

    private static String key(GenericKubernetesResource o) {
        return o.getMetadata().getNamespace() + "/" + o.getMetadata().getName();
    }

    private void queue(String key) {
        exec.execute(() -> {
            try {
                if (leader) {
                    reconcile(key);
                } else {
                    deliver(key, false);
                }
            } catch (RuntimeException e) {
                LOG.warn("rollout {}: {}", key, e.toString());
            }
        });
    }

    private void resyncAll() {
        if (!leader) {
            if (informer != null) {
                informer.getStore().list().forEach(o -> deliver(key(o), true));
            }
            return;
        }
        if (informer != null) {
            informer.getStore().list().forEach(o -> {
                State s = states.get(key(o));
                // Gateways that were sent their command but never answered get it again (the agent
                // answers a command it already ran with its result).
                if (s != null) {
                    s.gateways.forEach((node, g) -> {
                        if (g.sent() && g.phase() == Phase.Pending) {
                            sendCommand(node, o, s);
                        }
                    });
                }
                queue(key(o));
            });
        }
    }

    /**
     * A follower's part: sends the command to the gateways connected to this replica that the
     * leader's status marks as started and not finished — once per status change, and again on
     * every resync while they are Pending (the agent answers a command it ran with its result).
     */
    private void deliver(String key, boolean pendingAgain) {
        GenericKubernetesResource o = informer == null ? null : informer.getStore().getByKey(key);
        if (o == null) {
            return;
        }
        JsonNode spec = JSON.valueToTree(o.getAdditionalProperties().getOrDefault("spec", F.objectNode()));
        JsonNode status = JSON.valueToTree(o.getAdditionalProperties().getOrDefault("status", F.objectNode()));
        String revision;
        try {
            revision = command(o, spec).path("revision").asText();
        } catch (IllegalArgumentException e) {
            return;
        }
        if (!revision.equals(status.path("revision").asText())) {
            return; // the leader has not taken this spec up yet
        }
        for (JsonNode g : status.path("gateways")) {
            String node = g.path("name").asText();
            Phase p;
            try {
                p = Phase.valueOf(g.path("phase").asText("Pending"));
            } catch (IllegalArgumentException e) {
                continue;
            }
            if (!g.path("sent").asBoolean(false) || p.terminal() || hub.session(node).isEmpty()) {
                continue;
            }
            String id = key + "@" + revision + "@" + node;
            if (delivered.add(id) || (pendingAgain && p == Phase.Pending)) {
                sendCommand(node, o, null);
            }
        }
    }

    /** The leader takes a report a follower relayed on the gateway's Node. */
    private void relayed(Node n) {
        String a = annotation(n);
        if (!leader || a == null) {
            return;
        }
        try {
            JsonNode r = JSON.readTree(a);
            ingest(n.getMetadata().getName(), r.path("rollout").asText(""), r);
        } catch (java.io.IOException | RuntimeException e) {
            LOG.debug("OTA report on Node {} not read: {}", n.getMetadata().getName(), e.toString());
        }
    }

    private static String annotation(Node n) {
        return n == null || n.getMetadata().getAnnotations() == null ? null : n.getMetadata().getAnnotations().get(REPORT_ANNOTATION);
    }

    private void reconcile(String key) {
        GenericKubernetesResource o = informer == null ? null : informer.getStore().getByKey(key);
        if (o == null) {
            states.remove(key);
            return;
        }
        JsonNode spec = JSON.valueToTree(o.getAdditionalProperties().getOrDefault("spec", F.objectNode()));
        ObjectNode command;
        try {
            command = command(o, spec);
        } catch (IllegalArgumentException e) {
            State s = states.computeIfAbsent(key, k -> new State());
            writeStatus(o, s, "Invalid", "InvalidSpec", e.getMessage(), RolloutPlanner.count(List.of()));
            return;
        }
        String revision = command.path("revision").asText();
        State s = states.get(key);
        if (s == null || !s.uid.equals(o.getMetadata().getUid())) {
            s = seed(o, revision);
            states.put(key, s);
        }
        if (!s.revision.equals(revision)) {
            if (!s.revision.isEmpty()) {
                event(o, "Normal", "ArtifactsChanged", "the artifacts changed; the rollout starts over on every gateway");
            }
            s.revision = revision;
            s.gateways.clear();
            for (String node : targets(spec)) {
                s.gateways.put(node, new Gw(Phase.Pending, "waiting for its turn", false, "", now(), Map.of()));
            }
        }
        JsonNode st = spec.path("strategy");
        RolloutPlanner.Strategy strategy = new RolloutPlanner.Strategy(st.path("canary").asInt(1), st.path("batchSize").asInt(1),
                st.path("failureThreshold").asInt(0), st.path("paused").asBoolean(false));
        List<RolloutPlanner.Gateway> order = new ArrayList<>();
        s.gateways.forEach((n, g) -> order.add(new RolloutPlanner.Gateway(n, g.phase(), g.sent())));
        RolloutPlanner.Plan plan = RolloutPlanner.plan(order, strategy);
        for (String node : plan.start()) {
            boolean sent = sendCommand(node, o, s);
            s.gateways.put(node, new Gw(Phase.Pending, sent ? "sent to the gateway" : "waiting for the gateway to connect", true, "", now(), Map.of()));
        }
        if (!plan.start().isEmpty()) {
            event(o, "Normal", "GatewaysStarted", "updating " + String.join(", ", plan.start()));
        }
        // Count again: the plan's counts were taken before the gateways it started.
        order.clear();
        s.gateways.forEach((n, g) -> order.add(new RolloutPlanner.Gateway(n, g.phase(), g.sent())));
        String message = s.gateways.isEmpty() ? "no gateway matches spec.gateways" : plan.message();
        if (!plan.phase().equals(s.phase)) {
            boolean bad = plan.phase().equals(RolloutPlanner.HALTED);
            if (!s.phase.isEmpty() || bad) {
                event(o, bad ? "Warning" : "Normal", plan.reason(), message);
            }
            s.phase = plan.phase();
        }
        writeStatus(o, s, plan.phase(), plan.reason(), message, RolloutPlanner.count(order));
    }

    /** A rollout seen first (or again after a cloud restart): continue from its status when it is of the same revision. */
    private State seed(GenericKubernetesResource o, String revision) {
        State s = new State();
        s.uid = o.getMetadata().getUid();
        JsonNode status = JSON.valueToTree(o.getAdditionalProperties().getOrDefault("status", F.objectNode()));
        if (revision.equals(status.path("revision").asText())) {
            s.revision = revision;
            s.phase = status.path("phase").asText("");
            for (JsonNode g : status.path("gateways")) {
                Phase p;
                try {
                    p = Phase.valueOf(g.path("phase").asText("Pending"));
                } catch (IllegalArgumentException e) {
                    p = Phase.Pending;
                }
                s.gateways.put(g.path("name").asText(), new Gw(p, g.path("reason").asText(""), g.path("sent").asBoolean(false),
                        g.path("versions").asText(""), g.path("lastUpdate").asText(now()), Map.of()));
            }
        }
        return s;
    }

    /** The gateways named, and the Nodes matching the selector, in name order. */
    private List<String> targets(JsonNode spec) {
        TreeSet<String> names = new TreeSet<>();
        spec.path("gateways").path("names").forEach(n -> names.add(n.asText()));
        JsonNode labels = spec.path("gateways").path("selector").path("matchLabels");
        if (labels.isObject() && labels.size() > 0) {
            Map<String, String> l = new HashMap<>();
            labels.fields().forEachRemaining(e -> l.put(e.getKey(), e.getValue().asText()));
            for (Node n : kube.nodes().withLabels(l).list().getItems()) {
                names.add(n.getMetadata().getName());
            }
        }
        return List.copyOf(names);
    }

    /**
     * The command gateways get: the artifacts with digest, size, signature and URL (from the
     * spec, else from the repository), the rollout's uid and a revision that changes only
     * when what is installed changes (not on pause/resume).
     */
    private ObjectNode command(GenericKubernetesResource o, JsonNode spec) {
        ArrayNode arts = F.arrayNode();
        JsonNode list = spec.path("artifacts");
        if (!list.isArray() || list.isEmpty()) {
            throw new IllegalArgumentException("spec.artifacts is empty: name at least one {name, version} published with outpost:artifact publish");
        }
        if (list.size() > 32) {
            throw new IllegalArgumentException("spec.artifacts has " + list.size() + " entries; at most 32");
        }
        for (JsonNode a : list) {
            String name = ArtifactNames.requireName(a.path("name").asText(null));
            String version = ArtifactNames.requireVersion(a.path("version").asText(null));
            Artifact published = repository.find(name, version).orElse(null);
            String sha = a.path("sha256").asText("");
            if (sha.isEmpty()) {
                if (published == null) {
                    throw new IllegalArgumentException("artifact " + name + " " + version + " is not published: run outpost:artifact publish <file> "
                            + name + " " + version + " on the cloud, or give url, sha256, size and signature");
                }
                sha = published.sha256();
            }
            ArtifactNames.requireSha256(sha);
            long size = a.has("size") ? a.path("size").asLong() : published != null ? published.size() : -1;
            if (size <= 0) {
                throw new IllegalArgumentException("artifact " + name + " " + version + ": give its size in bytes (spec.artifacts[].size)");
            }
            String url = a.path("url").asText("");
            if (url.isEmpty()) {
                url = Artifact.pathOf(name, version);
            } else if (!url.startsWith("https://") && !url.startsWith("/artifacts/")) {
                throw new IllegalArgumentException("artifact " + name + " " + version + ": url must be https://… or a repository path /artifacts/…");
            }
            String sig = a.has("signature") ? a.path("signature").asText("") : published != null ? published.signature() : "";
            arts.addObject().put("name", name).put("version", version).put("sha256", sha).put("size", size).put("signature", sig).put("url", url);
        }
        boolean downgrade = spec.path("strategy").path("allowDowngrade").asBoolean(false);
        String revision = ArtifactSignature.sha256((arts.toString() + downgrade).getBytes(StandardCharsets.UTF_8)).substring(0, 12);
        ObjectNode c = F.objectNode().put("uid", o.getMetadata().getUid()).put("revision", revision).put("allowDowngrade", downgrade);
        c.set("artifacts", arts);
        return c;
    }

    private boolean sendCommand(String node, GenericKubernetesResource o, State s) {
        ObjectNode c;
        try {
            c = command(o, JSON.valueToTree(o.getAdditionalProperties().getOrDefault("spec", F.objectNode())));
        } catch (IllegalArgumentException e) {
            return false;
        }
        Message m = Message.builder().source(OtaMessages.CONTROLLER).group(Groups.OTA).operation(Operations.UPDATE)
                .resource(o.getMetadata().getNamespace() + "/" + OtaMessages.ROLLOUT + "/" + o.getMetadata().getName()).content(c).build();
        return hub.send(node, m);
    }

    private void writeStatus(GenericKubernetesResource o, State s, String phase, String reason, String message, RolloutPlanner.Counts counts) {
        ObjectNode status = F.objectNode();
        status.put("observedGeneration", o.getMetadata().getGeneration() == null ? 0 : o.getMetadata().getGeneration());
        status.put("revision", s.revision).put("phase", phase).put("reason", reason).put("message", printable(message)).put("summary", printable(summary(s.gateways)));
        status.putObject("counts").put("total", counts.total()).put("pending", counts.pending()).put("inProgress", counts.inProgress())
                .put("succeeded", counts.succeeded()).put("failed", counts.failed()).put("rolledBack", counts.rolledBack());
        ArrayNode gws = status.putArray("gateways");
        s.gateways.forEach((n, g) -> {
            ObjectNode x = gws.addObject().put("name", n).put("phase", g.phase().name()).put("reason", g.reason()).put("sent", g.sent())
                    .put("versions", g.versions()).put("lastUpdate", g.updated());
            if (!g.millis().isEmpty()) {
                x.set("millis", JSON.valueToTree(g.millis()));
            }
        });
        ArrayNode conds = status.putArray("conditions");
        boolean done = phase.equals(RolloutPlanner.SUCCEEDED) || phase.equals(RolloutPlanner.COMPLETED);
        conds.add(condition(s, "Progressing", phase.equals(RolloutPlanner.PROGRESSING), reason, message));
        conds.add(condition(s, "Halted", phase.equals(RolloutPlanner.HALTED) || phase.equals("Invalid"), reason, message));
        conds.add(condition(s, "Complete", done, reason, message));
        if (status.equals(s.written)) {
            return;
        }
        ObjectNode patch = F.objectNode();
        patch.set("status", status);
        try {
            kube.genericKubernetesResources(ROLLOUTS).inNamespace(o.getMetadata().getNamespace()).withName(o.getMetadata().getName())
                    .subresource("status").patch(PatchContext.of(PatchType.JSON_MERGE), patch.toString());
            s.written = status;
        } catch (RuntimeException e) {
            LOG.warn("status of GatewayRollout {} not written: {}", key(o), e.getMessage());
        }
    }

    /**
     * One line for {@code kubectl get gwro -w}: the gateways in progress with their phase, then
     * the failed ones with the start of their reason, e.g. {@code gw-2 Downloading, gw-3 Installing;
     * gw-1 RolledBack (health check 'db' is CRITICAL…)}. At most 3 of each, then "+N".
     */
    static String summary(Map<String, Gw> gateways) {
        List<String> running = new ArrayList<>();
        List<String> bad = new ArrayList<>();
        int succeeded = 0;
        for (var e : gateways.entrySet()) {
            Phase p = e.getValue().phase();
            if (p == Phase.Succeeded) {
                succeeded++;
            } else if (p == Phase.Failed || p == Phase.RolledBack) {
                String r = e.getValue().reason();
                bad.add(e.getKey() + " " + p + (r.isEmpty() ? "" : " (" + (r.length() > 60 ? r.substring(0, 60) + "..." : r) + ")"));
            } else if (p != Phase.Pending || e.getValue().sent()) {
                running.add(e.getKey() + " " + p);
            }
        }
        StringBuilder b = new StringBuilder().append(succeeded).append('/').append(gateways.size()).append(" done");
        if (!running.isEmpty()) {
            b.append("; ").append(first(running, 3));
        }
        if (!bad.isEmpty()) {
            b.append("; ").append(first(bad, 3));
        }
        return b.toString();
    }

    private static String first(List<String> l, int n) {
        return String.join(", ", l.subList(0, Math.min(n, l.size()))) + (l.size() > n ? " +" + (l.size() - n) : "");
    }

    /** A condition; its transition time stays while its status does. */
    private static ObjectNode condition(State s, String type, boolean on, String reason, String message) {
        String st = on ? "True" : "False";
        String since = now();
        if (s.written != null) {
            for (JsonNode c : s.written.path("conditions")) {
                if (type.equals(c.path("type").asText()) && st.equals(c.path("status").asText())) {
                    since = c.path("lastTransitionTime").asText(since);
                }
            }
        }
        return F.objectNode().put("type", type).put("status", st).put("reason", reason).put("message", message).put("lastTransitionTime", since);
    }

    private static String now() {
        return Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    }

    private void event(GenericKubernetesResource o, String type, String reason, String message) {
        try {
            String ns = o.getMetadata().getNamespace();
            kube.v1().events().inNamespace(ns).resource(new EventBuilder()
                    .withNewMetadata().withName(o.getMetadata().getName() + "." + UUID.randomUUID().toString().substring(0, 8)).withNamespace(ns).endMetadata()
                    .withNewInvolvedObject().withApiVersion("outpost.io/v1alpha1").withKind("GatewayRollout").withName(o.getMetadata().getName())
                    .withNamespace(ns).withUid(o.getMetadata().getUid()).endInvolvedObject()
                    .withType(type).withReason(reason).withMessage(printable(message.length() > 1000 ? message.substring(0, 1000) : message))
                    .withFirstTimestamp(now()).withLastTimestamp(now()).withCount(1)
                    .withNewSource().withComponent("outpost-rollout-controller").endSource().build()).create();
        } catch (RuntimeException e) {
            LOG.debug("event {} not written: {}", reason, e.getMessage());
        }
    }

    @Override
    public void connected(NodeSession session) {
        String node = session.nodeName();
        // A gateway that (re)connects mid-update gets its command again; its agent resumes or
        // answers with the result it reached.
        exec.execute(() -> {
            if (!leader) {
                delivered.removeIf(id -> id.endsWith("@" + node));
                if (informer != null) {
                    informer.getStore().list().forEach(o -> deliver(key(o), false));
                }
                return;
            }
            states.forEach((key, s) -> {
                Gw g = s.gateways.get(node);
                GenericKubernetesResource o = informer == null ? null : informer.getStore().getByKey(key);
                if (g != null && g.sent() && !g.phase().terminal() && o != null) {
                    sendCommand(node, o, s);
                }
            });
        });
    }

    @Override
    public void disconnected(NodeSession session, String reason) {
    }

    /** A gateway's progress: {@code update <ns>/gatewayrolloutstatus/<name>} from the gateway's agent. */
    @Override
    public void handle(MessageContext ctx, Message m) {
        Resource r = Resource.parse(m.resource());
        JsonNode c = m.content();
        if (!OtaMessages.STATUS.equals(r.type()) || r.namespace().isEmpty() || r.name().isEmpty()) {
            throw new IllegalArgumentException("unsupported OTA resource '" + m.resource() + "': expected <namespace>/" + OtaMessages.STATUS + "/<rollout>");
        }
        try {
            Phase.valueOf(c.path("phase").asText(""));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown phase '" + c.path("phase").asText("") + "' in an OTA report");
        }
        String node = ctx.nodeName();
        String key = r.namespace() + "/" + r.name();
        // Only what the controller reads, bounded, goes on: a report is never stored as sent.
        ObjectNode report = F.objectNode().put("rollout", key).put("uid", truncate(c.path("uid").asText(""), 64))
                .put("revision", truncate(c.path("revision").asText(""), 64)).put("phase", c.path("phase").asText())
                .put("reason", printable(truncate(c.path("reason").asText(""), 512))).put("versions", truncate(c.path("versions").asText(""), 256));
        ObjectNode millis = report.putObject("millis");
        c.path("millis").fields().forEachRemaining(e -> {
            if (millis.size() < 8 && e.getKey().matches("[a-zA-Z]{1,20}")) {
                millis.put(e.getKey(), e.getValue().asLong());
            }
        });
        exec.execute(() -> {
            if (leader) {
                ingest(node, key, report);
            } else {
                relay(node, report);
            }
        });
    }

    /** A follower hands a report of a gateway it holds to the leader, on the gateway's Node. */
    private void relay(String node, ObjectNode report) {
        try {
            ObjectNode patch = F.objectNode();
            patch.putObject("metadata").putObject("annotations").put(REPORT_ANNOTATION, report.toString());
            kube.nodes().withName(node).patch(PatchContext.of(PatchType.JSON_MERGE), patch.toString());
        } catch (RuntimeException e) {
            LOG.warn("OTA report of {} not relayed to the leading replica: {}", node, e.getMessage());
        }
    }

    /** The leader takes a report (its own gateway's, or one relayed): on {@link #exec}. */
    private void ingest(String node, String key, JsonNode report) {
        Phase phase;
        try {
            phase = Phase.valueOf(report.path("phase").asText(""));
        } catch (IllegalArgumentException e) {
            return;
        }
        String reason = report.path("reason").asText("");
        Map<String, Long> millis = new LinkedHashMap<>();
        report.path("millis").fields().forEachRemaining(e -> {
            if (millis.size() < 8) {
                millis.put(e.getKey(), e.getValue().asLong());
            }
        });
        State s = states.get(key);
        if (s == null && informer != null && informer.getStore().getByKey(key) != null) {
            reconcile(key); // a new leader that has not looked at this rollout yet
            s = states.get(key);
        }
        Gw old = s == null ? null : s.gateways.get(node);
        // Only the gateway itself, for the rollout's current revision (stale reports of an
        // earlier revision, or from a node that is no target, are dropped).
        if (old == null || !s.uid.equals(report.path("uid").asText("")) || !s.revision.equals(report.path("revision").asText(""))) {
            LOG.debug("OTA report from {} for {} ignored (not a target, or another revision)", node, key);
            return;
        }
        if (old.phase() == phase && old.reason().equals(reason) && old.sent()) {
            return; // the same report again (resent, or relayed and seen directly)
        }
        if (old.phase().terminal() && !phase.terminal()) {
            return; // within a revision an end is final: this is an older report (a stale relay after a change of leader)
        }
        s.gateways.put(node, new Gw(phase, reason, true, report.path("versions").asText(""), now(), millis));
        if (phase.terminal() && old.phase() != phase) {
            GenericKubernetesResource o = informer.getStore().getByKey(key);
            if (o != null) {
                event(o, phase == Phase.Succeeded ? "Normal" : "Warning", "Gateway" + phase.name(), node + ": " + (reason.isEmpty() ? phase.name() : reason));
            }
        }
        reconcile(key);
    }

    /**
     * Status and Events carry no control characters: reasons come from gateways and end up in
     * one-line columns ({@code kubectl get gwro}) and terminals. Text outside ASCII is kept (the
     * development API server escapes it in watch streams, see its Codec.writeAscii).
     */
    static String printable(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            b.append(Character.isISOControl(c) ? '?' : c);
        }
        return b.toString();
    }

    private static String truncate(String s, int max) {
        return s.length() > max ? s.substring(0, max) : s;
    }
}
