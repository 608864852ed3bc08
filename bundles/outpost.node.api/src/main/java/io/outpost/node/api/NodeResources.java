package io.outpost.node.api;

import org.osgi.annotation.versioning.ProviderType;

/**
 * What this gateway offers pods, as its Node reports it: a service of the node status reporter.
 * The values follow the node's configuration ({@code io.outpost.edge.node}: {@code maxPods},
 * {@code reservedCpuMillis}, {@code reservedMemoryMiB}, {@code nodeIp}); the service is
 * registered again when that configuration changes, so a consumer with a static reference sees
 * the new values. Thread-safe; methods do not block on the network.
 *
 * @since 1.0
 */
@ProviderType
public interface NodeResources {
    /**
     * The node's allocatable resources: capacity less what is reserved — what the kubelet admits
     * pods against and what {@code status.allocatable} says.
     *
     * @param pods most pods at once ({@code maxPods})
     * @param milliCpu CPU in millicores (CPUs × 1000 − {@code reservedCpuMillis}), at least 0
     * @param memoryBytes memory in bytes (total − {@code reservedMemoryMiB}), at least 0
     * @since 1.0
     */
    record Allocatable(int pods, long milliCpu, long memoryBytes) {
    }

    /** @return the node's allocatable resources, never null */
    Allocatable allocatable();

    /**
     * @return the node's InternalIP (the configured {@code nodeIp}, else the first IPv4 address of
     *     an interface that is up and not loopback, else {@code 127.0.0.1}); never null or empty
     */
    String internalIp();
}
