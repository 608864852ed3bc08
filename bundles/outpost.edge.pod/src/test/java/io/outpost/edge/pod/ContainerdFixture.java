package io.outpost.edge.pod;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.outpost.edge.meta.SqliteMetaStore;
import io.outpost.hub.api.Message;
import io.outpost.runtime.api.PodSandboxStatus;
import io.outpost.runtime.cri.CriRuntime;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;

/**
 * What the pod manager's integration tests share: the real containerd of {@code .ci/containerd
 * start} (socket from {@code OUTPOST_CRI_SOCKET}, else the {@code outpost.cri.socket} property,
 * else the development one), a real SQLite meta store, and a run id whose namespace
 * ({@code it-<run>}) marks this run's sandboxes, which {@link #close()} removes — other gateways
 * and test runs share the containerd. Without the socket the test fails and says how to start it;
 * it never skips.
 */
final class ContainerdFixture implements AutoCloseable {
    final CriRuntime runtime;
    final SqliteMetaStore store;
    final String run = UUID.randomUUID().toString().substring(0, 8);

    ContainerdFixture(Path dir) {
        String socket = System.getenv("OUTPOST_CRI_SOCKET");
        if (socket == null || socket.isBlank()) {
            socket = System.getProperty("outpost.cri.socket", "/run/outpost-containerd/containerd.sock");
        }
        assertTrue(Files.exists(Path.of(socket)), "containerd's CRI socket " + socket
                + " does not exist: run `.ci/containerd start` (as root) first, or set OUTPOST_CRI_SOCKET");
        runtime = new CriRuntime(new CriRuntime.Settings(Path.of(socket), Duration.ofSeconds(3), Duration.ofSeconds(60), 16 << 20));
        store = new SqliteMetaStore(dir.resolve("meta.db"));
    }

    /** @return the namespace of this run's pods */
    String namespace() {
        return "it-" + run;
    }

    /** A pod manager whose statuses feed {@code view}, as the component wires them, on {@code layout}'s logs. */
    PodManager podManager(ContainerLogLayout layout, PodView view) {
        return new PodManager(store, layout, m -> {
            view.observe(m);
            return true;
        }, Clock.systemUTC());
    }

    /**
     * Hands {@code manager} pod {@code name} of this run's namespace (uid {@code uid-<name>-<run>}),
     * its one container running {@code script} with {@code sh -c}, and runs one pass.
     */
    void startPod(PodManager manager, String name, String script) throws Exception {
        ObjectNode p = PodManagerTest.pod(name, "Always");
        ((ObjectNode) p.get("metadata")).put("namespace", namespace()).put("uid", "uid-" + name + "-" + run);
        ObjectNode c = (ObjectNode) p.at("/spec/containers/0");
        c.putArray("command").add("sh").add("-c").add(script);
        c.remove("args");
        manager.accept("gw1", Message.builder().operation("insert").group("resource").resource(namespace() + "/pod/" + name)
                .resourceVersion("5").content(p).build());
        manager.reconcile();
    }

    @Override
    public void close() {
        try {
            for (PodSandboxStatus sb : runtime.listPodSandboxes(Map.of(PodSpecs.LABEL_NAMESPACE, namespace()))) {
                runtime.stopPodSandbox(sb.id());
                runtime.removePodSandbox(sb.id());
            }
        } finally {
            runtime.close();
            store.close();
        }
    }
}
