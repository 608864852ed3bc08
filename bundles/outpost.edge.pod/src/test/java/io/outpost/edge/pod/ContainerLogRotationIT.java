package io.outpost.edge.pod;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.outpost.edge.meta.SqliteMetaStore;
import io.outpost.pod.api.ContainerLog;
import io.outpost.pod.api.LogLine;
import io.outpost.runtime.cri.CriRuntime;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Log rotation with the real containerd of {@code .ci/containerd start}: a container writes
 * numbered lines quickly, its log is rotated many times (rename + CRI ReopenContainerLog), at most
 * maxFiles files stay, no line is lost at a rotation, and a tail and a follower read across the
 * parts. Fails without containerd.
 */
class ContainerLogRotationIT {
    @TempDir
    Path dir;

    private ContainerdFixture containerd;
    private CriRuntime runtime;
    private SqliteMetaStore store;
    private String run;

    @BeforeEach
    void setUp() {
        containerd = new ContainerdFixture(dir);
        runtime = containerd.runtime;
        store = containerd.store;
        run = containerd.run;
    }

    @AfterEach
    void tearDown() {
        containerd.close();
    }

    private static int number(LogLine l) {
        String[] w = l.content().split(" ");
        return w.length >= 2 && w[0].equals("line") ? Integer.parseInt(w[1]) : -1;
    }

    private static void assertConsecutive(List<LogLine> lines, String what) {
        for (int i = 1; i < lines.size(); i++) {
            assertEquals(number(lines.get(i - 1)) + 1, number(lines.get(i)), what + ": a line lost or doubled at " + lines.get(i));
        }
    }

    @Test
    void containerdReopensTheRotatedLogAndReadersFollowAcrossTheParts() throws Exception {
        ContainerLogLayout layout = new ContainerLogLayout(runtime, dir.resolve("pods/logs"));
        PodView view = new PodView(store, layout, Clock.systemUTC());
        PodManager manager = containerd.podManager(layout, view);
        // about 100 lines of 100 bytes every 0.1 s: 32 KiB fill in about a third of a second
        containerd.startPod(manager, "chatty", "pad=$(printf '%090d' 0); i=0; while true; do j=0; while [ $j -lt 100 ]; do "
                + "i=$((i+1)); j=$((j+1)); echo \"line $i $pad\"; done; usleep 100000; done");
        Path log = layout.containerLog("it-" + run, "chatty", "uid-chatty-" + run, "main", 0);
        long deadline = System.currentTimeMillis() + 30_000;
        while (!(Files.exists(log) && Files.size(log) > 0) && System.currentTimeMillis() < deadline) {
            Thread.sleep(200);
            manager.reconcile();
        }
        assertTrue(Files.exists(log), "containerd writes " + log);

        // rotation with a time that moves a second each call: every rotation gets its own part name
        Instant[] now = {Instant.parse("2026-11-27T10:00:00Z")};
        ContainerLogRotation rotation = new ContainerLogRotation(runtime, layout, 32 * 1024, 3, new Clock() {
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
                now[0] = now[0].plusSeconds(1);
                return now[0];
            }
        });
        try (ContainerLog follower = view.log("it-" + run, "chatty", null, false)) {
            List<LogLine> followed = new ArrayList<>(follower.tail(1));
            int rotations = 0;
            while (rotations < 6 && System.currentTimeMillis() < deadline + 30_000) {
                Thread.sleep(300);
                rotations += rotation.rotateAll();
                followed.addAll(follower.poll());
            }
            assertTrue(rotations >= 6, "rotated " + rotations + " times");
            Thread.sleep(500);
            followed.addAll(follower.poll());
            assertConsecutive(followed, "the follower across " + rotations + " rotations");
            assertTrue(followed.size() > 500, "followed " + followed.size() + " lines");
        }
        List<Path> parts = RotatedContainerLog.parts(log);
        assertEquals(2, parts.size(), "maxFiles 3: two parts and the live file " + parts);
        assertTrue(Files.size(log) > 0, "containerd writes to the new file after ReopenContainerLog");
        assertTrue(Files.size(log) < 4L << 20, "and the live file is not the one that grows forever");

        // a tail longer than the live file continues into the parts, in order
        try (ContainerLog l = view.log("it-" + run, "chatty", null, false)) {
            List<LogLine> tail = l.tail(2000);
            long inLive;
            try (CriLogFile live = CriLogFile.open(log)) {
                inLive = live.tail(100_000).size();
            }
            assertTrue(tail.size() > inLive, "tail " + tail.size() + " lines, the live file " + inLive);
            assertConsecutive(tail, "the tail across the parts");
        }
        // nothing lost between the newest part and the live file
        try (CriLogFile newest = CriLogFile.open(parts.get(0)); CriLogFile live = CriLogFile.open(log)) {
            List<LogLine> a = newest.tail(1);
            List<LogLine> b = live.tail(100_000);
            assertEquals(number(a.get(0)) + 1, number(b.get(0)), "the live file starts where the part ended");
        }
    }
}
