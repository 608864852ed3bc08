package io.outpost.edge.pod;

import io.outpost.runtime.api.ContainerRuntime;
import io.outpost.runtime.api.ContainerRuntimeException;
import io.outpost.runtime.api.ContainerStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rotates the log files of running containers as the kubelet does ({@code containerLogMaxSize},
 * {@code containerLogMaxFiles}): a file over the size limit is renamed to {@code N.log.<time>},
 * the runtime is asked to reopen the log ({@link ContainerRuntime#reopenContainerLog}) so that
 * it writes a new {@code N.log}, and the oldest parts are deleted so that a container has at most
 * {@code maxFiles} files of its current run, the live one included. When the runtime cannot
 * reopen, the rename is undone (the runtime still writes to the renamed file). Only files of
 * containers this pod manager labelled are touched. Not thread-safe: one caller, the pod
 * manager's scheduler. No OSGi.
 */
final class ContainerLogRotation {
    private static final Logger LOG = LoggerFactory.getLogger(ContainerLogRotation.class);
    /** The kubelet's suffix format (UTC), so that parts sort by name in time order. */
    static final DateTimeFormatter SUFFIX = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss", Locale.ROOT).withZone(ZoneOffset.UTC);

    private final ContainerRuntime runtime;
    private final ContainerLogLayout layout;
    private final long maxBytes;
    private final int maxFiles;
    private final Clock clock;

    /**
     * @param maxBytes size from which a file is rotated, at least 1
     * @param maxFiles files kept per container run, the live one included; at least 2
     */
    ContainerLogRotation(ContainerRuntime runtime, ContainerLogLayout layout, long maxBytes, int maxFiles, Clock clock) {
        if (maxBytes < 1 || maxFiles < 2) {
            throw new IllegalArgumentException("containerLogMaxSize must be at least 1 byte and containerLogMaxFiles at least 2 (got "
                    + maxBytes + " bytes, " + maxFiles + " files)");
        }
        this.runtime = runtime;
        this.layout = layout;
        this.maxBytes = maxBytes;
        this.maxFiles = maxFiles;
        this.clock = clock;
    }

    /** The kubelet's default containerLogMaxSize, 10Mi. */
    static final long DEFAULT_MAX_BYTES = 10L << 20;

    /**
     * Parses a size as the kubelet's containerLogMaxSize: bytes, or a whole number with a binary
     * (Ki, Mi, Gi) or decimal (k, M, G) suffix.
     *
     * @throws IllegalArgumentException saying what is allowed
     */
    static long parseSize(String s) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\s*([0-9]{1,12})\\s*(Ki|Mi|Gi|k|K|M|G)?\\s*").matcher(s == null ? "" : s);
        if (!m.matches()) {
            throw new IllegalArgumentException("containerLogMaxSize '" + s + "' is not a size: use bytes or a whole number with Ki, Mi, Gi "
                    + "(or k, M, G), e.g. 10Mi");
        }
        long n = Long.parseLong(m.group(1));
        long unit = m.group(2) == null ? 1 : switch (m.group(2)) {
            case "Ki" -> 1L << 10;
            case "Mi" -> 1L << 20;
            case "Gi" -> 1L << 30;
            case "k", "K" -> 1000L;
            case "M" -> 1000_000L;
            default -> 1000_000_000L;
        };
        if (n < 1) {
            throw new IllegalArgumentException("containerLogMaxSize must be more than 0, e.g. 10Mi");
        }
        return Math.multiplyExact(n, unit);
    }

    /** {@link #parseSize}, or the default with a warning that says what to fix. */
    static long sizeOrDefault(String s) {
        try {
            return parseSize(s);
        } catch (IllegalArgumentException | ArithmeticException e) {
            LOG.warn("{} (pid io.outpost.edge.pod); rotating container logs at 10Mi", e.getMessage());
            return DEFAULT_MAX_BYTES;
        }
    }

    /**
     * Checks every running container of this pod manager once.
     *
     * @return how many files were rotated
     */
    int rotateAll() {
        int rotated = 0;
        for (ContainerStatus c : runtime.listContainers(null, Map.of())) {
            Map<String, String> l = c.labels();
            if (c.state() != ContainerStatus.State.RUNNING || !l.containsKey(PodSpecs.LABEL_UID) || !l.containsKey(PodSpecs.LABEL_CONTAINER)) {
                continue;
            }
            Path log = layout.containerLog(l.getOrDefault(PodSpecs.LABEL_NAMESPACE, ""), l.getOrDefault(PodSpecs.LABEL_NAME, ""),
                    l.get(PodSpecs.LABEL_UID), l.get(PodSpecs.LABEL_CONTAINER), c.attempt());
            try {
                if (Files.size(log) >= maxBytes && rotate(c.id(), log)) {
                    rotated++;
                }
            } catch (java.nio.file.NoSuchFileException e) {
                // not started yet, or written elsewhere (a container from before the log layout)
            } catch (IOException | RuntimeException e) {
                // one container's trouble must not stop the others' rotation; the next pass retries
                LOG.warn("cannot rotate the log {} of container {}: {}", log, c.id(), e.toString());
            }
        }
        return rotated;
    }

    /** Rotates one file; false when it was not (a part of the same second exists, or the runtime refused). */
    boolean rotate(String containerId, Path log) throws IOException {
        Path part = log.resolveSibling(log.getFileName() + "." + SUFFIX.format(clock.instant()));
        if (Files.exists(part)) {
            return false; // rotated in this second already
        }
        // Room for the part about to be made: keep maxFiles - 2 older parts (+ the new one + the live file).
        List<Path> parts = RotatedContainerLog.parts(log);
        for (Path old : parts.subList(Math.min(parts.size(), maxFiles - 2), parts.size())) {
            Files.deleteIfExists(old);
        }
        Files.move(log, part, StandardCopyOption.ATOMIC_MOVE);
        try {
            runtime.reopenContainerLog(containerId);
        } catch (ContainerRuntimeException e) {
            // The runtime still writes to the renamed file: give it its name back, or the live log
            // would look empty and grow unseen.
            try {
                Files.move(part, log, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException back) {
                LOG.warn("cannot rename {} back to {}: {}", part, log, back.toString());
            }
            LOG.warn("container {}: the runtime did not reopen its log, so {} was not rotated: {}", containerId, log, e.getMessage());
            return false;
        }
        LOG.debug("rotated {} to {}", log, part);
        return true;
    }
}
