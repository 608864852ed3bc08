package io.outpost.edge.pod;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.outpost.pod.api.ContainerLog;
import io.outpost.pod.api.LogLine;
import io.outpost.pod.api.PodException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RotatedContainerLogTest {
    @TempDir
    Path dir;

    private static String records(int from, int to) {
        StringBuilder b = new StringBuilder();
        for (int i = from; i <= to; i++) {
            b.append("2026-11-27T10:00:00.000000000Z stdout F line ").append(i).append('\n');
        }
        return b.toString();
    }

    private static List<String> text(List<LogLine> lines) {
        return lines.stream().map(LogLine::content).toList();
    }

    @Test
    void aTailContinuesIntoTheRotatedPartsNewestFirst() throws Exception {
        Path log = dir.resolve("0.log");
        Files.writeString(dir.resolve("0.log.20261127-100000"), records(1, 3));
        Files.writeString(dir.resolve("0.log.20261127-100010"), records(4, 6));
        Files.writeString(log, records(7, 8));
        Files.writeString(dir.resolve("0.log.20261127-100020.tmp"), records(100, 101)); // not a part
        try (ContainerLog l = RotatedContainerLog.open(log)) {
            assertEquals(List.of("line 7", "line 8"), text(l.tail(2)));
            assertEquals(List.of("line 4", "line 5", "line 6", "line 7", "line 8"), text(l.tail(5)));
            assertEquals(List.of("line 1", "line 2", "line 3", "line 4", "line 5", "line 6", "line 7", "line 8"), text(l.tail(100)));
        }
    }

    @Test
    void aFollowerReadsTheRestOfTheRenamedFileThenTheNewOne() throws Exception {
        Path log = dir.resolve("0.log");
        Files.writeString(log, records(1, 2));
        try (ContainerLog l = RotatedContainerLog.open(log)) {
            assertEquals(List.of("line 2"), text(l.tail(1)));
            Files.writeString(log, records(3, 3), StandardOpenOption.APPEND);
            // rotation: rename, then the runtime opens a new file and writes to it; the old one got a last line first
            Files.writeString(log, records(4, 4), StandardOpenOption.APPEND);
            Files.move(log, dir.resolve("0.log.20261127-100000"));
            Files.writeString(log, records(5, 6));
            assertEquals(List.of("line 3", "line 4", "line 5", "line 6"), text(l.poll()));
            Files.writeString(log, records(7, 7), StandardOpenOption.APPEND);
            assertEquals(List.of("line 7"), text(l.poll()));
        }
    }

    @Test
    void betweenRenameAndReopenTheNewestPartIsRead() throws Exception {
        Path log = dir.resolve("0.log");
        Files.writeString(dir.resolve("0.log.20261127-100000"), records(1, 2));
        try (ContainerLog l = RotatedContainerLog.open(log)) {
            assertEquals(List.of("line 1", "line 2"), text(l.tail(10)));
        }
        assertThrows(PodException.class, () -> RotatedContainerLog.open(dir.resolve("9.log")));
    }
}
