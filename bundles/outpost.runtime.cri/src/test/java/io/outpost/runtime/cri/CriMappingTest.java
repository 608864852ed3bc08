package io.outpost.runtime.cri;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.outpost.runtime.api.ContainerConfig;
import io.outpost.runtime.api.ContainerRuntimeException.Category;
import io.outpost.runtime.api.ContainerStatus;
import io.outpost.runtime.api.PodSandboxConfig;
import io.outpost.runtime.api.RuntimeHealth;
import io.outpost.runtime.cri.grpc.GrpcCode;
import io.outpost.runtime.cri.proto.Cri;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CriMappingTest {
    @Test
    void sandboxConfigCarriesMetadataNetworkAndPorts() {
        PodSandboxConfig c = new PodSandboxConfig("web", "uid-1", "default", 2, "web-host", "/var/log/pods/x",
                new PodSandboxConfig.Dns(List.of("10.0.0.10"), List.of("svc.cluster.local"), List.of("ndots:5")),
                List.of(new PodSandboxConfig.PortMapping(PodSandboxConfig.Protocol.UDP, 53, 5353, "")),
                Map.of("k", "v"), Map.of("a", "b"), false);
        Cri.PodSandboxConfig p = CriMapping.sandboxConfig(c);
        assertEquals("web", p.getMetadata().getName());
        assertEquals("uid-1", p.getMetadata().getUid());
        assertEquals("default", p.getMetadata().getNamespace());
        assertEquals(2, p.getMetadata().getAttempt());
        assertEquals("web-host", p.getHostname());
        assertEquals("/var/log/pods/x", p.getLogDirectory());
        assertEquals(List.of("10.0.0.10"), p.getDnsConfig().getServersList());
        assertEquals(List.of("ndots:5"), p.getDnsConfig().getOptionsList());
        assertEquals(Cri.Protocol.UDP, p.getPortMappings(0).getProtocol());
        assertEquals(5353, p.getPortMappings(0).getHostPort());
        assertEquals(Map.of("k", "v"), p.getLabelsMap());
        Cri.NamespaceOption ns = p.getLinux().getSecurityContext().getNamespaceOptions();
        assertEquals(Cri.NamespaceMode.POD, ns.getNetwork());
        assertEquals(Cri.NamespaceMode.CONTAINER, ns.getPid());

        PodSandboxConfig host = new PodSandboxConfig("h", "u", "n", 0, "", "", null, List.of(), Map.of(), Map.of(), true);
        Cri.PodSandboxConfig hp = CriMapping.sandboxConfig(host);
        assertEquals(Cri.NamespaceMode.NODE, hp.getLinux().getSecurityContext().getNamespaceOptions().getNetwork());
        assertFalse(hp.hasDnsConfig(), "no DNS given: the runtime's default");
    }

    @Test
    void containerConfigKeepsEnvOrderAndResources() {
        ContainerConfig c = new ContainerConfig("app", 3, "outpost.local/busybox:1.0", List.of("sh", "-c"),
                List.of("echo $B"), List.of(new ContainerConfig.EnvVar("A", "1"), new ContainerConfig.EnvVar("B", "$(A)")),
                List.of(new ContainerConfig.Mount("/data", "/var/lib/x", true)), "/work",
                new ContainerConfig.Resources(512, 50_000, 100_000, 128L << 20), Map.of(), Map.of(), "app/3.log");
        Cri.ContainerConfig p = CriMapping.containerConfig(c);
        assertEquals("app", p.getMetadata().getName());
        assertEquals(3, p.getMetadata().getAttempt());
        assertEquals("outpost.local/busybox:1.0", p.getImage().getImage());
        assertEquals(List.of("sh", "-c"), p.getCommandList());
        assertEquals(List.of("echo $B"), p.getArgsList());
        assertEquals("A", p.getEnvs(0).getKey());
        assertEquals("$(A)", p.getEnvs(1).getValue());
        assertTrue(p.getMounts(0).getReadonly());
        assertEquals("/work", p.getWorkingDir());
        Cri.LinuxContainerResources r = p.getLinux().getResources();
        assertEquals(512, r.getCpuShares());
        assertEquals(50_000, r.getCpuQuota());
        assertEquals(100_000, r.getCpuPeriod());
        assertEquals(128L << 20, r.getMemoryLimitInBytes());
        assertEquals("app/3.log", p.getLogPath());
        assertFalse(CriMapping.containerConfig(ContainerConfig.of("x", "i")).getLinux().hasResources(), "no limits");
    }

    @Test
    void statusTimesAreNanosecondsAndZeroIsUnset() {
        Cri.ContainerStatus s = Cri.ContainerStatus.newBuilder()
                .setId("c1").setState(Cri.ContainerState.CONTAINER_EXITED)
                .setMetadata(Cri.ContainerMetadata.newBuilder().setName("app").setAttempt(1))
                .setCreatedAt(1_700_000_000_123_456_789L).setStartedAt(1_700_000_001_000_000_000L)
                .setExitCode(137).setReason("Error")
                .build();
        ContainerStatus c = CriMapping.containerStatus(s);
        assertEquals(ContainerStatus.State.EXITED, c.state());
        assertEquals(Instant.ofEpochSecond(1_700_000_000L, 123_456_789L), c.createdAt());
        assertEquals(Instant.ofEpochSecond(1_700_000_001L), c.startedAt());
        assertNull(c.finishedAt());
        assertEquals(137, c.exitCode());
        assertEquals(1, c.attempt());
    }

    @Test
    void healthReadsTheTwoRequiredConditions() {
        RuntimeHealth h = CriMapping.health(Cri.RuntimeStatus.newBuilder()
                .addConditions(Cri.RuntimeCondition.newBuilder().setType("RuntimeReady").setStatus(true))
                .addConditions(Cri.RuntimeCondition.newBuilder().setType("NetworkReady").setStatus(false)
                        .setReason("NetworkPluginNotReady").setMessage("cni config uninitialized"))
                .build());
        assertTrue(h.runtimeReady());
        assertFalse(h.networkReady());
        assertFalse(h.ready());
        assertEquals("NetworkReady: NetworkPluginNotReady (cni config uninitialized)", h.problems());
    }

    @Test
    void secondsRoundUp() {
        assertEquals(0, CriMapping.ceilSeconds(Duration.ZERO));
        assertEquals(1, CriMapping.ceilSeconds(Duration.ofMillis(1)));
        assertEquals(30, CriMapping.ceilSeconds(Duration.ofSeconds(30)));
    }

    @Test
    void grpcCodesBecomeCategories() {
        assertEquals(Category.NOT_FOUND, CriMapping.category(GrpcCode.NOT_FOUND));
        assertEquals(Category.TIMEOUT, CriMapping.category(GrpcCode.DEADLINE_EXCEEDED));
        assertEquals(Category.UNAVAILABLE, CriMapping.category(GrpcCode.UNAVAILABLE));
        assertEquals(Category.INVALID, CriMapping.category(GrpcCode.INVALID_ARGUMENT));
        assertEquals(Category.PROTOCOL, CriMapping.category(GrpcCode.RESOURCE_EXHAUSTED));
        assertEquals(Category.FAILED, CriMapping.category(GrpcCode.UNKNOWN));
    }

    @Test
    void recordsRefuseWhatCannotBeRight() {
        assertThrows(IllegalArgumentException.class, () -> PodSandboxConfig.of(" ", "u", "n"));
        assertThrows(IllegalArgumentException.class, () -> new PodSandboxConfig.PortMapping(PodSandboxConfig.Protocol.TCP, 0, 80, ""));
        assertThrows(IllegalArgumentException.class, () -> ContainerConfig.Resources.memory(-1));
        assertThrows(NullPointerException.class, () -> ContainerConfig.of("a", null));
    }
}
