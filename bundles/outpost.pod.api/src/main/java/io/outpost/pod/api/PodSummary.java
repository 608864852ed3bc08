package io.outpost.pod.api;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A pod of this gateway, summed up as {@code kubectl get pods} shows it, with the whole object for
 * details.
 *
 * @param namespace its namespace
 * @param name its name
 * @param uid its uid
 * @param readyContainers how many containers are ready
 * @param containers the containers' names, in the spec's order
 * @param status kubectl's STATUS: the phase, or a container's reason ({@code CrashLoopBackOff},
 *     {@code ContainerCreating}, {@code Error}…), or {@code Terminating}
 * @param restarts restarts of all containers together
 * @param created the pod's creationTimestamp, or null when it has none
 * @param ip the pod's IP, or "" when it has none (yet)
 * @param pod the Pod as the cloud sent it, with {@code status} replaced by the pod manager's last
 *     one (absent before its first pass)
 * @since 0.1
 */
public record PodSummary(String namespace, String name, String uid, int readyContainers, List<String> containers, String status,
        int restarts, Instant created, String ip, JsonNode pod) {
    public PodSummary {
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(name, "name");
        containers = List.copyOf(containers);
        Objects.requireNonNull(status, "status");
        ip = ip == null ? "" : ip;
        Objects.requireNonNull(pod, "pod");
    }

    /** @return {@code <namespace>/<name>} */
    public String key() {
        return namespace + "/" + name;
    }
}
