package io.outpost.edge.pod;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.outpost.edge.meta.SqliteMetaStore;
import io.outpost.hub.api.Message;
import io.outpost.runtime.cri.CriRuntime;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pod manager against the real containerd of {@code .ci/containerd start} (busybox and pause
 * images built locally). Without it these tests fail and say so; they never skip.
 */
class PodManagerIT {
    @TempDir
    Path dir;

    private ContainerdFixture containerd;
    private CriRuntime runtime;
    private SqliteMetaStore store;
    private String run;
    private final List<Message> upstream = new CopyOnWriteArrayList<>();

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

    private PodManager manager() {
        return new PodManager(store, runtime, m -> "meta".equals(m.group()) || upstream.add(m), Clock.systemUTC(), PodManager.Capacity.ofThisMachine(), dir.resolve("pods"));
    }

    private ObjectNode pod(String name, String shell) throws Exception {
        ObjectNode p = PodManagerTest.pod(name, "Always");
        ((ObjectNode) p.get("metadata")).put("namespace", "it-" + run).put("uid", "uid-" + name + "-" + run);
        // A node of its own: other gateways and test runs share this containerd.
        ((ObjectNode) p.get("spec")).put("terminationGracePeriodSeconds", 2).put("nodeName", "it-node-" + run);
        ObjectNode c = (ObjectNode) p.at("/spec/containers/0");
        c.putArray("command").add("sh").add("-c").add(shell);
        c.remove("args");
        return p;
    }

    private Message msg(String op, JsonNode pod) {
        return Message.builder().operation(op).group("resource")
                .resource(pod.at("/metadata/namespace").asText() + "/pod/" + pod.at("/metadata/name").asText())
                .resourceVersion(pod.at("/metadata/resourceVersion").asText()).content(pod).build();
    }

    private JsonNode status(String name) {
        for (int i = upstream.size() - 1; i >= 0; i--) {
            if (upstream.get(i).resource().endsWith("/podstatus/" + name)) {
                return upstream.get(i).content().path("Status");
            }
        }
        throw new AssertionError("no status of " + name);
    }

