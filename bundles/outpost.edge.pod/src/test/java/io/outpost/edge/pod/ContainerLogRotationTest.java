package io.outpost.edge.pod;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.outpost.runtime.api.ContainerRuntime;
import io.outpost.runtime.api.ContainerRuntimeException;
import io.outpost.runtime.api.ContainerStatus;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rotation's file handling with a stand-in runtime that answers ReopenContainerLog as containerd
 * does (a new empty file at the log path). ContainerLogRotationIT does it with containerd.
 */
class ContainerLogRotationTest {
    @TempDir
    Path dir;

    private final List<String> reopened = new ArrayList<>();
    private Instant now = Instant.parse("2026-11-27T10:00:00Z");
    private boolean refuse;

    private ContainerStatus container(String id, ContainerStatus.State state, Map<String, String> labels) {
        return new ContainerStatus(id, "sb", "main", 0, state, Instant.EPOCH, null, null, 0, "", "", "img", "img", labels, Map.of());
    }

    private ContainerRuntime runtime(ContainerLogLayout[] layout, List<ContainerStatus> containers) {
        return (ContainerRuntime) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {ContainerRuntime.class}, (p, m, a) -> {
            switch (m.getName()) {
                case "listContainers":
                    return containers;
                case "reopenContainerLog":
                    if (refuse) {
                        throw new ContainerRuntimeException(ContainerRuntimeException.Category.INVALID, "container is not running");
                    }
                    reopened.add((String) a[0]);
                    Files.createFile(layout[0].containerLog("ns", "web", "u1", "main", 0));
                    return null;
                default:
                    throw new UnsupportedOperationException(m.getName());
            }
        });
    }

    private static Map<String, String> labels() {
        return Map.of(PodSpecs.LABEL_UID, "u1", PodSpecs.LABEL_NAMESPACE, "ns", PodSpecs.LABEL_NAME, "web", PodSpecs.LABEL_CONTAINER, "main");
    }

    private ContainerLogRotation rotation(ContainerLogLayout[] layout, List<ContainerStatus> containers, int maxFiles) {
        layout[0] = new ContainerLogLayout(runtime(layout, containers), dir);
        Clock clock = new Clock() {
            @Override
            public java.time.ZoneId getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(java.time.ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return now;
            }
        };
        return new ContainerLogRotation(layout[0], layout[0], 100, maxFiles, clock);
    }

    @Test
    void aFileOverTheLimitIsRenamedReopenedAndTheOldestPartsGo() throws Exception {
        ContainerLogLayout[] layout = new ContainerLogLayout[1];
        ContainerLogRotation r = rotation(layout, List.of(container("c1", ContainerStatus.State.RUNNING, labels())), 3);
        Path log = layout[0].containerLog("ns", "web", "u1", "main", 0);
        Files.createDirectories(log.getParent());
        Files.writeString(log, "x".repeat(99));
        assertEquals(0, r.rotateAll(), "under the limit");
        for (int i = 1; i <= 4; i++) {
            Files.writeString(log, "round " + i + " " + "x".repeat(120));
            assertEquals(1, r.rotateAll());
            now = now.plus(Duration.ofSeconds(10));
        }
        assertEquals(List.of("c1", "c1", "c1", "c1"), reopened);
        assertEquals(0, Files.size(log), "the runtime writes to a new file");
        List<Path> parts = RotatedContainerLog.parts(log);
        assertEquals(2, parts.size(), "3 files at most, the live one included: " + parts);
        assertEquals("0.log.20261127-100030", parts.get(0).getFileName().toString());
        assertTrue(Files.readString(parts.get(0)).startsWith("round 4"));
        assertTrue(Files.readString(parts.get(1)).startsWith("round 3"), "the oldest went first");
    }

    @Test
    void whenTheRuntimeCannotReopenTheFileKeepsItsName() throws Exception {
        ContainerLogLayout[] layout = new ContainerLogLayout[1];
        ContainerLogRotation r = rotation(layout, List.of(container("c1", ContainerStatus.State.RUNNING, labels())), 5);
        Path log = layout[0].containerLog("ns", "web", "u1", "main", 0);
        Files.createDirectories(log.getParent());
        Files.writeString(log, "x".repeat(200));
        refuse = true;
        assertEquals(0, r.rotateAll());
        assertEquals(200, Files.size(log), "renamed back: the runtime still writes there");
        assertTrue(RotatedContainerLog.parts(log).isEmpty());
    }

    @Test
    void containersNotRunningOrNotOursAreLeftAlone() throws Exception {
        ContainerLogLayout[] layout = new ContainerLogLayout[1];
        ContainerLogRotation r = rotation(layout, List.of(container("exited", ContainerStatus.State.EXITED, labels()),
                container("foreign", ContainerStatus.State.RUNNING, Map.of("app", "other"))), 5);
        Path log = layout[0].containerLog("ns", "web", "u1", "main", 0);
        Files.createDirectories(log.getParent());
        Files.writeString(log, "x".repeat(200));
        assertEquals(0, r.rotateAll());
        assertTrue(reopened.isEmpty());
        assertFalse(Files.size(log) == 0);
    }

    @Test
    void sizesAreReadAsTheKubeletDoesAndBadOnesSayWhatToWrite() {
        assertEquals(10L << 20, ContainerLogRotation.parseSize("10Mi"));
        assertEquals(512L << 10, ContainerLogRotation.parseSize("512Ki"));
        assertEquals(5000, ContainerLogRotation.parseSize("5k"));
        assertEquals(2_000_000, ContainerLogRotation.parseSize("2M"));
        assertEquals(1L << 30, ContainerLogRotation.parseSize("1Gi"));
        assertEquals(4096, ContainerLogRotation.parseSize("4096"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ContainerLogRotation.parseSize("10MB"));
        assertTrue(e.getMessage().contains("e.g. 10Mi"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ContainerLogRotation.parseSize("0"));
        assertThrows(IllegalArgumentException.class, () -> ContainerLogRotation.parseSize("-1Mi"));
        assertThrows(IllegalArgumentException.class, () -> ContainerLogRotation.parseSize(null));
        assertEquals(ContainerLogRotation.DEFAULT_MAX_BYTES, ContainerLogRotation.sizeOrDefault("lots"));
        assertThrows(IllegalArgumentException.class, () -> new ContainerLogRotation(null, null, 100, 1, Clock.systemUTC()));
    }

    @Test
    void pruningKeepsTheRotatedPartsOfTheKeptRunsOnly() throws Exception {
        ContainerLogLayout layout = new ContainerLogLayout(null, dir);
        Path c = layout.containerLog("ns", "web", "u1", "main", 0).getParent();
        Files.createDirectories(c);
        for (String f : List.of("0.log", "0.log.20261127-100000", "1.log", "1.log.20261127-100000", "2.log", "2.log.20261127-100000", "notes")) {
            Files.writeString(c.resolve(f), "x");
        }
        layout.prune(java.util.Set.of("u1"));
        try (var files = Files.list(c)) {
            assertEquals(List.of("1.log", "1.log.20261127-100000", "2.log", "2.log.20261127-100000", "notes"),
                    files.map(p -> p.getFileName().toString()).sorted().toList());
        }
    }
}
