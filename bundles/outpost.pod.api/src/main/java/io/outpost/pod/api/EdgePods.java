package io.outpost.pod.api;

import java.util.List;
import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The pods of this gateway and their containers' logs. Registered by the pod manager while it
 * runs. Thread-safe; no method blocks on the container runtime (statuses are the pod manager's
 * last ones, logs are files on this host).
 *
 * @since 0.1
 */
@ProviderType
public interface EdgePods {
    /** @return every pod bound to this gateway, sorted by namespace and name; never null */
    List<PodSummary> pods();

    /** @return the pod, or empty when this gateway does not have it */
    Optional<PodSummary> pod(String namespace, String name);

    /**
     * Opens the log of a container, as the container runtime writes it (CRI's log format, one
     * file per run of the container).
     *
     * @param namespace the pod's namespace
     * @param name the pod's name
     * @param container the container's name; null or empty for the pod's only container
     * @param previous the run before the current one (after a restart), as {@code kubectl logs -p}
     * @return a reader positioned at the end of the file; the caller closes it
     * @throws PodException NOT_FOUND for an unknown pod or container, or a log that does not exist
     *     (yet); BAD_REQUEST when the pod has several containers and none was named
     */
    ContainerLog log(String namespace, String name, String container, boolean previous);
}
