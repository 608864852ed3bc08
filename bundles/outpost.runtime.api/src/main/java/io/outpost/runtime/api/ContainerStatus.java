package io.outpost.runtime.api;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * The state of a container (CRI {@code ContainerStatus}).
 *
 * @param id the runtime's id
 * @param podSandboxId the sandbox it runs in; empty when the runtime did not say (status calls)
 * @param name the container's name, from its metadata
 * @param attempt its attempt number (the restart count it was created with)
 * @param state created, running, exited or unknown
 * @param createdAt when it was created
 * @param startedAt when it started, or {@code null} when it has not
 * @param finishedAt when it exited, or {@code null} when it has not
 * @param exitCode its exit code; meaningful only when {@code finishedAt} is set (128 + signal
 *     number when a signal ended it)
 * @param reason a CamelCase reason for the state, such as {@code Completed}, {@code Error} or
 *     {@code OOMKilled}; empty when none
 * @param message a human-readable detail; empty when none
 * @param image the image it was created from, as given
 * @param imageRef the image's id or digest on the runtime
 * @param labels the labels it was created with
 * @param annotations the annotations it was created with
 * @since 0.1.0
 */
public record ContainerStatus(
        String id,
        String podSandboxId,
        String name,
        int attempt,
        State state,
        Instant createdAt,
        Instant startedAt,
        Instant finishedAt,
        int exitCode,
        String reason,
        String message,
        String image,
        String imageRef,
        Map<String, String> labels,
        Map<String, String> annotations) {

    public ContainerStatus {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(createdAt, "createdAt");
        podSandboxId = Copies.orEmpty(podSandboxId);
        name = Copies.orEmpty(name);
        reason = Copies.orEmpty(reason);
        message = Copies.orEmpty(message);
        image = Copies.orEmpty(image);
        imageRef = Copies.orEmpty(imageRef);
        labels = Copies.map(labels);
        annotations = Copies.map(annotations);
    }

    /** Container states. */
    public enum State { CREATED, RUNNING, EXITED, UNKNOWN }
}
