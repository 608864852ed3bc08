package io.outpost.pod.api;

import java.time.Instant;
import java.util.Objects;

/**
 * One line of a container's output, partial CRI lines joined.
 *
 * @param time when the runtime wrote it (the first part's time for joined lines)
 * @param stream {@code stdout} or {@code stderr}
 * @param content the text without its line break; at most {@link #MAX_CONTENT_CHARS} characters
 *     (longer lines are cut and end with {@code "… [truncated]"})
 * @since 0.1
 */
public record LogLine(Instant time, String stream, String content) {
    /** The longest line kept; the rest of a longer one is dropped. */
    public static final int MAX_CONTENT_CHARS = 64 * 1024;

    public LogLine {
        Objects.requireNonNull(time, "time");
        Objects.requireNonNull(stream, "stream");
        Objects.requireNonNull(content, "content");
    }
}
