package io.outpost.edge.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.outpost.runtime.cri.CriRuntime;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The node's Ready condition from the real CRI runtime: containerd of {@code .ci/containerd
 * start} (ready), and a socket that does not exist (containerd down). Never skips.
 */
class RuntimeConditionIT {
    @TempDir
    Path dir;

    private ObjectNode status() {
        return new NodeProbe().status(new NodeProbe.Settings("10.0.0.7", dir, 110, 0, 0, "v", ""), Instant.now());
    }

    private static String ready(ObjectNode st, String field) {
        for (var c : st.path("conditions")) {
            if ("Ready".equals(c.path("type").asText())) {
                return c.path(field).asText();
            }
        }
        throw new AssertionError("no Ready condition in " + st);
    }

    @Test
    void containerdDownMakesTheNodeNotReadyWithTheKubeletsReason() {
        try (CriRuntime down = new CriRuntime(new CriRuntime.Settings(dir.resolve("missing.sock"), Duration.ofSeconds(1),
                Duration.ofSeconds(5), 1 << 20))) {
            ObjectNode st = status();
            NodeProbe.runtime(st, down.health());
            assertEquals("False", ready(st, "status"));
            assertEquals("KubeletNotReady", ready(st, "reason"));
            assertTrue(ready(st, "message").startsWith("container runtime is down: RuntimeReady"), ready(st, "message"));
        }
    }

    @Test
    void aRunningContainerdKeepsTheNodeReady() {
        String socket = System.getenv("OUTPOST_CRI_SOCKET");
        if (socket == null || socket.isBlank()) {
            socket = System.getProperty("outpost.cri.socket", "/run/outpost-containerd/containerd.sock");
        }
        assertTrue(Files.exists(Path.of(socket)), "containerd's CRI socket " + socket
                + " does not exist: run `.ci/containerd start` (as root) first, or set OUTPOST_CRI_SOCKET");
        try (CriRuntime up = new CriRuntime(new CriRuntime.Settings(Path.of(socket), Duration.ofSeconds(3), Duration.ofSeconds(30), 1 << 20))) {
            ObjectNode st = status();
            NodeProbe.runtime(st, up.health());
            assertEquals("True", ready(st, "status"), st.toString());
            assertEquals("EdgeReady", ready(st, "reason"));
        }
    }
}
