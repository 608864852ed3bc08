package io.outpost.edge.pod;

import io.outpost.pod.api.ContainerLog;
import io.outpost.pod.api.LogLine;
import io.outpost.pod.api.PodException;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * A container's log read across rotation ({@link ContainerLogRotation}): the current file
 * {@code N.log} and the parts rotation renamed to {@code N.log.<time>}. A tail that the current
 * file cannot fill continues into the newest parts; a follower notices when the file was renamed
 * away (another file at the same name), reads what was left in the old one, then the new one
 * from its start. No OSGi.
 */
final class RotatedContainerLog implements ContainerLog {
    private final Path file;
    private CriLogFile current;
    private Object currentKey;

    private RotatedContainerLog(Path file, CriLogFile current, Object key) {
        this.file = file;
        this.current = current;
        this.currentKey = key;
    }

    /**
     * Opens the log at its end.
     *
     * @throws PodException NOT_FOUND when neither the file nor a rotated part exists
     */
    static ContainerLog open(Path file) {
        Object key = key(file);
        if (key == null) {
            List<Path> parts = parts(file);
            if (!parts.isEmpty()) {
                // renamed, not reopened yet (a moment during rotation) or the run ended right after
                // a rotation: what there is to read is in the newest part
                return new RotatedContainerLog(file, CriLogFile.open(parts.get(0)), key(parts.get(0)));
            }
        }
        return new RotatedContainerLog(file, CriLogFile.open(file), key);
    }

    /** @return the rotated parts of a log file, newest first */
    static List<Path> parts(Path file) {
        List<Path> parts = new ArrayList<>();
        String prefix = file.getFileName() + ".";
        Path dir = file.toAbsolutePath().getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            return parts;
        }
        try (DirectoryStream<Path> all = Files.newDirectoryStream(dir, f -> {
            String n = f.getFileName().toString();
            return n.startsWith(prefix) && !n.endsWith(".tmp") && !n.endsWith(".gz");
        })) {
            all.forEach(parts::add);
        } catch (IOException e) {
            return parts; // the current file alone is still worth showing
        }
        // the suffix is a time stamp that sorts as text
        parts.sort(Comparator.comparing((Path p) -> p.getFileName().toString()).reversed());
        return parts;
    }

    private static Object key(Path p) {
        try {
            Object k = Files.readAttributes(p, BasicFileAttributes.class).fileKey();
            return k == null ? p : k;
        } catch (IOException e) {
            return null;
        }
    }

    @Override
    public Path file() {
        return file;
    }

    @Override
    public synchronized List<LogLine> tail(int lines) {
        List<LogLine> out = current.tail(lines);
        if (out.size() >= lines) {
            return out;
        }
        List<LogLine> all = new ArrayList<>(out);
        for (Path part : parts(file)) {
            if (all.size() >= lines) {
                break;
            }
            if (Objects.equals(key(part), currentKey)) {
                continue; // the file being read was renamed to this part
            }
            try (CriLogFile older = CriLogFile.open(part)) {
                all.addAll(0, older.tail(lines - all.size()));
            } catch (PodException e) {
                // deleted by rotation meanwhile: the tail is shorter
            }
        }
        return all;
    }

    @Override
    public synchronized List<LogLine> poll() {
        List<LogLine> out = new ArrayList<>(current.poll());
        Object now = key(file);
        if (now != null && !now.equals(currentKey)) {
            // rotated: the old file is complete now (the runtime writes only to the new one)
            out.addAll(current.poll());
            current.close();
            current = CriLogFile.open(file).fromStart();
            currentKey = now;
            out.addAll(current.poll());
        }
        return out;
    }

    @Override
    public synchronized void close() {
        current.close();
    }
}
