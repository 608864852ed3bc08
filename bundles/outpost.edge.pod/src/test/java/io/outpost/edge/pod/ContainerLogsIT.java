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
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Container logs with the real containerd of {@code .ci/containerd start}: the pod manager with
 * the kubelet's log layout around the runtime, containerd writing CRI's format, the pod view
 * reading it — tail, follow, and the previous run after a restart. Fails without containerd.
 */
class ContainerLogsIT {
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

    @Test
    void containerdWritesTheLogsWhereTheViewReadsThem() throws Exception {
        ContainerLogLayout layout = new ContainerLogLayout(runtime, dir.resolve("pods/logs"));
        PodView view = new PodView(store, layout, Clock.systemUTC());
        PodManager manager = containerd.podManager(layout, view);
        // each run prints for about 6 s and exits with 3; the first restart comes at once
        containerd.startPod(manager, "talker", "echo started; echo oops >&2; i=0; while [ $i -lt 20 ]; do i=$((i+1)); "
                + "echo line $i; sleep 0.3; done; exit 3");

        Path first = layout.containerLog("it-" + run, "talker", "uid-talker-" + run, "main", 0);
        long deadline = System.currentTimeMillis() + 20_000;
        while (!(Files.exists(first) && Files.readString(first).contains("oops") && Files.readString(first).contains("started")) && System.currentTimeMillis() < deadline) {
            Thread.sleep(200);
        }
        try (ContainerLog log = view.log("it-" + run, "talker", null, false)) {
            List<LogLine> tail = log.tail(10);
            // containerd copies stdout and stderr separately: their order in the file is not the program's
            assertTrue(tail.stream().anyMatch(l -> l.stream().equals("stdout") && l.content().equals("started")), tail.toString());
            assertTrue(tail.stream().anyMatch(l -> l.stream().equals("stderr") && l.content().equals("oops")), tail.toString());
        }

        // the container exits with 3 and is restarted: restartCount 1, a new file; the old one is the previous run
        int restarts = 0;
        while (restarts < 1 && System.currentTimeMillis() < deadline + 20_000) {
            Thread.sleep(500);
            manager.reconcile();
            restarts = view.pod("it-" + run, "talker").orElseThrow().restarts();
        }
        assertEquals(1, restarts);
        assertTrue(Files.exists(layout.containerLog("it-" + run, "talker", "uid-talker-" + run, "main", 1)));
        try (ContainerLog previous = view.log("it-" + run, "talker", "main", true)) {
            List<LogLine> before = previous.tail(100);
            assertTrue(before.stream().anyMatch(l -> l.content().equals("started")), before.toString());
            assertEquals("line 20", before.get(before.size() - 1).content(), before.toString());
        }
        try (ContainerLog current = view.log("it-" + run, "talker", "main", false)) {
            current.tail(1);
            List<String> followed = new ArrayList<>();
            long until = System.currentTimeMillis() + 10_000;
            while (followed.size() < 3 && System.currentTimeMillis() < until) {
                Thread.sleep(300);
                current.poll().forEach(l -> followed.add(l.content()));
            }
            assertTrue(followed.size() >= 3, "new lines while following: " + followed);
            assertTrue(followed.get(0).startsWith("line "), followed.toString());
        }
    }
}
