package io.outpost.edge.pod;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.outpost.hub.api.Groups;
import io.outpost.hub.api.Message;
import io.outpost.hub.api.Modules;
import io.outpost.hub.api.Operations;
import io.outpost.hub.api.Resource;
import io.outpost.hub.api.ResourceTypes;
import io.outpost.meta.api.MetaStore;
import io.outpost.meta.api.StoredObject;
import io.outpost.runtime.api.ContainerConfig;
import io.outpost.runtime.api.ContainerRuntime;
import io.outpost.runtime.api.ContainerRuntimeException;
import io.outpost.runtime.api.ContainerStatus;
import io.outpost.runtime.api.PodSandboxConfig;
import io.outpost.runtime.api.PodSandboxStatus;
import io.outpost.runtime.api.RuntimeHealth;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's pod manager, KubeEdge's edged without the kubelet: keeps the pods the cloud bound
 * to this gateway in the meta store and makes the container runtime match them, level-based.
 *
 * <p>{@link #accept} stores a downstream pod message (the caller acknowledges it afterwards).
 * {@link #reconcile} — a pass, one at a time — reads every stored pod and asks its pod worker
 * ({@link PodWorkers}: pods sync in parallel, one pod never with itself) to sync it: find its sandbox and
 * containers again by the labels it gave them (so a restarted gateway adopts what runs instead of
 * recreating it), creates what is missing, restarts exited containers per restartPolicy with
 * back-off, stops pods being deleted with their grace period, removes sandboxes of pods it no
 * longer has, and sends each pod's status upstream when it changed. No OSGi, tested alone.
 */
final class PodManager {
    static final String KIND = "pod";
    /** KubeEdge's resource type for a list of pods; here the cloud's list of this node's pods. */
    static final String POD_LIST = "podlist";
    static final int MAX_LIST = 10_000;
    /** Set on a stored pod the cloud deleted, so the gateway does not ask the cloud to delete it again. */
    static final String DELETED_IN_CLOUD = "outpost.io/deleted-in-cloud";
    static final Duration FIRST_BACKOFF = Duration.ofSeconds(10);
    static final Duration MAX_BACKOFF = Duration.ofMinutes(5);
    /** A container that ran this long without exiting starts its back-off again from the first step (the kubelet's 2 × max). */
    static final Duration BACKOFF_RESET = MAX_BACKOFF.multipliedBy(2);
    static final Duration PULL_TIMEOUT = Duration.ofMinutes(2);
    /** A status is sent again after this long even when unchanged, so a lost one heals. */
    static final Duration RESEND = Duration.ofSeconds(60);
    /**
     * A status the cloud answered with an error (a cloud that is still starting has no pod handler
     * yet) is sent again this soon, not only after {@link #RESEND}.
     */
    static final Duration RESEND_AFTER_ERROR = Duration.ofSeconds(5);
    static final long DEFAULT_GRACE_SECONDS = 30;

    private static final Logger LOG = LoggerFactory.getLogger(PodManager.class);
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    /**
     * What this gateway offers pods: the node's allocatable resources (admission, {@code
     * resourceFieldRef} without a limit) and its IP ({@code status.hostIP}).
     *
     * @param pods most pods at once
     * @param milliCpu allocatable CPU in millicores
     * @param memoryBytes allocatable memory in bytes
     * @param hostIp the node's InternalIP, or empty
     */
    record Capacity(int pods, long milliCpu, long memoryBytes, String hostIp) {
        static Capacity ofThisMachine() {
            return new Capacity(110, Runtime.getRuntime().availableProcessors() * 1000L, 1L << 40, "");
        }
    }

    /** Where statuses go; returns false when the cloud is not reachable now. */
    interface Upstream {
        boolean send(Message m);
    }

    private record Backoff(Duration delay, Instant next) {
    }

    private record Sent(JsonNode status, Instant at) {
    }

    private record Waiting(String reason, String message) {
    }

    /** What starting a container of a pod needs: its sandbox, and its volumes or why they failed. */
    private record Sandbox(String id, PodSandboxConfig config, String ip, Map<String, java.nio.file.Path> volumes, String volumeError) {
    }

    private final MetaStore store;
    private final ContainerRuntime runtime;
    private final Upstream upstream;
    private final Clock clock;
    private final Capacity capacity;
    private final PodVolumes volumes;
    private final java.util.concurrent.Executor work;
    private final Runnable changed;
    private final Probes probes;
    private final Admission admission;
    /** This gateway's node name(s): from the link and from the stored pods' spec.nodeName. */
    private final Set<String> nodes = ConcurrentHashMap.newKeySet();
    /*
     * Per-pod state below is keyed by the pod's uid (first) and touched by that pod's worker, by its
     * own tasks (pull, stop) and by the pass; concurrent maps, since different pods' workers run at
     * the same time. A pod's worker never runs twice at once, so per-key compound updates need no lock.
     */
    /** Pods whose stop task runs, by uid. */
    private final Set<String> stopping = ConcurrentHashMap.newKeySet();
    /** Pulls that run, and the errors of those that failed (read once by the next sync). */
    private final Set<String> pulling = ConcurrentHashMap.newKeySet();
    private final Map<String, String> pullErrors = new ConcurrentHashMap<>();
    private final Map<String, Backoff> backoffs = new ConcurrentHashMap<>();
    private final Map<String, Sent> sent = new ConcurrentHashMap<>();
    private final Map<String, ObjectNode> lastStatus = new ConcurrentHashMap<>();
    private final Map<String, Instant> transitions = new ConcurrentHashMap<>();
    private final Set<String> terminal = ConcurrentHashMap.newKeySet();
    private final PodWorkers workers;
    /** The pods' Kubernetes Events (Pulling, Started, BackOff, Unhealthy, …), capped and rate-limited. */
    private final PodEvents events;
    /** Serializes passes (the scheduled one and those asked for by messages and tasks). */
    private final Object pass = new Object();
    private volatile String runtimeName;
    private volatile boolean resend;

    PodManager(MetaStore store, ContainerRuntime runtime, Upstream upstream, Clock clock) {
        this(store, runtime, upstream, clock, Capacity.ofThisMachine(),
                java.nio.file.Path.of(System.getProperty("java.io.tmpdir"), "outpost-pods"));
    }

    /**
     * @param volumesRoot where pods' volume folders are made (containerd must see the same paths)
     */
    PodManager(MetaStore store, ContainerRuntime runtime, Upstream upstream, Clock clock, Capacity capacity,
            java.nio.file.Path volumesRoot) {
        this(store, runtime, upstream, clock, capacity, volumesRoot, Runnable::run, () -> { });
    }

    /**
     * @param work runs what blocks for long — pulls, graceful stops, probes — so one slow pod
     *     does not hold the others; {@code Runnable::run} runs them in the pass (tests)
     * @param changed called when such a task finished, to ask for a pass soon
     */
    PodManager(MetaStore store, ContainerRuntime runtime, Upstream upstream, Clock clock, Capacity capacity,
            java.nio.file.Path volumesRoot, java.util.concurrent.Executor work, Runnable changed) {
        this(store, runtime, upstream, clock, capacity, volumesRoot, work, changed, new PodWorkers(Runnable::run, 1));
    }

    /**
     * @param workers runs each pod's sync (sandbox, volumes, containers, status): in parallel
     *     across pods, never twice at once for one pod
     */
    PodManager(MetaStore store, ContainerRuntime runtime, Upstream upstream, Clock clock, Capacity capacity,
            java.nio.file.Path volumesRoot, java.util.concurrent.Executor work, Runnable changed, PodWorkers workers) {
        this.workers = workers;
        this.capacity = capacity;
        this.work = work;
        this.changed = changed;
        this.events = new PodEvents(upstream, clock);
        this.probes = new Probes(runtime, clock, work, changed, events);
        this.admission = new Admission(store, capacity);
        this.volumes = new PodVolumes(volumesRoot);
        this.store = store;
        this.runtime = runtime;
        this.upstream = upstream;
        this.clock = clock;
    }

    /**
     * Stores a downstream pod message: {@code insert|update|delete <ns>/pod/<name>}.
     *
     * @param nodeName this gateway's node name; a pod bound to another node is refused
     * @return whether the store changed (a stale or repeated message does not change it)
     * @throws IllegalArgumentException saying what to fix
     */
    boolean accept(String nodeName, Message m) {
        if (!nodeName.isEmpty()) {
            nodes.add(nodeName); // never the manager's lock here: accept runs on the hub's I/O thread, a pass may hold it for long
        }
        if (Operations.ERROR.equals(m.operation())) {
            refused(Resource.parse(m.resource()));
            return false;
        }
        if (m.isResponse() || Operations.RESPONSE.equals(m.operation())) {
            return false; // answers to what this gateway sent (the cloud's "OK"): nothing to store
        }
        Resource r = Resource.parse(m.resource());
        if (POD_LIST.equals(r.type())) {
            return retainOnly(m);
        }
        if (ResourceTypes.CONFIGMAP.equals(r.type()) || ResourceTypes.SECRET.equals(r.type())) {
            return acceptObject(r, m);
        }
        if (r.namespace().isEmpty() || r.name().isEmpty() || !ResourceTypes.POD.equals(r.type())) {
            throw new IllegalArgumentException("resource '" + m.resource() + "' must be <namespace>/pod/<name>");
        }
        String key = r.namespace() + "/" + r.name();
        Optional<StoredObject> old = store.get(KIND, key);
        switch (m.operation()) {
            case Operations.INSERT, Operations.UPDATE -> {
                JsonNode pod = m.content();
                if (!pod.isObject()) {
                    throw new IllegalArgumentException("a pod " + m.operation() + " must carry the Pod as content");
                }
                PodSpecs.validate(pod);
                if (!key.equals(PodSpecs.key(pod))) {
                    throw new IllegalArgumentException("resource " + m.resource() + " names another pod than its content (" + PodSpecs.key(pod) + ")");
                }
                String bound = pod.path("spec").path("nodeName").asText("");
                if (!nodeName.isEmpty() && !nodeName.equals(bound)) {
                    throw new IllegalArgumentException("pod " + key + " is bound to node '" + bound + "', not to this gateway (" + nodeName + ")");
                }
                if (old.isPresent() && PodSpecs.uid(old.get().value()).equals(PodSpecs.uid(pod))
                        && olderOrSame(m.resourceVersion(), old.get().resourceVersion())) {
                    return false;
                }
                store.put(KIND, key, pod, m.resourceVersion());
                return true;
            }
            case Operations.DELETE -> {
                if (old.isEmpty()) {
                    return false;
                }
                String uid = m.content().path("metadata").path("uid").asText(m.content().path("UID").asText(""));
                JsonNode stored = old.get().value();
                if (!uid.isEmpty() && !uid.equals(PodSpecs.uid(stored))) {
                    return false; // a delete for an earlier pod of the same name
                }
                ObjectNode marked = stored.deepCopy();
                ObjectNode meta = (ObjectNode) marked.get("metadata");
                if (!meta.has("deletionTimestamp")) {
                    meta.put("deletionTimestamp", now().toString());
                }
                (meta.path("annotations").isObject() ? (ObjectNode) meta.get("annotations") : meta.putObject("annotations"))
                        .put(DELETED_IN_CLOUD, "true");
                store.put(KIND, key, marked, old.get().resourceVersion());
                return true;
            }
            default -> throw new IllegalArgumentException("operation '" + m.operation() + "' on pods is not supported; use insert, update or delete");
        }
    }

    /**
     * Stores a ConfigMap or Secret ({@code insert|update|delete <ns>/configmap|secret/<name>}, the
     * object as content) that pods of this gateway use.
     */
    private boolean acceptObject(Resource r, Message m) {
        String kind = r.type();
        if (r.namespace().isEmpty() || r.name().isEmpty()) {
            throw new IllegalArgumentException("resource '" + m.resource() + "' must be <namespace>/" + kind + "/<name>");
        }
        String key = r.namespace() + "/" + r.name();
        switch (m.operation()) {
            case Operations.INSERT, Operations.UPDATE -> {
                JsonNode obj = m.content();
                if (!obj.isObject()) {
                    throw new IllegalArgumentException("a " + kind + " " + m.operation() + " must carry the object as content");
                }
                JsonNode meta = obj.path("metadata");
                if (!key.equals(meta.path("namespace").asText() + "/" + meta.path("name").asText())) {
                    throw new IllegalArgumentException("resource " + m.resource() + " names another object than its content ("
                            + meta.path("namespace").asText() + "/" + meta.path("name").asText() + ")");
                }
                long size = PodSpecs.dataSize(obj, ResourceTypes.SECRET.equals(kind));
                if (size > PodSpecs.MAX_DATA_BYTES) {
                    throw new IllegalArgumentException(kind + " " + key + " holds " + size + " bytes of data; at most "
                            + PodSpecs.MAX_DATA_BYTES + " (1 MiB, as in Kubernetes): split it or mount the data another way");
                }
                Optional<StoredObject> old = store.get(kind, key);
                if (old.isPresent() && old.get().value().path("metadata").path("uid").equals(meta.path("uid"))
                        && olderOrSame(m.resourceVersion(), old.get().resourceVersion())) {
                    return false;
                }
                store.put(kind, key, obj, m.resourceVersion());
                return true;
            }
            case Operations.DELETE -> {
                return store.delete(kind, key);
            }
            default -> throw new IllegalArgumentException("operation '" + m.operation() + "' on " + kind + "s is not supported; use insert, update or delete");
        }
    }

    /** ConfigMaps and Secrets from the store, for the pods' environment and volumes. */
    private final PodSpecs.Sources sources = new PodSpecs.Sources() {
        @Override
        public JsonNode configMap(String namespace, String name) {
            return store.get(ResourceTypes.CONFIGMAP, namespace + "/" + name).map(StoredObject::value).orElse(null);
        }

        @Override
        public JsonNode secret(String namespace, String name) {
            return store.get(ResourceTypes.SECRET, namespace + "/" + name).map(StoredObject::value).orElse(null);
        }

        @Override
        public long allocatableMilliCpu() {
            return capacity.milliCpu();
        }

        @Override
        public long allocatableMemory() {
            return capacity.memoryBytes();
        }
    };

    /** Drops ConfigMaps and Secrets no stored pod refers to any more (after the cloud's pod list). */
    private void collectObjects() {
        Set<String> used = new HashSet<>();
        for (StoredObject o : store.list(KIND)) {
            used.addAll(PodSpecs.references(o.value()));
        }
        for (String kind : List.of(ResourceTypes.CONFIGMAP, ResourceTypes.SECRET)) {
            for (StoredObject o : store.list(kind)) {
                if (!used.contains(kind + "/" + o.key())) {
                    LOG.info("{} {} is no longer used by a pod of this gateway: removed", kind, o.key());
                    store.delete(kind, o.key());
                }
            }
        }
    }

    /**
     * The cloud's list of every pod bound to this node ({@code update _/podlist}, content {@code
     * [{namespace, name, uid}]}), sent after its inserts on connect: a stored pod it does not
     * name was deleted while the gateway was away, and is stopped like a delete from the cloud.
     */
    private boolean retainOnly(Message m) {
        JsonNode list = m.content();
        if (!list.isArray()) {
            throw new IllegalArgumentException("a podlist must carry an array of {namespace, name, uid}");
        }
        if (list.size() > MAX_LIST) {
            throw new IllegalArgumentException("a podlist names " + list.size() + " pods; at most " + MAX_LIST);
        }
        Set<String> listed = new HashSet<>();
        for (JsonNode e : list) {
            listed.add(e.path("namespace").asText() + "/" + e.path("name").asText() + "/" + e.path("uid").asText());
        }
        boolean changed = false;
        for (StoredObject o : store.list(KIND)) {
            JsonNode pod = o.value();
            if (!listed.contains(o.key() + "/" + PodSpecs.uid(pod)) && !pod.path("metadata").has("deletionTimestamp")) {
                LOG.info("pod {} is no longer bound to this gateway (deleted while away): stopping it", o.key());
                ObjectNode marked = pod.deepCopy();
                ObjectNode meta = (ObjectNode) marked.get("metadata");
                meta.put("deletionTimestamp", now().toString());
                (meta.path("annotations").isObject() ? (ObjectNode) meta.get("annotations") : meta.putObject("annotations"))
                        .put(DELETED_IN_CLOUD, "true");
                store.put(KIND, o.key(), marked, o.resourceVersion());
                changed = true;
            }
        }
        collectObjects();
        return changed;
    }

    /** Resource versions are opaque but numeric in practice; only numeric ones are compared. */
    private static boolean olderOrSame(String incoming, String stored) {
        try {
            return !incoming.isEmpty() && !stored.isEmpty() && Long.parseLong(incoming) <= Long.parseLong(stored);
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /**
     * Asks the cloud for every pod of this node (inserts, then the pod list): the pod manager may
     * start after the link came up and so miss the cloud's resend on connect.
     */
    static Message podListQuery() {
        return Message.builder().source(Modules.EDGED).group(Groups.RESOURCE).operation(Operations.QUERY)
                .resource("_/" + POD_LIST).build();
    }

    /** Forgets what was sent, so every status goes out again (after the link came back). */
    void resendAll() {
        resend = true; // read by the next pass, so the link thread never waits for a pass
    }

    /**
     * One pass over every stored pod: asks each pod's worker for a sync (they run on the workers'
     * executor, so the pass returns before they end unless it runs tasks in the caller), then
     * removes the sandboxes of pods this gateway no longer has. Passes run one at a time; runtime
     * calls block.
     */
    void reconcile() {
        synchronized (pass) {
            passLocked();
        }
    }

    private void passLocked() {
        events.flush(); // what waited for the link
        if (resend) {
            resend = false;
            sent.clear();
        }
        List<StoredObject> pods = store.list(KIND);
        RuntimeHealth health = runtime.health();
        if (!health.ready()) {
            for (StoredObject o : pods) {
                report(o.value(), unavailable(o.value(), health.problems()));
            }
            return;
        }
        Set<String> uids = new HashSet<>();
        for (StoredObject o : pods) {
            String uid = PodSpecs.uid(o.value());
            uids.add(uid);
            String key = o.key();
            workers.sync(uid, () -> sync(key, uid));
        }
        for (StoredObject o : pods) {
            nodes.add(o.value().path("spec").path("nodeName").asText(""));
        }
        nodes.remove("");
        for (PodSandboxStatus sb : runtime.listPodSandboxes(Map.of())) {
            String uid = sb.labels().get(PodSpecs.LABEL_UID);
            // Only this gateway's own: another gateway (or a test) may share the containerd.
            if (uid != null && !uids.contains(uid) && nodes.contains(sb.labels().getOrDefault(PodSpecs.LABEL_NODE, ""))) {
                LOG.info("removing sandbox {} of pod {}/{}: this gateway no longer has the pod", sb.id(), sb.namespace(), sb.name());
                stopSandbox(sb.id(), Duration.ZERO);
                volumes.tearDown(uid);
                forget(uid);
            }
        }
    }

    /** One pod's sync, on its worker: reads the pod's latest state from the store. */
    private void sync(String key, String uid) {
        JsonNode pod = store.get(KIND, key).map(StoredObject::value).orElse(null);
        if (pod == null || !uid.equals(PodSpecs.uid(pod))) {
            return; // gone, or replaced by a pod of the same name (which has its own worker)
        }
        try {
            sync(pod);
        } catch (ContainerRuntimeException e) {
            LOG.warn("pod {}: {}", key, e.getMessage());
            if (e.category() == ContainerRuntimeException.Category.UNAVAILABLE) {
                report(pod, unavailable(pod, e.getMessage()));
            }
        }
    }

    private void sync(JsonNode pod) {
        String uid = PodSpecs.uid(pod);
        if (stopping.contains(uid)) {
            return; // its stop runs as a task of its own
        }
        List<PodSandboxStatus> sandboxes = runtime.listPodSandboxes(Map.of(PodSpecs.LABEL_UID, uid));
        if (pod.path("metadata").has("deletionTimestamp")) {
            terminate(pod, sandboxes);
            return;
        }
        Admission.Verdict verdict = admission.admit(pod);
        if (!verdict.admitted()) {
            events.recordOnce(pod, null, true, verdict.reason(), verdict.message());
            ObjectNode status = F.objectNode().put("phase", "Failed").put("reason", verdict.reason()).put("message", verdict.message());
            putHostIp(status);
            report(pod, status);
            return;
        }
        PodSandboxStatus ready = sandboxes.stream().filter(s -> s.state() == PodSandboxStatus.State.READY)
                .max(Comparator.comparingInt(PodSandboxStatus::attempt)).orElse(null);
        if (ready == null) {
            if (terminal.contains(uid)) {
                return;
            }
            int attempt = sandboxes.stream().mapToInt(PodSandboxStatus::attempt).max().orElse(-1) + 1;
            for (PodSandboxStatus old : sandboxes) {
                stopSandbox(old.id(), Duration.ZERO);
            }
            try {
                String id = runtime.runPodSandbox(PodSpecs.sandbox(pod, attempt));
                LOG.info("pod {}: sandbox {} (attempt {})", PodSpecs.key(pod), id, attempt);
                ready = runtime.podSandboxStatus(id);
            } catch (ContainerRuntimeException e) {
                if (e.category() == ContainerRuntimeException.Category.UNAVAILABLE) {
                    throw e;
                }
                events.record(pod, null, true, "FailedCreatePodSandBox", "Failed to create pod sandbox: " + e.getMessage());
                report(pod, pending(pod, "CreatePodSandboxError", e.getMessage()));
                return;
            }
        } else {
            ready = runtime.podSandboxStatus(ready.id());
        }
        PodSandboxConfig sandboxConfig = PodSpecs.sandbox(pod, ready.attempt());
        Map<String, java.nio.file.Path> vols = Map.of();
        String volumeError = null;
        try {
            vols = volumes.setUp(pod, sources); // also refreshes ConfigMap/Secret files of running containers
        } catch (PodVolumes.VolumeError e) {
            volumeError = e.getMessage();
        } catch (RuntimeException e) {
            volumeError = "volumes of pod " + PodSpecs.key(pod) + " could not be set up: " + e;
        }
        Sandbox sb = new Sandbox(ready.id(), sandboxConfig, ready.ip(), vols, volumeError);
        List<ContainerStatus> existing = runtime.listContainers(ready.id(), Map.of(PodSpecs.LABEL_UID, uid));
        String policy = pod.path("spec").path("restartPolicy").asText("Always");

        // Init containers, in order, each to completion before the next; app containers after all.
        ArrayNode initStatuses = F.arrayNode();
        List<String> incomplete = new ArrayList<>();
        boolean initialized = true;
        boolean initFailed = false;
        for (JsonNode c : pod.path("spec").path("initContainers")) {
            String name = c.path("name").asText();
            if (!initialized) {
                initStatuses.add(containerStatus(c, null, null, new Waiting("PodInitializing", ""), false, false, null));
                incomplete.add(name);
                continue;
            }
            // Init containers restart on failure unless the pod's policy is Never (the kubelet's rule).
            Step step = step(pod, c, sb, existing, "Never".equals(policy) ? "Never" : "OnFailure", true);
            initStatuses.add(containerStatus(c, step.current(), step.previous(), step.waiting(), false, false, step.killedFor()));
            boolean done = step.waiting() == null && step.current() != null && step.current().state() == ContainerStatus.State.EXITED
                    && step.current().exitCode() == 0;
            if (!done) {
                initialized = false;
                incomplete.add(name);
                initFailed |= step.waiting() == null && step.current() != null && step.current().state() == ContainerStatus.State.EXITED
                        && "Never".equals(policy);
            }
        }

        ArrayNode statuses = F.arrayNode();
        List<String> notReady = new ArrayList<>();
        boolean anyRunning = false;
        boolean anyStarted = false;
        boolean allTerminated = true;
        boolean allSucceeded = true;
        for (JsonNode c : pod.path("spec").path("containers")) {
            String name = c.path("name").asText();
            if (!initialized) {
                statuses.add(containerStatus(c, null, null, new Waiting("PodInitializing", ""), false, false, null));
                notReady.add(name);
                allTerminated = false;
                continue;
            }
            Step step = step(pod, c, sb, existing, policy, false);
            ContainerStatus current = step.current();
            boolean running = current != null && current.state() == ContainerStatus.State.RUNNING && step.waiting() == null;
            boolean started = running && probes.started(current.id(), c);
            boolean isReady = started && probes.ready(current.id(), c);
            statuses.add(containerStatus(c, current, step.previous(), step.waiting(), started, isReady, step.killedFor()));
            anyRunning |= running;
            anyStarted |= current != null && current.startedAt() != null || step.previous() != null;
            boolean terminated = step.waiting() == null && current != null && current.state() == ContainerStatus.State.EXITED;
            allTerminated &= terminated;
            allSucceeded &= terminated && current.exitCode() == 0;
            if (!isReady) {
                notReady.add(name);
            }
        }
        String phase;
        if (initFailed) {
            phase = "Failed";
            terminal.add(uid);
        } else if (initialized && allTerminated && ("Never".equals(policy) || "OnFailure".equals(policy) && allSucceeded)) {
            phase = allSucceeded ? "Succeeded" : "Failed";
            terminal.add(uid);
        } else if (initialized && (anyRunning || anyStarted)) {
            phase = "Running";
        } else {
            phase = "Pending";
        }
        ObjectNode status = F.objectNode().put("phase", phase);
        putHostIp(status);
        ObjectNode previousStatus = lastStatus.get(uid);
        String startTime = previousStatus != null && previousStatus.has("startTime") ? previousStatus.get("startTime").asText()
                : seconds(ready.createdAt());
        status.put("startTime", startTime);
        if (!ready.ip().isEmpty()) {
            status.put("podIP", ready.ip());
            ArrayNode ips = status.putArray("podIPs");
            ips.addObject().put("ip", ready.ip());
            ready.additionalIps().forEach(ip -> ips.addObject().put("ip", ip));
        }
        boolean containersReady = notReady.isEmpty();
        boolean completed = "Succeeded".equals(phase) || "Failed".equals(phase);
        String reason = completed ? "PodCompleted" : "ContainersNotReady";
        String message = "containers with unready status: [" + String.join(" ", notReady) + "]";
        ArrayNode conditions = status.putArray("conditions");
        conditions.add(condition(uid, "PodScheduled", true, "", ""));
        conditions.add(condition(uid, "Initialized", initialized || completed && !initFailed, initFailed ? "PodCompleted" : "ContainersNotInitialized",
                "containers with incomplete status: [" + String.join(" ", incomplete) + "]"));
        conditions.add(condition(uid, "ContainersReady", containersReady, reason, message));
        conditions.add(condition(uid, "Ready", containersReady, reason, message));
        if (!initStatuses.isEmpty()) {
            status.set("initContainerStatuses", initStatuses);
        }
        status.set("containerStatuses", statuses);
        report(pod, status);
    }

    private void putHostIp(ObjectNode status) {
        if (!capacity.hostIp().isEmpty()) {
            status.put("hostIP", capacity.hostIp());
            status.putArray("hostIPs").addObject().put("ip", capacity.hostIp());
        }
    }

    /** What one container is doing after this pass: its latest and previous run, why it waits, why it was killed. */
    private record Step(ContainerStatus current, ContainerStatus previous, Waiting waiting, String killedFor) {
    }

    /** Creates, starts, restarts (with back-off per restartPolicy) and probes one container. */
    private Step step(JsonNode pod, JsonNode c, Sandbox sb, List<ContainerStatus> existing, String policy, boolean init) {
        String uid = PodSpecs.uid(pod);
        String name = c.path("name").asText();
        List<ContainerStatus> mine = existing.stream().filter(s -> name.equals(s.labels().get(PodSpecs.LABEL_CONTAINER)))
                .sorted(Comparator.comparingInt(ContainerStatus::attempt)).toList();
        ContainerStatus latest = mine.isEmpty() ? null : runtime.containerStatus(mine.get(mine.size() - 1).id());
        ContainerStatus previous = mine.size() < 2 ? null : runtime.containerStatus(mine.get(mine.size() - 2).id());
        Waiting waiting = null;
        if (latest == null) {
            waiting = start(pod, c, sb, 0);
        } else if (latest.state() == ContainerStatus.State.RUNNING) {
            if (latest.startedAt() != null && latest.startedAt().plus(BACKOFF_RESET).isBefore(now())) {
                backoffs.remove(uid + "/" + name);
            }
            if (!init) {
                probes.probe(pod, c, latest, sb.ip().isEmpty() ? (capacity.hostIp().isEmpty() ? "127.0.0.1" : capacity.hostIp()) : sb.ip());
            }
        } else if (latest.state() == ContainerStatus.State.CREATED) {
            waiting = startCreated(pod, c, latest);
        } else if (restarts(policy, latest.exitCode())) {
            String bk = uid + "/" + name;
            Backoff b = backoffs.get(bk);
            if (b != null && now().isBefore(b.next())) {
                waiting = new Waiting("CrashLoopBackOff", "back-off " + b.delay().toSeconds() + "s restarting failed container="
                        + name + " pod=" + PodSpecs.key(pod));
                JsonNode m = pod.path("metadata");
                events.record(pod, name, true, "BackOff", "Back-off restarting failed container " + name + " in pod "
                        + m.path("name").asText() + "_" + m.path("namespace").asText() + "(" + uid + ")");
            } else {
                Duration delay = b == null ? FIRST_BACKOFF : min(b.delay().multipliedBy(2), MAX_BACKOFF);
                backoffs.put(bk, new Backoff(delay, now().plus(delay)));
                for (ContainerStatus older : mine.subList(0, mine.size() - 1)) {
                    runtime.removeContainer(older.id()); // keep only the last run, for lastState
                    probes.forget(older.id());
                }
                LOG.info("pod {}: restarting container {} (exit code {}, restart {}{})", PodSpecs.key(pod), name,
                        latest.exitCode(), latest.attempt() + 1, probes.killedFor(latest.id()) == null ? "" : "; " + probes.killedFor(latest.id()));
                previous = latest;
                waiting = start(pod, c, sb, latest.attempt() + 1);
            }
        }
        // Read again what start changed.
        List<ContainerStatus> now = runtime.listContainers(sb.id(), Map.of(PodSpecs.LABEL_UID, uid, PodSpecs.LABEL_CONTAINER, name));
        ContainerStatus current = now.stream().max(Comparator.comparingInt(ContainerStatus::attempt))
                .map(s -> runtime.containerStatus(s.id())).orElse(null);
        if (current != null && previous != null && current.id().equals(previous.id())) {
            previous = null;
        }
        String killed = previous != null ? probes.killedFor(previous.id()) : null;
        if (current != null && current.state() == ContainerStatus.State.EXITED && probes.killedFor(current.id()) != null) {
            killed = probes.killedFor(current.id());
        }
        return new Step(current, previous, waiting, killed);
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    private static boolean restarts(String policy, int exitCode) {
        return "Always".equals(policy) || "OnFailure".equals(policy) && exitCode != 0;
    }

    /**
     * Makes sure the image is there (a pull runs as a task of its own, so a slow registry holds
     * only this container), then creates and starts the container; says why it waits when it cannot.
     */
    private Waiting start(JsonNode pod, JsonNode c, Sandbox sb, int attempt) {
        Waiting w = create(pod, c, sb, attempt);
        if (w != null) {
            waitingEvent(pod, c.path("name").asText(), w);
        }
        return w;
    }

    /** The kubelet's events for a container that cannot start (ContainerCreating while pulling is none). */
    private void waitingEvent(JsonNode pod, String container, Waiting w) {
        switch (w.reason()) {
            case "FailedMount" -> events.record(pod, null, true, "FailedMount", w.message());
            case "ErrImagePull" -> events.record(pod, container, true, "Failed", "Error: ErrImagePull");
            case "ImagePullBackOff" -> {
                events.record(pod, container, false, "BackOff", w.message());
                events.record(pod, container, true, "Failed", "Error: ImagePullBackOff");
            }
            case "CreateContainerConfigError", "CreateContainerError", "RunContainerError" ->
                    events.record(pod, container, true, "Failed", "Error: " + w.message());
            default -> {
            }
        }
    }

    private Waiting create(JsonNode pod, JsonNode c, Sandbox sb, int attempt) {
        if (sb.volumeError() != null) {
            return new Waiting("FailedMount", sb.volumeError());
        }
        String image = c.path("image").asText();
        String pk = PodSpecs.uid(pod) + "/" + c.path("name").asText() + "/pull";
        boolean present = runtime.imageStatus(image) != null;
        if (!present) {
            if (pulling.contains(pk)) {
                return new Waiting("ContainerCreating", "pulling image \"" + image + "\"");
            }
            String failed = pullErrors.remove(pk);
            if (failed != null) {
                return new Waiting("ErrImagePull", failed);
            }
            Backoff b = backoffs.get(pk);
            if (b != null && now().isBefore(b.next())) {
                return new Waiting("ImagePullBackOff", "Back-off pulling image \"" + image + "\"");
            }
            pulling.add(pk);
            events.record(pod, c.path("name").asText(), false, "Pulling", "Pulling image \"" + image + "\"");
            work.execute(() -> pull(pod, c.path("name").asText(), image, pk));
            if (pulling.contains(pk)) {
                return new Waiting("ContainerCreating", "pulling image \"" + image + "\"");
            }
            failed = pullErrors.remove(pk);
            if (failed != null) {
                return new Waiting("ErrImagePull", failed);
            }
        }
        ContainerConfig config;
        try {
            config = PodSpecs.container(pod, c, attempt, sb.ip(), sources, PodVolumes.mounts(pod, c, sb.volumes()));
        } catch (PodSpecs.ConfigError e) {
            return new Waiting("CreateContainerConfigError", e.getMessage());
        } catch (PodVolumes.VolumeError e) {
            return new Waiting("FailedMount", e.getMessage());
        }
        if (present) {
            events.record(pod, config.name(), false, "Pulled", "Container image \"" + image + "\" already present on machine");
        }
        String id;
        try {
            id = runtime.createContainer(sb.id(), config, sb.config());
        } catch (ContainerRuntimeException e) {
            if (e.category() == ContainerRuntimeException.Category.UNAVAILABLE) {
                throw e;
            }
            return new Waiting("CreateContainerError", e.getMessage());
        }
        events.record(pod, config.name(), false, "Created", "Created container " + config.name());
        try {
            runtime.startContainer(id);
            LOG.info("pod {}: container {} started ({})", PodSpecs.key(pod), config.name(), id);
            events.record(pod, config.name(), false, "Started", "Started container " + config.name());
            return null;
        } catch (ContainerRuntimeException e) {
            if (e.category() == ContainerRuntimeException.Category.UNAVAILABLE) {
                throw e;
            }
            return new Waiting("RunContainerError", e.getMessage());
        }
    }

    /** A pull, on a task thread; its outcome is read by the next pass. */
    private void pull(JsonNode pod, String container, String image, String pk) {
        String error = null;
        long t0 = System.nanoTime();
        try {
            runtime.pullImage(image, null, PULL_TIMEOUT);
            events.record(pod, container, false, "Pulled", "Successfully pulled image \"" + image + "\" in "
                    + Duration.ofNanos(System.nanoTime() - t0).toMillis() + "ms");
        } catch (RuntimeException e) {
            error = e.getMessage();
            events.record(pod, container, true, "Failed", "Failed to pull image \"" + image + "\": " + error);
        }
        // The outcome first, then the end of the pull: the pod's worker reads them the other way round.
        if (error == null) {
            backoffs.remove(pk);
        } else {
            Backoff b = backoffs.get(pk);
            Duration delay = b == null ? FIRST_BACKOFF : min(b.delay().multipliedBy(2), MAX_BACKOFF);
            backoffs.put(pk, new Backoff(delay, now().plus(delay)));
            pullErrors.put(pk, error);
        }
        pulling.remove(pk);
        changed.run();
    }

    private Waiting startCreated(JsonNode pod, JsonNode c, ContainerStatus created) {
        try {
            runtime.startContainer(created.id());
            events.record(pod, c.path("name").asText(), false, "Started", "Started container " + c.path("name").asText());
            return null;
        } catch (ContainerRuntimeException e) {
            if (e.category() == ContainerRuntimeException.Category.UNAVAILABLE) {
                throw e;
            }
            waitingEvent(pod, c.path("name").asText(), new Waiting("RunContainerError", e.getMessage()));
            return new Waiting("RunContainerError", e.getMessage());
        }
    }

    private ObjectNode containerStatus(JsonNode spec, ContainerStatus current, ContainerStatus previous, Waiting waiting,
            boolean started, boolean ready, String killedFor) {
        ObjectNode s = F.objectNode().put("name", spec.path("name").asText()).put("image", spec.path("image").asText());
        ObjectNode state = F.objectNode();
        if (current == null) {
            s.put("imageID", "");
            s.put("restartCount", 0);
            s.put("ready", false).put("started", false);
            Waiting w = waiting != null ? waiting : new Waiting("ContainerCreating", "");
            putWaiting(state, w);
            s.set("state", state);
            s.set("lastState", F.objectNode());
            return s;
        }
        s.put("imageID", current.imageRef());
        s.put("containerID", containerId(current.id()));
        s.put("restartCount", current.attempt());
        s.put("ready", ready).put("started", started);
        if (waiting != null) {
            putWaiting(state, waiting);
            previous = current.state() == ContainerStatus.State.EXITED ? current : previous;
        } else if (current.state() == ContainerStatus.State.RUNNING) {
            state.putObject("running").put("startedAt", seconds(current.startedAt()));
        } else if (current.state() == ContainerStatus.State.EXITED) {
            state.set("terminated", terminated(current, null));
        } else {
            putWaiting(state, new Waiting("ContainerCreating", ""));
        }
        s.set("state", state);
        ObjectNode last = F.objectNode();
        if (previous != null && previous.state() == ContainerStatus.State.EXITED) {
            last.set("terminated", terminated(previous, killedFor));
        }
        s.set("lastState", last);
        return s;
    }

    private static void putWaiting(ObjectNode state, Waiting w) {
        ObjectNode o = state.putObject("waiting").put("reason", w.reason());
        if (!w.message().isEmpty()) {
            o.put("message", w.message());
        }
    }

    private ObjectNode terminated(ContainerStatus c, String killedFor) {
        ObjectNode t = F.objectNode().put("exitCode", c.exitCode())
                .put("reason", c.reason().isEmpty() ? (c.exitCode() == 0 ? "Completed" : "Error") : c.reason());
        if (killedFor != null) {
            t.put("message", killedFor);
        } else if (!c.message().isEmpty()) {
            t.put("message", c.message());
        }
        if (c.startedAt() != null) {
            t.put("startedAt", seconds(c.startedAt()));
        }
        if (c.finishedAt() != null) {
            t.put("finishedAt", seconds(c.finishedAt()));
        }
        t.put("containerID", containerId(c.id()));
        return t;
    }

    private String containerId(String id) {
        if (runtimeName == null) {
            runtimeName = runtime.version().runtimeName();
        }
        return runtimeName + "://" + id;
    }

    private ObjectNode condition(String uid, String type, boolean ok, String reason, String message) {
        String k = uid + "/" + type + "/" + ok;
        Instant since = transitions.get(k);
        if (since == null) {
            since = now();
            transitions.remove(uid + "/" + type + "/" + !ok);
            transitions.put(k, since);
        }
        ObjectNode c = F.objectNode().put("type", type).put("status", ok ? "True" : "False").putNull("lastProbeTime")
                .put("lastTransitionTime", seconds(since));
        if (!ok) {
            c.put("reason", reason).put("message", message);
        }
        return c;
    }

    private ObjectNode pending(JsonNode pod, String reason, String message) {
        String uid = PodSpecs.uid(pod);
        ObjectNode status = F.objectNode().put("phase", "Pending");
        ArrayNode conditions = status.putArray("conditions");
        conditions.add(condition(uid, "PodScheduled", true, "", ""));
        conditions.add(condition(uid, "Initialized", false, reason, message));
        conditions.add(condition(uid, "ContainersReady", false, reason, message));
        conditions.add(condition(uid, "Ready", false, reason, message));
        return status;
    }

    /** The last status with its readiness withdrawn: nothing is known while the runtime is away. */
    private ObjectNode unavailable(JsonNode pod, String why) {
        String uid = PodSpecs.uid(pod);
        ObjectNode last = lastStatus.get(uid);
        if (last == null) {
            return pending(pod, "ContainerRuntimeUnavailable", why);
        }
        ObjectNode status = last.deepCopy();
        ArrayNode conditions = status.putArray("conditions");
        conditions.add(condition(uid, "PodScheduled", true, "", ""));
        conditions.add(condition(uid, "Initialized", true, "", ""));
        conditions.add(condition(uid, "ContainersReady", false, "ContainerRuntimeUnavailable", why));
        conditions.add(condition(uid, "Ready", false, "ContainerRuntimeUnavailable", why));
        return status;
    }

    /**
     * Stops a pod being deleted (its grace period, then SIGKILL) as a task of its own, so a long
     * grace period holds only this pod; then removes it and tells the cloud.
     */
    private void terminate(JsonNode pod, List<PodSandboxStatus> sandboxes) {
        JsonNode meta = pod.path("metadata");
        long grace = meta.has("deletionGracePeriodSeconds") ? meta.path("deletionGracePeriodSeconds").asLong()
                : pod.path("spec").path("terminationGracePeriodSeconds").asLong(DEFAULT_GRACE_SECONDS);
        String uid = PodSpecs.uid(pod);
        stopping.add(uid);
        work.execute(() -> {
            try {
                for (PodSandboxStatus sb : sandboxes) {
                    for (ContainerStatus c : runtime.listContainers(sb.id(), Map.of())) {
                        if (c.state() == ContainerStatus.State.RUNNING) {
                            String name = c.labels().getOrDefault(PodSpecs.LABEL_CONTAINER, c.name());
                            events.record(pod, name, false, "Killing", "Stopping container " + name);
                        }
                    }
                    stopSandbox(sb.id(), Duration.ofSeconds(Math.max(0, grace)));
                }
            } catch (RuntimeException e) {
                LOG.warn("pod {}: stop failed, retrying at the next pass: {}", PodSpecs.key(pod), e.getMessage());
                stopping.remove(uid);
                return;
            }
            // Gone from the store before 'stopping' ends, so its worker never syncs it again.
            store.delete(KIND, PodSpecs.key(pod));
            admission.forget(pod);
            volumes.tearDown(uid);
            forget(uid);
            stopping.remove(uid);
            LOG.info("pod {} stopped and removed", PodSpecs.key(pod));
            if (!"true".equals(meta.path("annotations").path(DELETED_IN_CLOUD).asText())) {
                upstream.send(Message.builder().source(Modules.EDGED).group(Groups.RESOURCE).operation(Operations.DELETE)
                        .resource(meta.path("namespace").asText() + "/" + ResourceTypes.POD + "/" + meta.path("name").asText())
                        .content(F.objectNode().put("UID", uid)).build());
            }
            changed.run();
        });
    }

    /** Stops the running containers with the grace period, then the sandbox, and removes it. */
    private void stopSandbox(String sandboxId, Duration grace) {
        for (ContainerStatus c : runtime.listContainers(sandboxId, Map.of())) {
            if (c.state() == ContainerStatus.State.RUNNING || c.state() == ContainerStatus.State.UNKNOWN) {
                runtime.stopContainer(c.id(), grace);
            }
        }
        runtime.stopPodSandbox(sandboxId);
        runtime.removePodSandbox(sandboxId);
    }

    private void forget(String uid) {
        Predicate<String> mine = k -> k.startsWith(uid + "/");
        pulling.removeIf(mine);
        probes.forgetPod(uid);
        pullErrors.keySet().removeIf(mine);
        backoffs.keySet().removeIf(mine);
        transitions.keySet().removeIf(mine);
        sent.remove(uid);
        lastStatus.remove(uid);
        terminal.remove(uid);
        events.forget(uid);
    }

    /** The cloud refused a status this gateway sent: send it again after {@link #RESEND_AFTER_ERROR}. */
    private void refused(Resource r) {
        if (!ResourceTypes.POD_STATUS.equals(r.type()) || r.namespace().isEmpty() || r.name().isEmpty()) {
            return;
        }
        store.get(KIND, r.namespace() + "/" + r.name()).ifPresent(o -> sent.computeIfPresent(PodSpecs.uid(o.value()),
                (uid, s) -> new Sent(s.status(), now().minus(RESEND).plus(RESEND_AFTER_ERROR))));
    }

    private void report(JsonNode pod, ObjectNode status) {
        String uid = PodSpecs.uid(pod);
        lastStatus.put(uid, status);
        Sent s = sent.get(uid);
        if (s != null && s.status().equals(status) && now().isBefore(s.at().plus(RESEND))) {
            return;
        }
        JsonNode meta = pod.path("metadata");
        ObjectNode content = F.objectNode().put("UID", uid).put("Name", meta.path("name").asText());
        content.set("Status", status);
        Message m = Message.builder().source(Modules.EDGED).group(Groups.RESOURCE).operation(Operations.UPDATE)
                .resource(meta.path("namespace").asText() + "/" + ResourceTypes.POD_STATUS + "/" + meta.path("name").asText())
                .content(content).build();
        if (upstream.send(m)) {
            sent.put(uid, new Sent(status, now()));
        }
    }

    /** @return the last status computed for a pod, or null (for tests and the console) */
    ObjectNode status(String uid) {
        return lastStatus.get(uid);
    }

    private Instant now() {
        return clock.instant();
    }

    private static String seconds(Instant t) {
        return t == null ? null : t.truncatedTo(ChronoUnit.SECONDS).toString();
    }
}
