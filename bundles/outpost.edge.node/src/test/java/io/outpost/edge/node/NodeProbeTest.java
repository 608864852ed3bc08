package io.outpost.edge.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NodeProbeTest {
    @TempDir
    Path dir;

    @Test
    void readsCapacityAndInfoFromTheOs() throws Exception {
        Path proc = Files.createDirectories(dir.resolve("proc"));
        Path etc = Files.createDirectories(dir.resolve("etc"));
        Files.createDirectories(proc.resolve("sys/kernel/random"));
        Files.writeString(proc.resolve("meminfo"), "MemTotal:        2048000 kB\nMemFree:  100 kB\nMemAvailable:    1024000 kB\n");
        Files.writeString(proc.resolve("sys/kernel/osrelease"), "6.1.0-test\n");
        Files.writeString(proc.resolve("sys/kernel/random/boot_id"), "b00t\n");
        Files.writeString(etc.resolve("os-release"), "NAME=Debian\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n");
        Files.writeString(etc.resolve("machine-id"), "abc123\n");
        JsonNode st = new NodeProbe(proc, etc).status(new NodeProbe.Settings("10.0.0.7", dir, 110, 100, 128, "v1.32.0-outpost-0.1.0", ""),
                Instant.parse("2026-01-01T00:00:00Z"));
        assertEquals("2048000Ki", st.at("/capacity/memory").asText());
        assertEquals((2048000 - 128 * 1024) + "Ki", st.at("/allocatable/memory").asText());
        // The service the pod manager admits with says the same, from the same computation.
        NodeProbe probe = new NodeProbe(proc, etc);
        NodeProbe.Settings settings = new NodeProbe.Settings("10.0.0.7", dir, 110, 100, 128, "v1.32.0-outpost-0.1.0", "");
        var a = probe.allocatable(settings);
        assertEquals((2048000L - 128 * 1024) * 1024, a.memoryBytes());
        assertEquals(st.at("/allocatable/cpu").asText(), a.milliCpu() + "m");
        assertEquals(Runtime.getRuntime().availableProcessors() * 1000L - 100, a.milliCpu());
        assertEquals(110, a.pods());
        assertEquals("10.0.0.7", NodeProbe.internalIp(settings));
        assertEquals(NodeProbe.firstAddress(), NodeProbe.internalIp(new NodeProbe.Settings(" ", dir, 110, 0, 0, "v", "")));
        assertEquals(Integer.toString(Runtime.getRuntime().availableProcessors()), st.at("/capacity/cpu").asText());
        assertEquals("110", st.at("/capacity/pods").asText());
        assertEquals("6.1.0-test", st.at("/nodeInfo/kernelVersion").asText());
        assertEquals("Debian GNU/Linux 12 (bookworm)", st.at("/nodeInfo/osImage").asText());
        assertEquals("abc123", st.at("/nodeInfo/machineID").asText());
        assertEquals("10.0.0.7", st.at("/addresses/0/address").asText());
        assertEquals("InternalIP", st.at("/addresses/0/type").asText());
        JsonNode ready = st.at("/conditions/3");
        assertEquals("Ready", ready.path("type").asText());
        assertEquals("True", ready.path("status").asText());
        assertEquals("False", st.at("/conditions/0/status").asText(), "half the memory is available: no pressure");
    }

    @Test
    void reportsMemoryPressure() throws Exception {
        Path proc = Files.createDirectories(dir.resolve("proc2"));
        Files.writeString(proc.resolve("meminfo"), "MemTotal: 1000000 kB\nMemAvailable: 10000 kB\n");
        JsonNode st = new NodeProbe(proc, dir).status(new NodeProbe.Settings("", dir, 10, 0, 0, "v", ""), Instant.now());
        assertEquals("MemoryPressure", st.at("/conditions/0/type").asText());
        assertEquals("True", st.at("/conditions/0/status").asText());
        assertTrue(!st.at("/addresses/0/address").asText().isEmpty());
    }

    @Test
    void aRuntimeThatIsDownOrWithoutNetworkMakesReadyFalse() {
        var st = new NodeProbe(dir, dir).status(new NodeProbe.Settings("", dir, 10, 0, 0, "v", ""), Instant.now());
        NodeProbe.runtime(st, new io.outpost.runtime.api.RuntimeHealth(true, true, java.util.List.of()));
        assertEquals("True", st.at("/conditions/3/status").asText(), "a healthy runtime changes nothing");
        NodeProbe.runtime(st, null);
        assertEquals("True", st.at("/conditions/3/status").asText(), "no runtime: a gateway without pods");
        NodeProbe.runtime(st, new io.outpost.runtime.api.RuntimeHealth(true, false, java.util.List.of(
                new io.outpost.runtime.api.RuntimeHealth.Condition("NetworkReady", false, "NetworkPluginNotReady", "cni config uninitialized"))));
        assertEquals("False", st.at("/conditions/3/status").asText());
        assertEquals("KubeletNotReady", st.at("/conditions/3/reason").asText());
        assertEquals("container runtime network not ready: NetworkReady: NetworkPluginNotReady (cni config uninitialized)",
                st.at("/conditions/3/message").asText());
    }
}
