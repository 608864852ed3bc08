package io.outpost.runtime.cri;

import io.outpost.runtime.api.ContainerConfig;
import io.outpost.runtime.api.ContainerRuntimeException.Category;
import io.outpost.runtime.api.ContainerStatus;
import io.outpost.runtime.api.ImageInfo;
import io.outpost.runtime.api.PodSandboxConfig;
import io.outpost.runtime.api.PodSandboxStatus;
import io.outpost.runtime.api.RuntimeHealth;
import io.outpost.runtime.cri.grpc.GrpcCode;
import io.outpost.runtime.cri.proto.Cri;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Translations between the SPI's records and CRI v1 messages. Pure functions. */
final class CriMapping {
    private CriMapping() {}

    static Cri.PodSandboxConfig sandboxConfig(PodSandboxConfig c) {
        Cri.PodSandboxConfig.Builder b = Cri.PodSandboxConfig.newBuilder()
                .setMetadata(Cri.PodSandboxMetadata.newBuilder()
                        .setName(c.name()).setUid(c.uid()).setNamespace(c.namespace()).setAttempt(c.attempt()))
                .setHostname(c.hostname())
                .setLogDirectory(c.logDirectory())
                .putAllLabels(c.labels())
                .putAllAnnotations(c.annotations())
                .setLinux(Cri.LinuxPodSandboxConfig.newBuilder()
                        .setSecurityContext(Cri.LinuxSandboxSecurityContext.newBuilder()
                                .setNamespaceOptions(namespaces(c.hostNetwork()))));
        if (c.dns() != null) {
            b.setDnsConfig(Cri.DNSConfig.newBuilder()
                    .addAllServers(c.dns().servers()).addAllSearches(c.dns().searches()).addAllOptions(c.dns().options()));
        }
        for (PodSandboxConfig.PortMapping p : c.portMappings()) {
            b.addPortMappings(Cri.PortMapping.newBuilder()
                    .setProtocol(switch (p.protocol()) {
                        case TCP -> Cri.Protocol.TCP;
                        case UDP -> Cri.Protocol.UDP;
                        case SCTP -> Cri.Protocol.SCTP;
                    })
                    .setContainerPort(p.containerPort()).setHostPort(p.hostPort()).setHostIp(p.hostIp()));
        }
        return b.build();
    }

    /** As the kubelet does: network and IPC shared by the pod (or the host's), PID per container. */
    private static Cri.NamespaceOption namespaces(boolean hostNetwork) {
        return Cri.NamespaceOption.newBuilder()
                .setNetwork(hostNetwork ? Cri.NamespaceMode.NODE : Cri.NamespaceMode.POD)
                .setIpc(Cri.NamespaceMode.POD)
                .setPid(Cri.NamespaceMode.CONTAINER)
                .build();
    }

    static Cri.ContainerConfig containerConfig(ContainerConfig c) {
        Cri.ContainerConfig.Builder b = Cri.ContainerConfig.newBuilder()
                .setMetadata(Cri.ContainerMetadata.newBuilder().setName(c.name()).setAttempt(c.attempt()))
                .setImage(Cri.ImageSpec.newBuilder().setImage(c.image()))
                .addAllCommand(c.command())
                .addAllArgs(c.args())
                .setWorkingDir(c.workingDir())
                .putAllLabels(c.labels())
                .putAllAnnotations(c.annotations())
                .setLogPath(c.logPath());
        for (ContainerConfig.EnvVar e : c.env()) {
            b.addEnvs(Cri.KeyValue.newBuilder().setKey(e.name()).setValue(e.value()));
        }
        for (ContainerConfig.Mount m : c.mounts()) {
            b.addMounts(Cri.Mount.newBuilder()
                    .setContainerPath(m.containerPath()).setHostPath(m.hostPath()).setReadonly(m.readOnly()));
        }
        Cri.LinuxContainerConfig.Builder linux = Cri.LinuxContainerConfig.newBuilder()
                .setSecurityContext(Cri.LinuxContainerSecurityContext.newBuilder()
                        .setNamespaceOptions(Cri.NamespaceOption.newBuilder()
                                .setNetwork(Cri.NamespaceMode.POD)
                                .setIpc(Cri.NamespaceMode.POD)
                                .setPid(Cri.NamespaceMode.CONTAINER)));
        ContainerConfig.Resources r = c.resources();
        if (r != null) {
            linux.setResources(Cri.LinuxContainerResources.newBuilder()
                    .setCpuShares(r.cpuShares())
                    .setCpuQuota(r.cpuQuotaMicros())
                    .setCpuPeriod(r.cpuPeriodMicros())
                    .setMemoryLimitInBytes(r.memoryLimitBytes()));
        }
        return b.setLinux(linux).build();
    }

