package io.outpost.edge.pod;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.outpost.hub.api.Message;
import io.outpost.hub.api.Operations;
import io.outpost.hub.api.Resource;
import io.outpost.hub.api.ResourceTypes;
import io.outpost.meta.api.MetaStore;
import io.outpost.meta.api.StoredObject;
import io.outpost.pod.api.ContainerLog;
import io.outpost.pod.api.EdgePods;
import io.outpost.pod.api.PodException;
import io.outpost.pod.api.PodSummary;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The pods of this gateway for local tools (shell, console): the stored pods with the status the
 * pod manager last computed — taken from the status messages it sends upstream, which it computes
 * on every pass whether or not the cloud is reachable — and their containers' log files. Never
 * calls the runtime, so it answers while a pass blocks. No OSGi.
 */
final class PodView implements EdgePods {
    /** How often the log folders are pruned. */
    static final Duration PRUNE_EVERY = Duration.ofMinutes(1);

    private final MetaStore store;
    private final ContainerLogLayout logs;
    private final Clock clock;
    /** Last status per pod uid. */
    private final Map<String, JsonNode> statuses = new ConcurrentHashMap<>();
    private Instant pruned = Instant.MIN;

    PodView(MetaStore store, ContainerLogLayout logs, Clock clock) {
        this.store = store;
        this.logs = logs;
        this.clock = clock;
    }

    /** Sees a message the pod manager sends upstream; keeps the statuses. */
    void observe(Message m) {
        Resource r = Resource.parse(m.resource());
        if (Operations.UPDATE.equals(m.operation()) && ResourceTypes.POD_STATUS.equals(r.type())) {
            JsonNode c = m.content();
            if (c.path("UID").isTextual() && c.path("Status").isObject()) {
                statuses.put(c.path("UID").asText(), c.path("Status"));
            }
        } else if (Operations.DELETE.equals(m.operation()) && ResourceTypes.POD.equals(r.type())) {
            statuses.remove(m.content().path("UID").asText(""));
        }
    }

    /** After a reconcile pass (on its thread): forgets pods that are gone, prunes log files now and then. */
    void afterPass() {
        Set<String> uids = new HashSet<>();
        for (StoredObject o : store.list(PodManager.KIND)) {
            uids.add(PodSpecs.uid(o.value()));
        }
        statuses.keySet().retainAll(uids);
        Instant now = clock.instant();
        if (!now.isBefore(pruned.plus(PRUNE_EVERY))) {
            pruned = now;
            logs.prune(uids);
        }
    }

    @Override
    public List<PodSummary> pods() {
        List<PodSummary> out = new ArrayList<>();
        for (StoredObject o : store.list(PodManager.KIND)) { // sorted by key: namespace/name
            out.add(summary(o.value()));
        }
        return out;
    }

    @Override
    public Optional<PodSummary> pod(String namespace, String name) {
        return store.get(PodManager.KIND, namespace + "/" + name).map(o -> summary(o.value()));
    }

    @Override
    public ContainerLog log(String namespace, String name, String container, boolean previous) {
        PodSummary p = pod(namespace, name).orElseThrow(() -> new PodException(PodException.Reason.NOT_FOUND,
                "pod " + namespace + "/" + name + " is not on this gateway (see outpost:pods)"));
        String c = container == null ? "" : container;
        if (c.isEmpty()) {
            if (p.containers().size() != 1) {
                throw new PodException(PodException.Reason.BAD_REQUEST, "pod " + p.key() + " has several containers: name one of "
                        + String.join(", ", p.containers()));
            }
            c = p.containers().get(0);
        } else if (!p.containers().contains(c)) {
            throw new PodException(PodException.Reason.NOT_FOUND, "pod " + p.key() + " has no container '" + c + "'; it has "
                    + String.join(", ", p.containers()));
        }
        int run = -1;
        for (JsonNode s : p.pod().path("status").path("containerStatuses")) {
            if (c.equals(s.path("name").asText()) && s.has("containerID")) {
                run = s.path("restartCount").asInt();
            }
        }
        if (run < 0) {
            throw new PodException(PodException.Reason.NOT_FOUND, "container " + c + " of pod " + p.key() + " has not started yet");
        }
        if (previous) {
            if (run == 0) {
                throw new PodException(PodException.Reason.NOT_FOUND, "container " + c + " of pod " + p.key()
                        + " has not been restarted: there is no previous run");
            }
            run--;
        }
        // across the parts log rotation made (ContainerLogRotation)
        return RotatedContainerLog.open(logs.containerLog(namespace, name, p.uid(), c, run));
    }

    PodSummary summary(JsonNode stored) {
        ObjectNode pod = stored.deepCopy();
        JsonNode status = statuses.get(PodSpecs.uid(stored));
        if (status != null) {
            pod.set("status", status.deepCopy());
        } else {
            pod.remove("status"); // what the cloud sent may be old; nothing is better than stale
        }
        JsonNode meta = pod.path("metadata");
        List<String> containers = new ArrayList<>();
        pod.path("spec").path("containers").forEach(c -> containers.add(c.path("name").asText()));
        JsonNode st = pod.path("status");
        int ready = 0;
        int restarts = 0;
        String reason = st.path("phase").asText("Pending");
        for (JsonNode cs : st.path("containerStatuses")) {
            ready += cs.path("ready").asBoolean() ? 1 : 0;
            restarts += cs.path("restartCount").asInt();
        }
        // kubectl's STATUS: a waiting or terminated container's reason wins over the phase
        for (JsonNode cs : st.path("containerStatuses")) {
            JsonNode state = cs.path("state");
            if (state.path("waiting").hasNonNull("reason") && !state.path("waiting").path("reason").asText().isEmpty()) {
                reason = state.path("waiting").path("reason").asText();
            } else if (state.has("terminated")) {
                JsonNode t = state.path("terminated");
                reason = !t.path("reason").asText("").isEmpty() ? t.path("reason").asText()
                        : "ExitCode:" + t.path("exitCode").asInt();
            }
        }
        if (st.isMissingNode()) {
            reason = "Pending";
        }
        if (meta.has("deletionTimestamp")) {
            reason = "Terminating";
        }
        Instant created = null;
        try {
            created = meta.hasNonNull("creationTimestamp") ? Instant.parse(meta.path("creationTimestamp").asText()) : null;
        } catch (DateTimeParseException e) {
            // left out: AGE shows "-"
        }
        return new PodSummary(meta.path("namespace").asText(), meta.path("name").asText(), PodSpecs.uid(stored), ready, containers,
                reason, restarts, created, st.path("podIP").asText(""), pod);
    }
}
