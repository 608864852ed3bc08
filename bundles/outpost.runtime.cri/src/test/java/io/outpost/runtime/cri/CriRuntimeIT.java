package io.outpost.runtime.cri;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.outpost.runtime.api.ContainerConfig;
import io.outpost.runtime.api.ContainerConfig.EnvVar;
import io.outpost.runtime.api.ContainerRuntime;
import io.outpost.runtime.api.ContainerRuntimeException;
import io.outpost.runtime.api.ContainerRuntimeException.Category;
import io.outpost.runtime.api.ContainerStatus;
import io.outpost.runtime.api.ExecResult;
import io.outpost.runtime.api.ImageInfo;
import io.outpost.runtime.api.PodSandboxConfig;
import io.outpost.runtime.api.PodSandboxStatus;
import io.outpost.runtime.api.RuntimeHealth;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Against the real containerd that {@code .ci/containerd start} runs (with the locally built
 * busybox and pause images). Without it these tests fail, saying so: they never skip.
 */
class CriRuntimeIT {
    static final String BUSYBOX = "outpost.local/busybox:1.0";
    /** The CNI range of .ci/containerd.d/10-outpost.conflist. */
    static final String POD_SUBNET_PREFIX = "10.88.";

    static CriRuntime runtime;
    final String run = UUID.randomUUID().toString().substring(0, 8);
    final List<String> sandboxes = new ArrayList<>();

    @TempDir
    Path logs;

    @BeforeAll
    static void connect() {
        String socket = System.getenv("OUTPOST_CRI_SOCKET");
        if (socket == null || socket.isBlank()) {
            socket = System.getProperty("outpost.cri.socket", "/run/outpost-containerd/containerd.sock");
        }
        assertTrue(Files.exists(Path.of(socket)), "containerd's CRI socket " + socket
                + " does not exist: run `.ci/containerd start` (as root) before these tests, "
                + "or set OUTPOST_CRI_SOCKET / -Doutpost.cri.socket to your containerd's socket");
        runtime = new CriRuntime(new CriRuntime.Settings(Path.of(socket), Duration.ofSeconds(3),
                Duration.ofSeconds(60), 16 * 1024 * 1024));
    }

    @AfterAll
    static void close() {
        if (runtime != null) {
            runtime.close();
        }
    }

    @AfterEach
    void removeSandboxes() {
        for (String id : sandboxes) {
            runtime.stopPodSandbox(id);
            runtime.removePodSandbox(id);
        }
    }

    PodSandboxConfig sandbox(String name) {
        return new PodSandboxConfig(name + "-" + run, UUID.randomUUID().toString(), "outpost-it", 0, name,
                logs.toString(), null, List.of(), Map.of("outpost.test", run), Map.of("note", "from CriRuntimeIT"),
                false);
    }

    String runSandbox(PodSandboxConfig config) {
        String id = runtime.runPodSandbox(config);
        sandboxes.add(id);
        return id;
    }

    @Test
    void versionAndHealth() {
        ContainerRuntime.RuntimeVersion v = runtime.version();
        assertEquals("containerd", v.runtimeName());
        assertEquals("v1", v.runtimeApiVersion());
        assertFalse(v.runtimeVersion().isEmpty());
        RuntimeHealth health = runtime.health();
        assertTrue(health.runtimeReady(), health.problems());
        assertTrue(health.networkReady(), "CNI not ready: " + health.problems());
        assertTrue(health.ready());
    }

    @Test
    void imagesBuiltLocallyAreThere() {
        ImageInfo busybox = runtime.imageStatus(BUSYBOX);
        assertNotNull(busybox, BUSYBOX + " missing: .ci/containerd start imports it");
        assertTrue(busybox.id().startsWith("sha256:"), busybox.id());
        assertTrue(busybox.repoTags().contains(BUSYBOX), busybox.repoTags().toString());
        assertTrue(busybox.sizeBytes() > 0);
        assertTrue(runtime.listImages().stream().anyMatch(i -> i.id().equals(busybox.id())));
        assertNull(runtime.imageStatus("outpost.local/never-built:0"));
    }

