package io.outpost.pod.api;

import java.nio.file.Path;
import java.util.List;
import org.osgi.annotation.versioning.ProviderType;

/**
 * One container's log file, open for reading. Not thread-safe: one reader per caller. Every read
 * is bounded ({@link #MAX_READ_BYTES}, {@link LogLine#MAX_CONTENT_CHARS}), so a huge or malformed
 * file cannot exhaust memory.
 *
 * @since 0.1
 */
@ProviderType
public interface ContainerLog extends AutoCloseable {
    /** The most bytes one {@link #tail} or {@link #poll} reads from the file. */
    int MAX_READ_BYTES = 1024 * 1024;

    /** @return the file read */
    Path file();

    /**
     * The last lines of the log, and from then on {@link #poll} continues after them.
     *
     * @param lines how many, 1 or more; fewer when the file has fewer, or when they are longer
     *     than {@link #MAX_READ_BYTES} together
     * @return oldest first
     */
    List<LogLine> tail(int lines);

    /**
     * The lines written since the last call (or since the end at opening, or since {@link #tail}).
     * A partial line (CRI tag {@code P}) is held back until its end arrives. A file that shrank
     * (truncated or replaced) is read again from its start.
     *
     * @return oldest first; empty when nothing new
     */
    List<LogLine> poll();

    /** Closes the file. */
    @Override
    void close();
}