    @Test
    void runsReadoptsAndStopsARealPod() throws Exception {
        ObjectNode p = pod("web", "echo started; sleep 3600");
        PodManager manager = manager();
        manager.accept("it-node-" + run, msg("insert", p));
        manager.reconcile();
        JsonNode st = status("web");
        assertEquals("Running", st.path("phase").asText(), st.toString());
        assertTrue(st.path("podIP").asText().startsWith("10.88."), st.toString());
        JsonNode cs = st.path("containerStatuses").get(0);
        String containerId = cs.path("containerID").asText();
        assertTrue(containerId.startsWith("containerd://"), cs.toString());
        assertTrue(cs.path("imageID").asText().startsWith("sha256:"), cs.toString());
        assertTrue(cs.path("state").has("running"), cs.toString());

        // A restarted gateway: new manager, same store; the container is adopted, not recreated.
        PodManager again = manager();
        upstream.clear();
        again.reconcile();
        assertEquals(containerId, status("web").path("containerStatuses").get(0).path("containerID").asText());
        assertEquals(0, status("web").path("containerStatuses").get(0).path("restartCount").asInt());

        // sleep as PID 1 ignores SIGTERM: it is killed after the 2 s grace period.
        ObjectNode deleting = p.deepCopy();
        ((ObjectNode) deleting.get("metadata")).put("deletionTimestamp", "2026-01-01T00:00:00Z").put("resourceVersion", "6");
        again.accept("it-node-" + run, msg("update", deleting));
        long t0 = System.nanoTime();
        again.reconcile();
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms >= 1500, "stopping should wait for the grace period, took " + ms + " ms");
        assertTrue(runtime.listPodSandboxes(Map.of(PodSpecs.LABEL_UID, PodSpecs.uid(p))).isEmpty());
        assertEquals("delete", upstream.get(upstream.size() - 1).operation());
    }

    @Test
    void anExitedContainerIsRestarted() throws Exception {
        ObjectNode p = pod("crash", "exit 3");
        PodManager manager = manager();
        manager.accept("it-node-" + run, msg("insert", p));
        manager.reconcile();
        long deadline = System.currentTimeMillis() + 20_000;
        int restarts = 0;
        while (restarts < 1 && System.currentTimeMillis() < deadline) {
            Thread.sleep(500);
            manager.reconcile();
            restarts = status("crash").path("containerStatuses").get(0).path("restartCount").asInt();
        }
        JsonNode cs = status("crash").path("containerStatuses").get(0);
        assertEquals(1, restarts, cs.toString());
        assertEquals(3, cs.path("lastState").path("terminated").path("exitCode").asInt(), cs.toString());
    }

    private Message object(String ns, String kind, String name, String rv, String json) throws Exception {
        JsonNode o = new com.fasterxml.jackson.databind.ObjectMapper().readTree(("{'metadata':{'namespace':'" + ns + "','name':'" + name
                + "','uid':'u-" + name + "'},'data':" + json + "}").replace('\'', '"'));
        return Message.builder().operation("insert").group("resource").resource(ns + "/" + kind + "/" + name).resourceVersion(rv)
                .content(o).build();
    }

    private String exec(String containerId, String... cmd) {
        return runtime.execSync(containerId.replace("containerd://", ""), List.of(cmd), Duration.ofSeconds(5)).stdoutText();
    }

    @Test
    void configMapEnvAndVolumeInitContainerAndAnEditSeenInTheRunningContainer() throws Exception {
        String ns = "it-" + run;
        ObjectNode p = pod("cfg", "sleep 3600");
        ObjectNode c = (ObjectNode) p.at("/spec/containers/0");
        c.putArray("env").addObject().put("name", "COLOR").putObject("valueFrom").putObject("configMapKeyRef").put("name", "settings")
                .put("key", "color");
        c.putArray("volumeMounts").addObject().put("name", "conf").put("mountPath", "/etc/app");
        ((ObjectNode) p.get("spec")).putArray("volumes").addObject().put("name", "conf").putObject("configMap").put("name", "settings");
        ObjectNode init = ((ObjectNode) p.get("spec")).putArray("initContainers").addObject().put("name", "prepare")
                .put("image", "outpost.local/busybox:1.0");
        init.putArray("command").add("sh").add("-c").add("cat /etc/app/color");
        init.putArray("volumeMounts").addObject().put("name", "conf").put("mountPath", "/etc/app");
        PodManager manager = manager();
        manager.accept("it-node-" + run, msg("insert", p));
        manager.reconcile();
        assertEquals("FailedMount", status("cfg").at("/initContainerStatuses/0/state/waiting/reason").asText(), status("cfg").toString());
        manager.accept("it-node-" + run, object(ns, "configmap", "settings", "1", "{'color':'blue'}"));
        long deadline = System.currentTimeMillis() + 30_000;
        while (!"Running".equals(status("cfg").path("phase").asText()) && System.currentTimeMillis() < deadline) {
            manager.reconcile();
            Thread.sleep(300);
        }
        JsonNode st = status("cfg");
        assertEquals("Running", st.path("phase").asText(), st.toString());
        assertEquals(0, st.at("/initContainerStatuses/0/state/terminated/exitCode").asInt(), st.toString());
        String id = st.at("/containerStatuses/0/containerID").asText();
        assertEquals("blue", exec(id, "sh", "-c", "printf %s \"$COLOR\""));
        assertEquals("blue", exec(id, "cat", "/etc/app/color"));
        manager.accept("it-node-" + run, object(ns, "configmap", "settings", "2", "{'color':'green'}"));
        manager.reconcile();
        assertEquals("green", exec(id, "cat", "/etc/app/color"), "the edit reaches the running container");
        assertEquals(id, status("cfg").at("/containerStatuses/0/containerID").asText(), "no restart");
    }

    @Test
    void aFailingExecLivenessProbeRestartsTheRealContainer() throws Exception {
        ObjectNode p = pod("live", "sleep 3600");
        ObjectNode probe = ((ObjectNode) p.at("/spec/containers/0")).putObject("livenessProbe");
        probe.putObject("exec").putArray("command").add("test").add("-f").add("/tmp/healthy");
        probe.put("periodSeconds", 1).put("failureThreshold", 1);
        PodManager manager = manager();
        manager.accept("it-node-" + run, msg("insert", p));
        long deadline = System.currentTimeMillis() + 30_000;
        while (status0(manager) < 1 && System.currentTimeMillis() < deadline) {
            manager.reconcile();
            Thread.sleep(500);
        }
        JsonNode cs = status("live").at("/containerStatuses/0");
        assertEquals(1, cs.path("restartCount").asInt(), cs.toString());
        assertTrue(cs.at("/lastState/terminated/message").asText().startsWith("Liveness probe failed: command [test, -f, /tmp/healthy] exited with 1"),
                cs.toString());
    }

    /**
     * Pod workers on a real pool against the real containerd: pods' sandboxes and containers are
     * made in parallel, every pod runs, each with a sandbox of its own (no pod synced twice at once
     * made two), and passes asked for meanwhile change nothing.
     */
    @Test
    void podWorkersStartManyPodsInParallel() throws Exception {
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            PodManager manager = new PodManager(store, runtime, m -> "meta".equals(m.group()) || upstream.add(m), Clock.systemUTC(), PodManager.Capacity.ofThisMachine(),
                    dir.resolve("pods"), pool, () -> { }, new PodWorkers(pool, 4));
            List<String> names = new java.util.ArrayList<>();
            for (int i = 0; i < 8; i++) {
                names.add("par-" + i);
                ObjectNode p = pod("par-" + i, "sleep 3600");
                ((ObjectNode) p.at("/spec/containers/0")).remove("resources"); // eight fit on a 2-core machine
                manager.accept("it-node-" + run, msg("insert", p));
            }
            long deadline = System.currentTimeMillis() + 60_000;
            while (System.currentTimeMillis() < deadline && !names.stream().allMatch(n -> running(n))) {
                manager.reconcile(); // passes while workers run: coalesced, never a second sandbox
                Thread.sleep(200);
            }
            for (String n : names) {
                assertTrue(running(n), () -> n + " runs: " + upstream.stream().filter(m -> m.resource().endsWith("/podstatus/" + n))
                        .reduce((x, y) -> y).map(m -> m.content().toString()).orElse("no status"));
                String uid = "uid-" + n + "-" + run;
                assertEquals(1, runtime.listPodSandboxes(Map.of(PodSpecs.LABEL_UID, uid)).size(), n + " has one sandbox");
            }
        } finally {
            pool.shutdownNow();
            pool.awaitTermination(30, java.util.concurrent.TimeUnit.SECONDS);
        }
    }

    private boolean running(String name) {
        try {
            return "Running".equals(status(name).path("phase").asText());
        } catch (AssertionError e) {
            return false;
        }
    }

    private int status0(PodManager m) {
        try {
            return status("live").at("/containerStatuses/0/restartCount").asInt();
        } catch (AssertionError e) {
            return 0;
        }
    }
}
