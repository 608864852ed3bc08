package io.outpost.runtime.api;

import java.util.List;
import java.util.Map;

/**
 * What a container is created from (CRI {@code ContainerConfig}).
 *
 * @param name the container's name in its pod; not blank
 * @param attempt how many times this container was created in its sandbox before, from 0 (the
 *     pod's restart count)
 * @param image the image, a reference or an image id, present on the runtime; not blank
 * @param command the entrypoint; empty for the image's
 * @param args the arguments; empty for the image's (when {@code command} is empty too)
 * @param env environment variables, in order (later ones may refer to earlier ones)
 * @param mounts host paths mounted into the container
 * @param workingDir the working directory; empty for the image's
 * @param resources CPU and memory limits, or {@code null} for none
 * @param labels labels to find the container by
 * @param annotations opaque values returned unchanged in the status
 * @param logPath the log file, relative to the sandbox's log directory; empty for none
 * @since 0.1.0
 */
public record ContainerConfig(
        String name,
        int attempt,
        String image,
        List<String> command,
        List<String> args,
        List<EnvVar> env,
        List<Mount> mounts,
        String workingDir,
        Resources resources,
        Map<String, String> labels,
        Map<String, String> annotations,
        String logPath) {

    public ContainerConfig {
        Copies.require(name, "name");
        Copies.require(image, "image");
        if (attempt < 0) {
            throw new IllegalArgumentException("attempt must be >= 0, was " + attempt);
        }
        command = Copies.list(command);
        args = Copies.list(args);
        env = Copies.list(env);
        mounts = Copies.list(mounts);
        workingDir = Copies.orEmpty(workingDir);
        labels = Copies.map(labels);
        annotations = Copies.map(annotations);
        logPath = Copies.orEmpty(logPath);
    }

    /**
     * A container with only its name and image: the image's command, no limits.
     *
     * @param name the container's name
     * @param image the image
     * @return the configuration
     */
    public static ContainerConfig of(String name, String image) {
        return new ContainerConfig(name, 0, image, List.of(), List.of(), List.of(), List.of(), "", null,
                Map.of(), Map.of(), "");
    }

    /**
     * An environment variable.
     *
     * @param name its name; not blank
     * @param value its value; {@code null} becomes empty
     */
    public record EnvVar(String name, String value) {
        public EnvVar {
            Copies.require(name, "name");
            value = Copies.orEmpty(value);
        }
    }

    /**
     * A host path mounted into the container.
     *
     * @param containerPath absolute path in the container; not blank
     * @param hostPath absolute path on the host; not blank
     * @param readOnly mount read-only
     */
    public record Mount(String containerPath, String hostPath, boolean readOnly) {
        public Mount {
            Copies.require(containerPath, "containerPath");
            Copies.require(hostPath, "hostPath");
        }
    }

    /**
     * Linux resource limits (cgroups). Zero means "not set" for every field, as in CRI.
     *
     * @param cpuShares relative CPU weight (the kubelet gives {@code millicores * 1024 / 1000},
     *     at least 2); 0 for the default
     * @param cpuQuotaMicros CFS quota in microseconds per period; 0 for no limit
     * @param cpuPeriodMicros CFS period in microseconds (the kubelet uses 100000); 0 for the
     *     default
     * @param memoryLimitBytes memory limit in bytes; 0 for no limit
     */
    public record Resources(long cpuShares, long cpuQuotaMicros, long cpuPeriodMicros, long memoryLimitBytes) {
        public Resources {
            if (cpuShares < 0 || cpuQuotaMicros < 0 || cpuPeriodMicros < 0 || memoryLimitBytes < 0) {
                throw new IllegalArgumentException("resources must not be negative: " + cpuShares + "/"
                        + cpuQuotaMicros + "/" + cpuPeriodMicros + "/" + memoryLimitBytes);
            }
        }

        /**
         * @param memoryLimitBytes memory limit in bytes
         * @return only a memory limit
         */
        public static Resources memory(long memoryLimitBytes) {
            return new Resources(0, 0, 0, memoryLimitBytes);
        }
    }

    /**
     * @param newAttempt the attempt number of the copy
     * @return a copy with another attempt number (for a restart)
     */
    public ContainerConfig withAttempt(int newAttempt) {
        return new ContainerConfig(name, newAttempt, image, command, args, env, mounts, workingDir, resources,
                labels, annotations, logPath);
    }
}