    @Test
    void podWithNetworkRunsAContainerThatHonoursSigterm() throws Exception {
        PodSandboxConfig pod = sandbox("web");
        String sandboxId = runSandbox(pod);

        PodSandboxStatus sandbox = runtime.podSandboxStatus(sandboxId);
        assertEquals(PodSandboxStatus.State.READY, sandbox.state());
        assertEquals(pod.name(), sandbox.name());
        assertEquals(pod.uid(), sandbox.uid());
        assertEquals("outpost-it", sandbox.namespace());
        assertTrue(sandbox.ip().startsWith(POD_SUBNET_PREFIX), "pod IP from the CNI bridge, was '" + sandbox.ip() + "'");
        assertTrue(InetAddress.getByName(sandbox.ip()).isSiteLocalAddress());
        assertEquals(run, sandbox.labels().get("outpost.test"));
        assertEquals("from CriRuntimeIT", sandbox.annotations().get("note"));
        assertTrue(runtime.listPodSandboxes(Map.of("outpost.test", run)).stream().anyMatch(s -> s.id().equals(sandboxId)));

        // The script prints its env and argument, then waits; SIGTERM ends it with 42 (so an exit
        // code of 42 proves the runtime sent SIGTERM and waited, not SIGKILL).
        String script = "trap 'echo terminated; exit 42' TERM; echo \"$GREETING $1\"; "
                + "while true; do sleep 1 & wait $!; done";
        ContainerConfig app = new ContainerConfig("app", 0, BUSYBOX, List.of("/bin/sh", "-c"),
                List.of(script, "sh", "world"), List.of(new EnvVar("GREETING", "hello"), new EnvVar("EMPTY", "")),
                List.of(), "/tmp", ContainerConfig.Resources.memory(64L * 1024 * 1024), Map.of("outpost.test", run),
                Map.of(), "app.log");
        String containerId = runtime.createContainer(sandboxId, app, pod);
        assertEquals(ContainerStatus.State.CREATED, runtime.containerStatus(containerId).state());
        runtime.startContainer(containerId);

        ContainerStatus running = runtime.containerStatus(containerId);
        assertEquals(ContainerStatus.State.RUNNING, running.state());
        assertEquals("app", running.name());
        assertNotNull(running.startedAt());
        assertNull(running.finishedAt());
        assertTrue(running.imageRef().startsWith("sha256:"), running.imageRef());
        assertTrue(runtime.listContainers(sandboxId, Map.of()).stream()
                .anyMatch(c -> c.id().equals(containerId) && c.podSandboxId().equals(sandboxId)));

        ExecResult env = runtime.execSync(containerId, List.of("sh", "-c", "echo $GREETING; pwd; cat /sys/fs/cgroup/memory/memory.limit_in_bytes"),
                Duration.ofSeconds(10));
        assertEquals(0, env.exitCode(), env.stderrText());
        assertEquals(List.of("hello", "/tmp", String.valueOf(64L * 1024 * 1024)), env.stdoutText().lines().toList(),
                "env, working dir and memory limit seen inside the container");
        ExecResult failing = runtime.execSync(containerId, List.of("sh", "-c", "echo oops >&2; exit 3"), Duration.ofSeconds(10));
        assertEquals(3, failing.exitCode());
        assertEquals("oops\n", failing.stderrText());

        long t0 = System.nanoTime();
        runtime.stopContainer(containerId, Duration.ofSeconds(20));
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        assertTrue(took.compareTo(Duration.ofSeconds(15)) < 0, "SIGTERM honoured, not the grace period waited out: " + took);
        ContainerStatus exited = runtime.containerStatus(containerId);
        assertEquals(ContainerStatus.State.EXITED, exited.state());
        assertEquals(42, exited.exitCode(), "the trap's exit code, after SIGTERM");
        assertNotNull(exited.finishedAt());
        assertFalse(exited.finishedAt().isBefore(exited.startedAt()));
        assertEquals("Error", exited.reason());

        String log = waitForLog(logs.resolve("app.log"), "terminated");
        assertTrue(log.contains(" stdout F hello world"), "CRI log with the args and env: " + log);

        runtime.stopContainer(containerId, Duration.ZERO); // idempotent
        runtime.removeContainer(containerId);
        ContainerRuntimeException gone = assertThrows(ContainerRuntimeException.class, () -> runtime.containerStatus(containerId));
        assertEquals(Category.NOT_FOUND, gone.category(), gone.getMessage());
        runtime.removeContainer(containerId); // idempotent

        runtime.stopPodSandbox(sandboxId);
        assertEquals(PodSandboxStatus.State.NOT_READY, runtime.podSandboxStatus(sandboxId).state());
        runtime.removePodSandbox(sandboxId);
        ContainerRuntimeException noSandbox = assertThrows(ContainerRuntimeException.class, () -> runtime.podSandboxStatus(sandboxId));
        assertEquals(Category.NOT_FOUND, noSandbox.category(), noSandbox.getMessage());
    }

