package io.outpost.runtime.api;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.osgi.annotation.versioning.ProviderType;

/**
 * A container runtime: runs pod sandboxes (the shared network namespace and IP of a pod) and the
 * containers in them, manages images, and reports its own health. The operations and their
 * semantics are those of the Kubernetes CRI v1 {@code RuntimeService} and {@code ImageService}, so
 * the pod manager can drive it the way the kubelet drives its runtime.
 *
 * <p><b>Threading</b>: implementations are thread-safe. Every method blocks until the runtime
 * answered or a timeout passed: either the timeout given as an argument or, where there is none,
 * the provider's configured request timeout. Never call from an I/O event loop.
 *
 * <p><b>Errors</b>: every method throws {@link ContainerRuntimeException} when the call fails; its
 * {@linkplain ContainerRuntimeException#category() category} says why. {@code
 * IllegalArgumentException} or {@code NullPointerException} mean a caller bug (an argument
 * documented as required was missing or out of range).
 *
 * <p><b>Idempotence</b>: stop and remove operations succeed when the object is already stopped or
 * removed, as in CRI, so that a pod manager can repeat them after a restart without bookkeeping.
 *
 * <p><b>Identity</b>: ids are assigned by the runtime and stable for the object's life, also
 * across restarts of the gateway; a pod manager finds its objects again by the labels it set.
 *
 * <p>Runtimes implement this interface; the pod manager only calls it (so a method added here is a
 * minor version change for consumers).
 *
 * @since 0.1.0
 */
@ProviderType
public interface ContainerRuntime {

    // --- runtime -------------------------------------------------------------------------------

    /**
     * @return the runtime's name and versions
     * @throws ContainerRuntimeException {@code UNAVAILABLE} when the runtime cannot be reached
     */
    RuntimeVersion version();

    /**
     * The runtime's own view of its health, for the gateway's node conditions. Unlike the other
     * methods this one does not throw when the runtime is unreachable: it returns a health that is
     * not ready and says why.
     *
     * @return the runtime's health; never {@code null}
     */
    RuntimeHealth health();

    // --- pod sandboxes -------------------------------------------------------------------------

    /**
     * Creates and starts a pod sandbox: its network namespace with an IP from the runtime's
     * network plugin (unless {@linkplain PodSandboxConfig#hostNetwork() host network}), and the
     * sandbox's own pause process. Returns when the sandbox is ready.
     *
     * @param config the sandbox; its metadata (name, uid, namespace, attempt) must be unique
     * @return the runtime's id of the new sandbox
     * @throws ContainerRuntimeException {@code NOT_FOUND} when the sandbox image is missing,
     *     {@code ALREADY_EXISTS} when a sandbox with the same metadata exists
     */
    String runPodSandbox(PodSandboxConfig config);

    /**
     * Stops every process of the sandbox (containers are killed) and releases its network
     * (IP address). Idempotent.
     *
     * @param podSandboxId the sandbox
     */
    void stopPodSandbox(String podSandboxId);

    /**
     * Removes the sandbox and its containers (forcibly, when they still run). Idempotent.
     *
     * @param podSandboxId the sandbox
     */
    void removePodSandbox(String podSandboxId);

    /**
     * @param podSandboxId the sandbox
     * @return its status, including its IP addresses
     * @throws ContainerRuntimeException {@code NOT_FOUND} when there is no such sandbox
     */
    PodSandboxStatus podSandboxStatus(String podSandboxId);

    /**
     * @param labelSelector labels a sandbox must all carry (exact values); empty for all
     * @return the matching sandboxes, ready or not; their {@link PodSandboxStatus#ip()} is empty
     *     (listing does not report networks: ask {@link #podSandboxStatus(String)})
     */
    List<PodSandboxStatus> listPodSandboxes(Map<String, String> labelSelector);

    // --- containers ----------------------------------------------------------------------------

    /**
     * Creates a container in a sandbox, from an image that must already be present (see {@link
     * #pullImage(String, RegistryAuth, Duration)}). The container is not started.
     *
     * @param podSandboxId the sandbox that was created from {@code sandboxConfig}
     * @param config the container
     * @param sandboxConfig the configuration the sandbox was created with (CRI needs it again)
     * @return the runtime's id of the new container
     * @throws ContainerRuntimeException {@code NOT_FOUND} when the image or the sandbox does not
     *     exist; {@code INVALID} for a configuration the runtime refuses
     */
    String createContainer(String podSandboxId, ContainerConfig config, PodSandboxConfig sandboxConfig);

