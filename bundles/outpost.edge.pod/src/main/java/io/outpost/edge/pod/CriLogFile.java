package io.outpost.edge.pod;

import io.outpost.pod.api.ContainerLog;
import io.outpost.pod.api.LogLine;
import io.outpost.pod.api.PodException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a container log file in CRI's format, as containerd writes it: one record per line,
 * {@code <RFC 3339 time> <stdout|stderr> <tags> <content>}, where the first tag is {@code F} for
 * a full line or {@code P} for a part that the next record of the same stream continues
 * (containerd cuts lines at 16 KiB). Records that do not parse are skipped, as the kubelet does.
 * Every read is capped: {@link ContainerLog#MAX_READ_BYTES} per call, {@link #MAX_RECORD_BYTES}
 * per record, {@link LogLine#MAX_CONTENT_CHARS} per joined line. No OSGi.
 */
final class CriLogFile implements ContainerLog {
    /** Longest record kept whole; containerd's records are at most 16 KiB of content plus the header. */
    static final int MAX_RECORD_BYTES = 64 * 1024;
    private static final String TRUNCATED = "… [truncated]";

    private final Path file;
    private final FileChannel channel;
    private final int maxRead;
    private long position;
    /** Partial lines waiting for their end, per stream. */
    private final Map<String, Partial> partial = new HashMap<>();

    private static final class Partial {
        final Instant time;
        final StringBuilder text = new StringBuilder();
        boolean cut;

        Partial(Instant time) {
            this.time = time;
        }
    }

    /**
     * Opens the file, positioned at its end.
     *
     * @throws PodException NOT_FOUND when the file does not exist, IO when it cannot be read
     */
    static CriLogFile open(Path file) {
        return open(file, MAX_READ_BYTES);
    }

    static CriLogFile open(Path file, int maxRead) {
        try {
            return new CriLogFile(file, FileChannel.open(file, StandardOpenOption.READ), maxRead);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new PodException(PodException.Reason.NOT_FOUND, "no log file " + file + " (the container has not started yet, "
                    + "or it was started before the gateway wrote container logs)");
        } catch (IOException e) {
            throw new PodException(PodException.Reason.IO, "cannot read " + file + ": " + e.getMessage());
        }
    }

    private CriLogFile(Path file, FileChannel channel, int maxRead) throws IOException {
        this.file = file;
        this.channel = channel;
        this.maxRead = maxRead;
        this.position = channel.size();
    }

    @Override
    public Path file() {
        return file;
    }

    @Override
    public synchronized List<LogLine> tail(int lines) {
        if (lines < 1) {
            throw new PodException(PodException.Reason.BAD_REQUEST, "tail must be 1 or more lines");
        }
        try {
            long size = channel.size();
            long from = Math.max(0, size - maxRead);
            byte[] chunk = read(from, (int) (size - from));
            int start = 0;
            if (from > 0) {
                // the chunk starts inside a record: skip to the next one
                while (start < chunk.length && chunk[start] != '\n') {
                    start++;
                }
                start++;
            }
            partial.clear();
            List<LogLine> out = new ArrayList<>();
            position = from + parse(chunk, start, out, false);
            return out.size() <= lines ? out : new ArrayList<>(out.subList(out.size() - lines, out.size()));
        } catch (IOException e) {
            throw new PodException(PodException.Reason.IO, "cannot read " + file + ": " + e.getMessage());
        }
    }

    @Override
    public synchronized List<LogLine> poll() {
        try {
            long size = channel.size();
            if (size < position) {
                position = 0; // truncated or replaced: start over
                partial.clear();
            }
            if (size == position) {
                return List.of();
            }
            byte[] chunk = read(position, (int) Math.min(size - position, maxRead));
            List<LogLine> out = new ArrayList<>();
            // A chunk as large as a read without one record end in it is one over-long record: take it.
            position += parse(chunk, 0, out, chunk.length == maxRead);
            return out;
        } catch (IOException e) {
            throw new PodException(PodException.Reason.IO, "cannot read " + file + ": " + e.getMessage());
        }
    }

    /** Reads from the file's start at the next {@link #poll}: for a file that replaced a rotated one. */
    synchronized CriLogFile fromStart() {
        position = 0;
        partial.clear();
        return this;
    }

    @Override
    public synchronized void close() {
        try {
            channel.close();
        } catch (IOException e) {
            // nothing was written: nothing to lose
        }
    }

    private byte[] read(long from, int length) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(length);
        while (buf.hasRemaining()) {
            if (channel.read(buf, from + buf.position()) < 0) {
                break;
            }
        }
        byte[] b = new byte[buf.position()];
        buf.flip().get(b);
        return b;
    }

    /**
     * Parses the complete records of a chunk from {@code start} on.
     *
     * @param takeIncomplete whether a last record without its line end is taken too
     * @return the number of bytes of the chunk consumed (up to the end of the last record taken)
     */
    private int parse(byte[] chunk, int start, List<LogLine> out, boolean takeIncomplete) {
        int consumed = start;
        int i = start;
        while (i < chunk.length) {
            int end = i;
            while (end < chunk.length && chunk[end] != '\n') {
                end++;
            }
            if (end == chunk.length && !takeIncomplete) {
                break; // the writer is in the middle of this record
            }
            record(chunk, i, Math.min(end - i, MAX_RECORD_BYTES), out);
            i = end + 1;
            consumed = Math.min(i, chunk.length);
        }
        return consumed;
    }

    private void record(byte[] chunk, int off, int len, List<LogLine> out) {
        String rec = new String(chunk, off, len, StandardCharsets.UTF_8);
        int s1 = rec.indexOf(' ');
        int s2 = s1 < 0 ? -1 : rec.indexOf(' ', s1 + 1);
        int s3 = s2 < 0 ? -1 : rec.indexOf(' ', s2 + 1);
        if (s2 < 0) {
            return; // not a CRI record
        }
        Instant time;
        try {
            time = Instant.parse(rec.substring(0, s1));
        } catch (DateTimeParseException e) {
            return;
        }
        String stream = rec.substring(s1 + 1, s2);
        if (!stream.equals("stdout") && !stream.equals("stderr")) {
            return;
        }
        String tags = s3 < 0 ? rec.substring(s2 + 1) : rec.substring(s2 + 1, s3);
        String content = s3 < 0 ? "" : rec.substring(s3 + 1);
        boolean partialRecord = tags.split(":", 2)[0].equals("P");
        Partial p = partial.get(stream);
        if (p == null && !partialRecord) {
            out.add(new LogLine(time, stream, cap(content)));
            return;
        }
        if (p == null) {
            p = new Partial(time);
            partial.put(stream, p);
        }
        int room = LogLine.MAX_CONTENT_CHARS - p.text.length();
        if (content.length() > room) {
            p.text.append(content, 0, Math.max(0, room));
            p.cut = true;
        } else {
            p.text.append(content);
        }
        if (!partialRecord) {
            partial.remove(stream);
            out.add(new LogLine(p.time, stream, p.cut ? cap(p.text + TRUNCATED) : p.text.toString()));
        }
    }

    private static String cap(String s) {
        return s.length() <= LogLine.MAX_CONTENT_CHARS ? s : s.substring(0, LogLine.MAX_CONTENT_CHARS - TRUNCATED.length()) + TRUNCATED;
    }
}