    static PodSandboxStatus sandboxStatus(Cri.PodSandboxStatus s) {
        List<String> more = new ArrayList<>();
        s.getNetwork().getAdditionalIpsList().forEach(ip -> more.add(ip.getIp()));
        Cri.PodSandboxMetadata m = s.getMetadata();
        return new PodSandboxStatus(s.getId(), m.getName(), m.getUid(), m.getNamespace(), m.getAttempt(),
                state(s.getState()), time(s.getCreatedAt(), Instant.EPOCH), s.getNetwork().getIp(), more,
                s.getLabelsMap(), s.getAnnotationsMap());
    }

    static PodSandboxStatus sandbox(Cri.PodSandbox s) {
        Cri.PodSandboxMetadata m = s.getMetadata();
        return new PodSandboxStatus(s.getId(), m.getName(), m.getUid(), m.getNamespace(), m.getAttempt(),
                state(s.getState()), time(s.getCreatedAt(), Instant.EPOCH), "", List.of(), s.getLabelsMap(),
                s.getAnnotationsMap());
    }

    private static PodSandboxStatus.State state(Cri.PodSandboxState s) {
        return s == Cri.PodSandboxState.SANDBOX_READY ? PodSandboxStatus.State.READY : PodSandboxStatus.State.NOT_READY;
    }

    static ContainerStatus containerStatus(Cri.ContainerStatus s) {
        return new ContainerStatus(s.getId(), "", s.getMetadata().getName(), s.getMetadata().getAttempt(),
                state(s.getState()), time(s.getCreatedAt(), Instant.EPOCH), time(s.getStartedAt(), null),
                time(s.getFinishedAt(), null), s.getExitCode(), s.getReason(), s.getMessage(), s.getImage().getImage(),
                s.getImageRef(), s.getLabelsMap(), s.getAnnotationsMap());
    }

    static ContainerStatus container(Cri.Container c) {
        return new ContainerStatus(c.getId(), c.getPodSandboxId(), c.getMetadata().getName(),
                c.getMetadata().getAttempt(), state(c.getState()), time(c.getCreatedAt(), Instant.EPOCH), null, null, 0,
                "", "", c.getImage().getImage(), c.getImageRef(), c.getLabelsMap(), c.getAnnotationsMap());
    }

    private static ContainerStatus.State state(Cri.ContainerState s) {
        return switch (s) {
            case CONTAINER_CREATED -> ContainerStatus.State.CREATED;
            case CONTAINER_RUNNING -> ContainerStatus.State.RUNNING;
            case CONTAINER_EXITED -> ContainerStatus.State.EXITED;
            default -> ContainerStatus.State.UNKNOWN;
        };
    }

    static ImageInfo image(Cri.Image i) {
        return new ImageInfo(i.getId(), i.getRepoTagsList(), i.getRepoDigestsList(), i.getSize());
    }

    static RuntimeHealth health(Cri.RuntimeStatus s) {
        boolean runtime = false;
        boolean network = false;
        List<RuntimeHealth.Condition> conditions = new ArrayList<>();
        for (Cri.RuntimeCondition c : s.getConditionsList()) {
            conditions.add(new RuntimeHealth.Condition(c.getType(), c.getStatus(), c.getReason(), c.getMessage()));
            if ("RuntimeReady".equals(c.getType())) {
                runtime = c.getStatus();
            } else if ("NetworkReady".equals(c.getType())) {
                network = c.getStatus();
            }
        }
        return new RuntimeHealth(runtime, network, conditions);
    }

    /** CRI times are nanoseconds since the epoch; 0 means "not set". */
    static Instant time(long nanos, Instant unset) {
        return nanos == 0 ? unset : Instant.ofEpochSecond(Math.floorDiv(nanos, 1_000_000_000L), Math.floorMod(nanos, 1_000_000_000L));
    }

    /** CRI counts timeouts in whole seconds; a part of a second counts as one, so no wait is cut short. */
    static long ceilSeconds(Duration d) {
        long s = d.getSeconds();
        return d.getNano() > 0 ? s + 1 : s;
    }

    static Category category(GrpcCode code) {
        return switch (code) {
            case NOT_FOUND -> Category.NOT_FOUND;
            case ALREADY_EXISTS -> Category.ALREADY_EXISTS;
            case INVALID_ARGUMENT, FAILED_PRECONDITION, OUT_OF_RANGE -> Category.INVALID;
            case UNAVAILABLE, CANCELLED -> Category.UNAVAILABLE;
            case DEADLINE_EXCEEDED -> Category.TIMEOUT;
            case UNIMPLEMENTED -> Category.UNSUPPORTED;
            case RESOURCE_EXHAUSTED -> Category.PROTOCOL;
            default -> Category.FAILED;
        };
    }
}