    /**
     * Starts a created container.
     *
     * @param containerId the container
     * @throws ContainerRuntimeException {@code NOT_FOUND} when there is no such container;
     *     {@code FAILED} when its process could not be started (for example a command that does
     *     not exist in the image)
     */
    void startContainer(String containerId);

    /**
     * Stops a container: sends its stop signal (SIGTERM unless the image says otherwise), waits up
     * to {@code gracePeriod} for it to exit, then kills it (SIGKILL). Returns when it has exited.
     * Idempotent.
     *
     * @param containerId the container
     * @param gracePeriod how long to wait before killing, at least zero (zero kills at once);
     *     rounded up to whole seconds, as CRI counts in seconds
     */
    void stopContainer(String containerId, Duration gracePeriod);

    /**
     * Removes a container (killing it when it still runs). Idempotent.
     *
     * @param containerId the container
     */
    void removeContainer(String containerId);

    /**
     * @param containerId the container
     * @return its status
     * @throws ContainerRuntimeException {@code NOT_FOUND} when there is no such container
     */
    ContainerStatus containerStatus(String containerId);

    /**
     * @param podSandboxId only the containers of this sandbox, or {@code null} for every sandbox
     * @param labelSelector labels a container must all carry (exact values); empty for all
     * @return the matching containers in every state; their times other than {@code createdAt},
     *     exit code, reason and message are not filled in (ask {@link #containerStatus(String)})
     */
    List<ContainerStatus> listContainers(String podSandboxId, Map<String, String> labelSelector);

    /**
     * Runs a command in a running container and waits for it, as exec probes do.
     *
     * @param containerId a running container
     * @param command the command and its arguments; not empty
     * @param timeout how long the command may run (rounded up to whole seconds); at least one
     *     second
     * @return its exit code and output (each stream capped by the runtime, 16 MiB with containerd)
     * @throws ContainerRuntimeException {@code TIMEOUT} when it ran longer than {@code timeout};
     *     {@code NOT_FOUND} when there is no such container
     */
    ExecResult execSync(String containerId, List<String> command, Duration timeout);

    /**
     * Makes the runtime close the container's log file and open it again at its log path (CRI
     * {@code ReopenContainerLog}). Log rotation renames the file first; the runtime then writes
     * to a new file at the old name. Runtimes without logs keep the default, which refuses.
     *
     * @param containerId a running container
     * @throws ContainerRuntimeException {@code NOT_FOUND} for an unknown container, {@code
     *     INVALID} when it is not running, {@code UNSUPPORTED} when the runtime cannot
     * @since 0.2.0
     */
    default void reopenContainerLog(String containerId) {
        throw new ContainerRuntimeException(ContainerRuntimeException.Category.UNSUPPORTED,
                "this container runtime cannot reopen container logs (CRI ReopenContainerLog)");
    }

    // --- images --------------------------------------------------------------------------------

    /**
     * Pulls an image from its registry.
     *
     * @param image a reference such as {@code registry.example.com/app:1.2} or with a digest
     * @param auth credentials for the registry, or {@code null} for anonymous
     * @param timeout how long the pull may take in total
     * @return the image's id on this runtime (what {@link ImageInfo#id()} and {@link
     *     ContainerStatus#imageRef()} report)
     * @throws ContainerRuntimeException {@code TIMEOUT} when the pull took longer than {@code
     *     timeout} (the runtime may go on pulling); {@code FAILED} or {@code NOT_FOUND} when the
     *     registry could not be reached or has no such image
     */
    String pullImage(String image, RegistryAuth auth, Duration timeout);

    /**
     * @param image a reference or an image id
     * @return the image, or {@code null} when it is not present on this runtime
     */
    ImageInfo imageStatus(String image);

    /** @return every image present on this runtime */
    List<ImageInfo> listImages();

    /**
     * Removes an image (all its tags). Idempotent.
     *
     * @param image a reference or an image id
     */
    void removeImage(String image);

    // --- records -------------------------------------------------------------------------------

    /**
     * @param runtimeName for example {@code containerd}
     * @param runtimeVersion for example {@code 1.6.20~ds1}
     * @param runtimeApiVersion the CRI version the runtime speaks, for example {@code v1}
     */
    record RuntimeVersion(String runtimeName, String runtimeVersion, String runtimeApiVersion) {}

    /**
     * Credentials for a registry.
     *
     * @param username user name, or {@code null}
     * @param password password, or {@code null}
     * @param identityToken an identity token, or {@code null} (instead of user and password)
     */
    record RegistryAuth(String username, String password, String identityToken) {
        @Override
        public String toString() {
            return "RegistryAuth[username=" + username + ", password=***, identityToken=***]";
        }
    }
}
