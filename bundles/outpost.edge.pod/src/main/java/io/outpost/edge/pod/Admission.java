package io.outpost.edge.pod;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.outpost.meta.api.MetaStore;
import io.outpost.meta.api.StoredObject;
import java.util.Optional;

/**
 * The kubelet's admission of pods by the node's allocatable resources: a pod whose requests (pods,
 * CPU, memory) do not fit beside the pods admitted before is rejected for good — phase Failed,
 * reason {@code OutOfpods|OutOfcpu|OutOfmemory}. Verdicts are kept in the meta store (kind {@code
 * podadmission}), so after a gateway restart the pods that ran before keep their place. No OSGi.
 */
final class Admission {
    static final String KIND = "podadmission";

    record Verdict(boolean admitted, String reason, String message) {
    }

    private final MetaStore store;
    private final PodManager.Capacity capacity;

    Admission(MetaStore store, PodManager.Capacity capacity) {
        this.store = store;
        this.capacity = capacity;
    }

    /**
     * @return the pod's verdict, deciding it the first time the pod is seen; synchronized, since pod
     *     workers admit in parallel and two pods must not both take the last free room
     */
    synchronized Verdict admit(JsonNode pod) {
        String key = PodSpecs.key(pod);
        String uid = PodSpecs.uid(pod);
        Optional<StoredObject> rec = store.get(KIND, key);
        if (rec.isPresent() && uid.equals(rec.get().value().path("uid").asText())) {
            JsonNode v = rec.get().value();
            return new Verdict(v.path("admitted").asBoolean(), v.path("reason").asText(""), v.path("message").asText(""));
        }
        long cpu = requests(pod, true);
        long memory = requests(pod, false);
        long usedPods = 0;
        long usedCpu = 0;
        long usedMemory = 0;
        for (StoredObject o : store.list(KIND)) {
            if (!o.key().equals(key) && o.value().path("admitted").asBoolean()) {
                usedPods++;
                usedCpu += o.value().path("cpu").asLong();
                usedMemory += o.value().path("memory").asLong();
            }
        }
        Verdict v;
        if (usedPods + 1 > capacity.pods()) {
            v = rejected("pods", 1, usedPods, capacity.pods());
        } else if (cpu > 0 && usedCpu + cpu > capacity.milliCpu()) {
            v = rejected("cpu", cpu, usedCpu, capacity.milliCpu());
        } else if (memory > 0 && usedMemory + memory > capacity.memoryBytes()) {
            v = rejected("memory", memory, usedMemory, capacity.memoryBytes());
        } else {
            v = new Verdict(true, "", "");
        }
        ObjectNode r = JsonNodeFactory.instance.objectNode().put("uid", uid).put("admitted", v.admitted()).put("reason", v.reason())
                .put("message", v.message()).put("cpu", cpu).put("memory", memory);
        store.put(KIND, key, r, "");
        return v;
    }

    private static Verdict rejected(String resource, long requested, long used, long cap) {
        return new Verdict(false, "OutOf" + resource, "Pod was rejected: Node didn't have enough resource: " + resource
                + ", requested: " + requested + ", used: " + used + ", capacity: " + cap);
    }

    synchronized void forget(JsonNode pod) {
        Optional<StoredObject> rec = store.get(KIND, PodSpecs.key(pod));
        if (rec.isPresent() && PodSpecs.uid(pod).equals(rec.get().value().path("uid").asText())) {
            store.delete(KIND, PodSpecs.key(pod));
        }
    }

    /**
     * The pod's effective request, as the scheduler counts it: the larger of the sum over app
     * containers and the largest init container; a container with a limit but no request
     * requests its limit. CPU in millicores, memory in bytes.
     */
    static long requests(JsonNode pod, boolean cpu) {
        long sum = 0;
        for (JsonNode c : pod.path("spec").path("containers")) {
            sum += request(c, cpu);
        }
        long init = 0;
        for (JsonNode c : pod.path("spec").path("initContainers")) {
            init = Math.max(init, request(c, cpu));
        }
        return Math.max(sum, init);
    }

    private static long request(JsonNode c, boolean cpu) {
        String r = cpu ? "cpu" : "memory";
        JsonNode q = c.path("resources").path("requests").path(r);
        if (q.isMissingNode()) {
            q = c.path("resources").path("limits").path(r);
        }
        if (q.isMissingNode()) {
            return 0;
        }
        return cpu ? PodSpecs.milliCpu(q.asText()) : PodSpecs.bytes(q.asText());
    }
}
