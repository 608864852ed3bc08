package io.outpost.runtime.api;

import java.util.Objects;

/**
 * A call to the container runtime failed. The {@link #category()} says what kind of failure it is,
 * so that callers can decide without parsing messages (for example: a missing image is {@link
 * Category#NOT_FOUND} and becomes the pod status {@code ErrImagePull}; an unreachable runtime is
 * {@link Category#UNAVAILABLE} and becomes a node condition). The message is meant for people: it
 * names the object and, where the runtime said it, the runtime's own reason.
 *
 * <p>Unchecked, because every runtime call can fail for reasons outside the caller's control and
 * the pod manager handles them all in one place.
 *
 * @since 0.1.0
 */
public class ContainerRuntimeException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Kinds of failure. */
    public enum Category {
        /** The sandbox, container or image does not exist (a missing image also lands here). */
        NOT_FOUND,
        /** An object with that name or identity exists already. */
        ALREADY_EXISTS,
        /** The request is malformed or not allowed in the object's current state: fix the request. */
        INVALID,
        /** The runtime cannot be reached (socket missing, connection refused, runtime restarting). Retry later. */
        UNAVAILABLE,
        /** The runtime did not answer within the call's timeout. The operation may still complete. */
        TIMEOUT,
        /** The runtime does not implement the operation. */
        UNSUPPORTED,
        /** The runtime answered something the provider could not understand (too large, malformed). */
        PROTOCOL,
        /** Any other failure reported by the runtime (for example a pull that the registry refused). */
        FAILED
    }

    private final Category category;

    /**
     * @param category what kind of failure; not {@code null}
     * @param message what failed and why, for people; not {@code null}
     */
    public ContainerRuntimeException(Category category, String message) {
        this(category, message, null);
    }

    /**
     * @param category what kind of failure; not {@code null}
     * @param message what failed and why, for people; not {@code null}
     * @param cause the underlying failure, or {@code null}
     */
    public ContainerRuntimeException(Category category, String message, Throwable cause) {
        super(Objects.requireNonNull(message, "message"), cause);
        this.category = Objects.requireNonNull(category, "category");
    }

    /** @return what kind of failure this is; never {@code null} */
    public Category category() {
        return category;
    }
}