    @Test
    void gracePeriodEndsWithSigkill() {
        PodSandboxConfig pod = sandbox("stubborn");
        String sandboxId = runSandbox(pod);
        ContainerConfig stubborn = new ContainerConfig("stubborn", 0, BUSYBOX, List.of("/bin/sh", "-c"),
                List.of("trap '' TERM; while true; do sleep 1; done"), List.of(), List.of(), "", null, Map.of(), Map.of(), "");
        String id = runtime.createContainer(sandboxId, stubborn, pod);
        runtime.startContainer(id);
        long t0 = System.nanoTime();
        runtime.stopContainer(id, Duration.ofSeconds(2));
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        ContainerStatus exited = runtime.containerStatus(id);
        assertEquals(ContainerStatus.State.EXITED, exited.state());
        assertEquals(137, exited.exitCode(), "killed by SIGKILL (128 + 9) after the grace period");
        assertTrue(took.compareTo(Duration.ofMillis(1900)) >= 0, "waited the grace period first: " + took);
    }

    @Test
    void containerOfAMissingImageIsNotFound() {
        PodSandboxConfig pod = sandbox("missing");
        String sandboxId = runSandbox(pod);
        ContainerRuntimeException e = assertThrows(ContainerRuntimeException.class, () -> runtime.createContainer(
                sandboxId, ContainerConfig.of("app", "outpost.local/does-not-exist:1"), pod));
        assertEquals(Category.NOT_FOUND, e.category(), e.getMessage());
        assertTrue(e.getMessage().contains("outpost.local/does-not-exist:1"), e.getMessage());
    }

    @Test
    void pullFromARegistryThatRefusesFailsClearly() {
        long t0 = System.nanoTime();
        ContainerRuntimeException e = assertThrows(ContainerRuntimeException.class,
                () -> runtime.pullImage("127.0.0.1:1/outpost/nothing:1", null, Duration.ofSeconds(30)));
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        assertTrue(e.category() == Category.FAILED || e.category() == Category.UNAVAILABLE
                || e.category() == Category.NOT_FOUND, e.category() + ": " + e.getMessage());
        assertTrue(e.getMessage().contains("127.0.0.1:1"), e.getMessage());
        assertTrue(took.compareTo(Duration.ofSeconds(30)) < 0, "a refused connection fails at once: " + took);
    }

    @Test
    void pullFromARegistryThatNeverAnswersEndsAtItsTimeout() throws Exception {
        // A registry that accepts connections and then says nothing: without a deadline the pull
        // would wait for ever. (Unroutable addresses are refused at once on the CI machines.)
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread acceptor = new Thread(() -> {
                List<Socket> held = new ArrayList<>();
                try {
                    while (true) {
                        held.add(silent.accept());
                    }
                } catch (IOException closed) {
                    held.forEach(s -> {
                        try {
                            s.close();
                        } catch (IOException ignored) {
                            // closing anyway
                        }
                    });
                }
            }, "silent-registry");
            acceptor.setDaemon(true);
            acceptor.start();
            String image = "127.0.0.1:" + silent.getLocalPort() + "/outpost/nothing:1";
            long t0 = System.nanoTime();
            ContainerRuntimeException e = assertThrows(ContainerRuntimeException.class,
                    () -> runtime.pullImage(image, null, Duration.ofSeconds(3)));
            Duration took = Duration.ofNanos(System.nanoTime() - t0);
            assertEquals(Category.TIMEOUT, e.category(), e.getMessage());
            assertTrue(e.getMessage().contains("PullImage " + image), e.getMessage());
            assertTrue(took.compareTo(Duration.ofSeconds(2)) > 0 && took.compareTo(Duration.ofSeconds(7)) < 0,
                    "ended by the 3 s timeout: " + took);
        }
    }

    static String waitForLog(Path file, String marker) throws IOException, InterruptedException {
        for (int i = 0; i < 50; i++) {
            if (Files.exists(file)) {
                String s = Files.readString(file);
                if (s.contains(marker)) {
                    return s;
                }
            }
            Thread.sleep(100);
        }
        return Files.exists(file) ? Files.readString(file) : "(no log file " + file + ")";
    }
}
