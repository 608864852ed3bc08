package io.outpost.edge.pod;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.outpost.edge.meta.SqliteMetaStore;
import io.outpost.hub.api.Message;
import io.outpost.pod.api.ContainerLog;
import io.outpost.pod.api.PodException;
import io.outpost.pod.api.PodSummary;
import io.outpost.runtime.api.ContainerConfig;
import io.outpost.runtime.api.ContainerStatus;
import io.outpost.runtime.api.PodSandboxStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The pod manager with the log layout around its runtime, as the component wires it, and the view of its pods. */
class PodViewTest {
    @TempDir
    Path dir;

    private SqliteMetaStore store;
    private FakeRuntime runtime;
    private ContainerLogLayout layout;
    private PodView view;
    private PodManager manager;
    private boolean online;
    private final PodManagerTest.MutableClock clock = new PodManagerTest.MutableClock();

    @BeforeEach
    void setUp() {
        store = new SqliteMetaStore(dir.resolve("meta.db"));
        runtime = new FakeRuntime(clock);
        layout = new ContainerLogLayout(runtime, dir.resolve("pods/logs"));
        view = new PodView(store, layout, clock);
        manager = new PodManager(store, layout, m -> {
            view.observe(m);
            return online;
        }, clock);
    }

    @AfterEach
    void tearDown() {
        store.close();
    }

    private void insert(ObjectNode pod) {
        manager.accept("gw1", Message.builder().source("edgecontroller").group("resource").operation("insert")
                .resource("default/pod/" + pod.path("metadata").path("name").asText()).resourceVersion("5").content(pod).build());
    }

    private void pass() {
        manager.reconcile();
        view.afterPass();
    }

    @Test
    void containersGetTheKubeletsLogLayout() throws Exception {
        insert(PodManagerTest.pod("web", "Always"));
        pass();
        PodSandboxStatus sb = runtime.sandboxes.values().iterator().next();
        Path podDir = dir.resolve("pods/logs/default_web_uid-web").toAbsolutePath();
        assertTrue(Files.isDirectory(podDir), "the pod's log folder is created before the sandbox");
        ContainerStatus c = runtime.running("main");
        ContainerConfig cfg = runtime.configs.get(c.id());
        assertEquals("main/0.log", cfg.logPath());
        assertEquals(podDir, layout.containerLog("default", "web", "uid-web", "main", 0).getParent().getParent());
        assertEquals(sb.id(), c.podSandboxId());
    }

    @Test
    void listsPodsWithTheirLastStatusAlsoWhileTheCloudIsAway() throws Exception {
        online = false;
        insert(PodManagerTest.pod("web", "Always"));
        assertEquals("Pending", view.pods().get(0).status(), "before the first pass");
        pass();
        List<PodSummary> pods = view.pods();
        assertEquals(1, pods.size());
        PodSummary p = pods.get(0);
        assertEquals("default/web", p.key());
        assertEquals("Running", p.status());
        assertEquals(1, p.readyContainers());
        assertEquals(List.of("main"), p.containers());
        assertEquals(0, p.restarts());
        assertTrue(p.ip().startsWith("10.88."), p.ip());
        assertEquals("Running", p.pod().path("status").path("phase").asText());

        runtime.exit(runtime.running("main").id(), 3);
        pass(); // restarted at once
        runtime.exit(runtime.running("main").id(), 3);
        pass(); // now it waits
        PodSummary crashing = view.pod("default", "web").orElseThrow();
        assertEquals("CrashLoopBackOff", crashing.status());
        assertEquals(1, crashing.restarts());
        assertEquals(0, crashing.readyContainers());
    }

    @Test
    void readsTheCurrentAndThePreviousRunsLog() throws Exception {
        insert(PodManagerTest.pod("web", "Always"));
        pass();
        Path run0 = layout.containerLog("default", "web", "uid-web", "main", 0);
        Files.createDirectories(run0.getParent());
        Files.writeString(run0, "2026-11-27T10:00:00Z stdout F first run\n");
        try (ContainerLog log = view.log("default", "web", null, false)) {
            assertEquals("first run", log.tail(10).get(0).content());
        }
        assertEquals(PodException.Reason.NOT_FOUND, assertThrows(PodException.class, () -> view.log("default", "web", "main", true)).reason());

        runtime.exit(runtime.running("main").id(), 1);
        pass();
        Files.writeString(layout.containerLog("default", "web", "uid-web", "main", 1), "2026-11-27T10:00:05Z stdout F second run\n");
        try (ContainerLog log = view.log("default", "web", "main", false)) {
            assertEquals("second run", log.tail(10).get(0).content());
        }
        try (ContainerLog log = view.log("default", "web", "main", true)) {
            assertEquals("first run", log.tail(10).get(0).content());
        }
    }

    @Test
    void wrongNamesSayWhatExists() throws Exception {
        insert(PodManagerTest.pod("web", "Always"));
        pass();
        PodException e = assertThrows(PodException.class, () -> view.log("default", "nope", null, false));
        assertTrue(e.getMessage().contains("outpost:pods"), e.getMessage());
        e = assertThrows(PodException.class, () -> view.log("default", "web", "sidecar", false));
        assertTrue(e.getMessage().contains("it has main"), e.getMessage());
    }

    @Test
    void logsOfGonePodsAndOldRunsArePruned() throws Exception {
        Path gone = dir.resolve("pods/logs/default_old_uid-old/main");
        Files.createDirectories(gone);
        Files.writeString(gone.resolve("0.log"), "x");
        insert(PodManagerTest.pod("web", "Always"));
        pass();
        Path c = layout.containerLog("default", "web", "uid-web", "main", 0).getParent();
        Files.createDirectories(c); // containerd creates it with the first run's file
        for (int i = 0; i < 4; i++) {
            Files.writeString(c.resolve(i + ".log"), "x");
        }
        Files.writeString(c.resolve("notes.txt"), "not a run");
        clock.advance(Duration.ofMinutes(2));
        pass();
        assertFalse(Files.exists(gone.getParent()), "the folder of a pod the gateway no longer has");
        assertEquals(Set.of("2.log", "3.log", "notes.txt"), Set.of(c.toFile().list()));
    }
}
