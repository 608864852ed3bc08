package io.outpost.runtime.api;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The state of a pod sandbox (CRI {@code PodSandboxStatus}).
 *
 * @param id the runtime's id
 * @param name the pod's name, from the sandbox's metadata
 * @param uid the pod's uid
 * @param namespace the pod's namespace
 * @param attempt the sandbox's attempt number
 * @param state ready or not
 * @param createdAt when the sandbox was created
 * @param ip the pod's primary IP address; empty with host network, when the network is gone, or
 *     in lists
 * @param additionalIps further IP addresses (for example IPv6)
 * @param labels the labels it was created with
 * @param annotations the annotations it was created with
 * @since 0.1.0
 */
public record PodSandboxStatus(
        String id,
        String name,
        String uid,
        String namespace,
        int attempt,
        State state,
        Instant createdAt,
        String ip,
        List<String> additionalIps,
        Map<String, String> labels,
        Map<String, String> annotations) {

    public PodSandboxStatus {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(createdAt, "createdAt");
        name = Copies.orEmpty(name);
        uid = Copies.orEmpty(uid);
        namespace = Copies.orEmpty(namespace);
        ip = Copies.orEmpty(ip);
        additionalIps = Copies.list(additionalIps);
        labels = Copies.map(labels);
        annotations = Copies.map(annotations);
    }

    /** Sandbox states. */
    public enum State {
        /** Running, with its network set up. */
        READY,
        /** Stopped, or broken: its containers cannot run. */
        NOT_READY
    }
}
