package io.outpost.edge.pod;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.outpost.pod.api.LogLine;
import io.outpost.pod.api.PodException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CriLogFileTest {
    @TempDir
    Path dir;

    private Path file(String content) throws Exception {
        Path f = dir.resolve("0.log");
        Files.writeString(f, content);
        return f;
    }

    private static void append(Path f, String s) throws Exception {
        Files.writeString(f, s, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
    }

    private static List<String> texts(List<LogLine> l) {
        return l.stream().map(LogLine::content).toList();
    }

    @Test
    void readsFullAndPartialRecordsOfBothStreams() throws Exception {
        Path f = file("2026-11-27T10:00:00.123456789Z stdout F hello from outpost\n"
                + "2026-11-27T10:00:01Z stdout P first half, \n"
                + "2026-11-27T10:00:01.5Z stderr F an error\n"
                + "2026-11-27T10:00:02Z stdout F second half\n"
                + "2026-11-27T10:00:03Z stdout F \n");
        try (CriLogFile log = CriLogFile.open(f)) {
            List<LogLine> lines = log.tail(100);
            assertEquals(List.of("hello from outpost", "an error", "first half, second half", ""), texts(lines));
            assertEquals(new LogLine(Instant.parse("2026-11-27T10:00:00.123456789Z"), "stdout", "hello from outpost"), lines.get(0));
            assertEquals("stderr", lines.get(1).stream());
            assertEquals(Instant.parse("2026-11-27T10:00:01Z"), lines.get(2).time(), "a joined line has its first part's time");
        }
    }

    @Test
    void tailGivesTheLastLinesAndFollowGoesOnFromThere() throws Exception {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < 50; i++) {
            b.append("2026-11-27T10:00:00Z stdout F line ").append(i).append('\n');
        }
        Path f = file(b.toString());
        try (CriLogFile log = CriLogFile.open(f)) {
            assertEquals(List.of("line 47", "line 48", "line 49"), texts(log.tail(3)));
            assertEquals(List.of(), log.poll());
            append(f, "2026-11-27T10:00:05Z stdout F line 50\n2026-11-27T10:00:05Z stdout F line 5");
            assertEquals(List.of("line 50"), texts(log.poll()), "a record the writer has not ended is held back");
            append(f, "1\n2026-11-27T10:00:06Z stdout P par");
            assertEquals(List.of("line 51"), texts(log.poll()));
            append(f, "t\n2026-11-27T10:00:06Z stdout F ial\n");
            assertEquals(List.of("partial"), texts(log.poll()));
        }
    }

    @Test
    void openingStartsAtTheEnd() throws Exception {
        Path f = file("2026-11-27T10:00:00Z stdout F old\n");
        try (CriLogFile log = CriLogFile.open(f)) {
            assertEquals(List.of(), log.poll());
            append(f, "2026-11-27T10:00:01Z stdout F new\n");
            assertEquals(List.of("new"), texts(log.poll()));
        }
    }

    @Test
    void aTruncatedFileIsReadFromItsStart() throws Exception {
        Path f = file("2026-11-27T10:00:00Z stdout F one\n2026-11-27T10:00:00Z stdout F two\n");
        try (CriLogFile log = CriLogFile.open(f)) {
            log.tail(10);
            Files.writeString(f, "2026-11-27T10:00:09Z stdout F fresh\n");
            assertEquals(List.of("fresh"), texts(log.poll()));
        }
    }

    @Test
    void malformedRecordsAreSkipped() throws Exception {
        Path f = file("garbage without spaces\nnot-a-time stdout F x\n2026-11-27T10:00:00Z weird F x\n\n"
                + "2026-11-27T10:00:00Z stdout F kept\n\u0000\u0001\u0002 \n");
        try (CriLogFile log = CriLogFile.open(f)) {
            assertEquals(List.of("kept"), texts(log.tail(10)));
        }
    }

    @Test
    void readsAreCapped() throws Exception {
        // a tail reads at most maxRead bytes from the end
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < 100; i++) {
            b.append("2026-11-27T10:00:00Z stdout F ").append("x".repeat(70)).append(i).append('\n');
        }
        Path f = file(b.toString());
        try (CriLogFile log = CriLogFile.open(f, 1000)) {
            List<LogLine> lines = log.tail(1000);
            assertTrue(lines.size() <= 10 && lines.size() >= 9, "about 1000 bytes of ~103-byte records: " + lines.size());
            assertTrue(lines.get(lines.size() - 1).content().endsWith("99"));
            // a record longer than a read, without its end: taken cut, not held forever
            append(f, "2026-11-27T10:00:01Z stdout F " + "y".repeat(5000));
            List<LogLine> big = log.poll();
            assertEquals(1, big.size());
            assertTrue(big.get(0).content().length() < 1000);
        }
    }

    @Test
    void endlessPartialLinesAreCutAtTheLineCap() throws Exception {
        Path f = file("");
        try (CriLogFile log = CriLogFile.open(f)) {
            String part = "2026-11-27T10:00:00Z stdout P " + "z".repeat(16 * 1024) + "\n";
            for (int i = 0; i < 6; i++) {
                append(f, part);
                assertEquals(List.of(), log.poll());
            }
            append(f, "2026-11-27T10:00:00Z stdout F end\n");
            List<LogLine> l = log.poll();
            assertEquals(1, l.size());
            assertEquals(LogLine.MAX_CONTENT_CHARS, l.get(0).content().length());
            assertTrue(l.get(0).content().endsWith("[truncated]"));
        }
    }

    @Test
    void aMissingFileSaysSo() {
        PodException e = assertThrows(PodException.class, () -> CriLogFile.open(dir.resolve("nope.log")));
        assertEquals(PodException.Reason.NOT_FOUND, e.reason());
        assertTrue(e.getMessage().contains("has not started yet"), e.getMessage());
    }
}
