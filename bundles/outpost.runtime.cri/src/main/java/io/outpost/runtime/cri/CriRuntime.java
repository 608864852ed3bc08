package io.outpost.runtime.cri;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import io.outpost.runtime.api.ContainerConfig;
import io.outpost.runtime.api.ContainerRuntime;
import io.outpost.runtime.api.ContainerRuntimeException;
import io.outpost.runtime.api.ContainerRuntimeException.Category;
import io.outpost.runtime.api.ContainerStatus;
import io.outpost.runtime.api.ExecResult;
import io.outpost.runtime.api.ImageInfo;
import io.outpost.runtime.api.PodSandboxConfig;
import io.outpost.runtime.api.PodSandboxStatus;
import io.outpost.runtime.api.RuntimeHealth;
import io.outpost.runtime.cri.grpc.GrpcException;
import io.outpost.runtime.cri.grpc.UnixGrpcChannel;
import io.outpost.runtime.cri.proto.Cri;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@link ContainerRuntime} over CRI v1 gRPC (containerd's CRI plugin, or any CRI runtime) on a unix
 * socket. Translates the SPI's records to CRI messages and back, and gRPC failures to {@link
 * ContainerRuntimeException} categories. No OSGi: {@link CriRuntimeComponent} wires it.
 */
public final class CriRuntime implements ContainerRuntime, AutoCloseable {
    private static final String RUNTIME = "/runtime.v1.RuntimeService/";
    private static final String IMAGES = "/runtime.v1.ImageService/";

    /**
     * @param socket the runtime's CRI socket
     * @param connectTimeout how long connecting may take
     * @param requestTimeout deadline of calls that take no timeout argument
     * @param maxMessageBytes largest response accepted
     */
    public record Settings(Path socket, Duration connectTimeout, Duration requestTimeout, int maxMessageBytes) {
        public Settings {
            Objects.requireNonNull(socket, "socket");
            if (connectTimeout.isNegative() || connectTimeout.isZero() || requestTimeout.isNegative()
                    || requestTimeout.isZero()) {
                throw new IllegalArgumentException("timeouts must be positive: connect " + connectTimeout
                        + ", request " + requestTimeout);
            }
            if (maxMessageBytes < 1024) {
                throw new IllegalArgumentException("maxMessageBytes must be at least 1024, was " + maxMessageBytes);
            }
        }
    }

    private final Settings settings;
    private final UnixGrpcChannel channel;

    public CriRuntime(Settings settings) {
        this.settings = settings;
        this.channel = new UnixGrpcChannel(settings.socket(), settings.connectTimeout(), settings.maxMessageBytes());
    }

    @Override
    public void close() {
        channel.close();
    }

    // --- runtime -------------------------------------------------------------------------------

    @Override
    public RuntimeVersion version() {
        Cri.VersionResponse r = call(RUNTIME + "Version", Cri.VersionRequest.newBuilder().setVersion("v1").build(),
                Cri.VersionResponse.parser(), settings.requestTimeout(), "Version");
        return new RuntimeVersion(r.getRuntimeName(), r.getRuntimeVersion(), r.getRuntimeApiVersion());
    }

    /**
     * {@link #version()} without blocking, for a component that wants to log what it talks to
     * without holding up its activation.
     *
     * @return the version, or a failure with a {@link ContainerRuntimeException}
     */
    public CompletableFuture<RuntimeVersion> versionAsync() {
        String method = RUNTIME + "Version";
        Duration timeout = settings.requestTimeout();
        CompletableFuture<RuntimeVersion> out = new CompletableFuture<>();
        channel.unary(method, Cri.VersionRequest.newBuilder().setVersion("v1").build().toByteArray(), timeout)
                .whenComplete((bytes, e) -> {
                    if (e != null) {
                        out.completeExceptionally(failure("Version", e instanceof CompletionException ? e.getCause() : e));
                        return;
                    }
                    try {
                        Cri.VersionResponse r = Cri.VersionResponse.parseFrom(bytes);
                        out.complete(new RuntimeVersion(r.getRuntimeName(), r.getRuntimeVersion(), r.getRuntimeApiVersion()));
                    } catch (InvalidProtocolBufferException invalid) {
                        out.completeExceptionally(new ContainerRuntimeException(Category.PROTOCOL,
                                "Version: the answer is not a valid " + method + " response: " + invalid.getMessage(), invalid));
                    }
                });
        return out;
    }

    @Override
    public RuntimeHealth health() {
        try {
            Cri.StatusResponse r = call(RUNTIME + "Status", Cri.StatusRequest.getDefaultInstance(),
                    Cri.StatusResponse.parser(), settings.requestTimeout(), "Status");
            return CriMapping.health(r.getStatus());
        } catch (ContainerRuntimeException e) {
            return new RuntimeHealth(false, false, List.of(new RuntimeHealth.Condition("RuntimeReady", false,
                    e.category() == Category.TIMEOUT ? "RuntimeNotResponding" : "RuntimeUnreachable", e.getMessage())));
        }
    }

    // --- sandboxes -----------------------------------------------------------------------------

    @Override
    public String runPodSandbox(PodSandboxConfig config) {
        Cri.RunPodSandboxRequest req = Cri.RunPodSandboxRequest.newBuilder()
                .setConfig(CriMapping.sandboxConfig(config)).build();
        return call(RUNTIME + "RunPodSandbox", req, Cri.RunPodSandboxResponse.parser(), settings.requestTimeout(),
                "RunPodSandbox of pod " + config.namespace() + "/" + config.name()).getPodSandboxId();
    }

    @Override
    public void stopPodSandbox(String podSandboxId) {
        idempotent(() -> call(RUNTIME + "StopPodSandbox",
                Cri.StopPodSandboxRequest.newBuilder().setPodSandboxId(id(podSandboxId)).build(),
                Cri.StopPodSandboxResponse.parser(), settings.requestTimeout(), "StopPodSandbox " + podSandboxId));
    }

    @Override
    public void removePodSandbox(String podSandboxId) {
        idempotent(() -> call(RUNTIME + "RemovePodSandbox",
                Cri.RemovePodSandboxRequest.newBuilder().setPodSandboxId(id(podSandboxId)).build(),
                Cri.RemovePodSandboxResponse.parser(), settings.requestTimeout(), "RemovePodSandbox " + podSandboxId));
    }

    @Override
    public PodSandboxStatus podSandboxStatus(String podSandboxId) {
        Cri.PodSandboxStatusResponse r = call(RUNTIME + "PodSandboxStatus",
                Cri.PodSandboxStatusRequest.newBuilder().setPodSandboxId(id(podSandboxId)).build(),
                Cri.PodSandboxStatusResponse.parser(), settings.requestTimeout(), "PodSandboxStatus " + podSandboxId);
        if (!r.hasStatus()) {
            throw new ContainerRuntimeException(Category.PROTOCOL, "PodSandboxStatus " + podSandboxId + ": no status in the answer");
        }
        return CriMapping.sandboxStatus(r.getStatus());
    }

    @Override
    public List<PodSandboxStatus> listPodSandboxes(Map<String, String> labelSelector) {
        Cri.ListPodSandboxRequest req = Cri.ListPodSandboxRequest.newBuilder()
                .setFilter(Cri.PodSandboxFilter.newBuilder().putAllLabelSelector(labelSelector)).build();
        Cri.ListPodSandboxResponse r = call(RUNTIME + "ListPodSandbox", req, Cri.ListPodSandboxResponse.parser(),
                settings.requestTimeout(), "ListPodSandbox");
        List<PodSandboxStatus> out = new ArrayList<>(r.getItemsCount());
        r.getItemsList().forEach(s -> out.add(CriMapping.sandbox(s)));
        return out;
    }

    // --- containers ----------------------------------------------------------------------------

    @Override
    public String createContainer(String podSandboxId, ContainerConfig config, PodSandboxConfig sandboxConfig) {
        Cri.CreateContainerRequest req = Cri.CreateContainerRequest.newBuilder()
                .setPodSandboxId(id(podSandboxId))
                .setConfig(CriMapping.containerConfig(config))
                .setSandboxConfig(CriMapping.sandboxConfig(sandboxConfig))
                .build();
        return call(RUNTIME + "CreateContainer", req, Cri.CreateContainerResponse.parser(), settings.requestTimeout(),
                "CreateContainer of container " + config.name() + " (image " + config.image() + ") in sandbox "
                        + podSandboxId).getContainerId();
    }

    @Override
    public void startContainer(String containerId) {
        call(RUNTIME + "StartContainer", Cri.StartContainerRequest.newBuilder().setContainerId(id(containerId)).build(),
                Cri.StartContainerResponse.parser(), settings.requestTimeout(), "StartContainer " + containerId);
    }

    @Override
    public void stopContainer(String containerId, Duration gracePeriod) {
        if (gracePeriod.isNegative()) {
            throw new IllegalArgumentException("gracePeriod must not be negative, was " + gracePeriod);
        }
        long seconds = CriMapping.ceilSeconds(gracePeriod);
        // The runtime waits the grace period, then kills and waits for the exit: allow for both.
        Duration deadline = gracePeriod.plus(settings.requestTimeout());
        idempotent(() -> call(RUNTIME + "StopContainer",
                Cri.StopContainerRequest.newBuilder().setContainerId(id(containerId)).setTimeout(seconds).build(),
                Cri.StopContainerResponse.parser(), deadline, "StopContainer " + containerId));
    }

    @Override
    public void removeContainer(String containerId) {
        idempotent(() -> call(RUNTIME + "RemoveContainer",
                Cri.RemoveContainerRequest.newBuilder().setContainerId(id(containerId)).build(),
                Cri.RemoveContainerResponse.parser(), settings.requestTimeout(), "RemoveContainer " + containerId));
    }

    @Override
    public ContainerStatus containerStatus(String containerId) {
        Cri.ContainerStatusResponse r = call(RUNTIME + "ContainerStatus",
                Cri.ContainerStatusRequest.newBuilder().setContainerId(id(containerId)).build(),
                Cri.ContainerStatusResponse.parser(), settings.requestTimeout(), "ContainerStatus " + containerId);
        if (!r.hasStatus()) {
            throw new ContainerRuntimeException(Category.PROTOCOL, "ContainerStatus " + containerId + ": no status in the answer");
        }
        return CriMapping.containerStatus(r.getStatus());
    }

    @Override
    public List<ContainerStatus> listContainers(String podSandboxId, Map<String, String> labelSelector) {
        Cri.ContainerFilter.Builder filter = Cri.ContainerFilter.newBuilder().putAllLabelSelector(labelSelector);
        if (podSandboxId != null) {
            filter.setPodSandboxId(podSandboxId);
        }
        Cri.ListContainersResponse r = call(RUNTIME + "ListContainers",
                Cri.ListContainersRequest.newBuilder().setFilter(filter).build(), Cri.ListContainersResponse.parser(),
                settings.requestTimeout(), "ListContainers");
        List<ContainerStatus> out = new ArrayList<>(r.getContainersCount());
        r.getContainersList().forEach(c -> out.add(CriMapping.container(c)));
        return out;
    }

    @Override
    public ExecResult execSync(String containerId, List<String> command, Duration timeout) {
        if (command.isEmpty()) {
            throw new IllegalArgumentException("command must not be empty");
        }
        long seconds = Math.max(1, CriMapping.ceilSeconds(timeout));
        Cri.ExecSyncRequest req = Cri.ExecSyncRequest.newBuilder()
                .setContainerId(id(containerId)).addAllCmd(command).setTimeout(seconds).build();
        // The runtime ends the command at its timeout; our deadline leaves it time to say so.
        Cri.ExecSyncResponse r = call(RUNTIME + "ExecSync", req, Cri.ExecSyncResponse.parser(),
                Duration.ofSeconds(seconds).plus(settings.requestTimeout()), "ExecSync " + command + " in " + containerId);
        return new ExecResult(r.getExitCode(), r.getStdout().toByteArray(), r.getStderr().toByteArray());
    }

    @Override
    public void reopenContainerLog(String containerId) {
        call(RUNTIME + "ReopenContainerLog", Cri.ReopenContainerLogRequest.newBuilder().setContainerId(id(containerId)).build(),
                Cri.ReopenContainerLogResponse.parser(), settings.requestTimeout(), "ReopenContainerLog " + containerId);
    }

    // --- images --------------------------------------------------------------------------------

    @Override
    public String pullImage(String image, RegistryAuth auth, Duration timeout) {
        Cri.PullImageRequest.Builder req = Cri.PullImageRequest.newBuilder()
                .setImage(Cri.ImageSpec.newBuilder().setImage(id(image)));
        if (auth != null) {
            Cri.AuthConfig.Builder a = Cri.AuthConfig.newBuilder();
            if (auth.username() != null) {
                a.setUsername(auth.username());
            }
            if (auth.password() != null) {
                a.setPassword(auth.password());
            }
            if (auth.identityToken() != null) {
                a.setIdentityToken(auth.identityToken());
            }
            req.setAuth(a);
        }
        return call(IMAGES + "PullImage", req.build(), Cri.PullImageResponse.parser(), timeout, "PullImage " + image)
                .getImageRef();
    }

    @Override
    public ImageInfo imageStatus(String image) {
        Cri.ImageStatusResponse r = call(IMAGES + "ImageStatus",
                Cri.ImageStatusRequest.newBuilder().setImage(Cri.ImageSpec.newBuilder().setImage(id(image))).build(),
                Cri.ImageStatusResponse.parser(), settings.requestTimeout(), "ImageStatus " + image);
        return r.hasImage() && !r.getImage().getId().isEmpty() ? CriMapping.image(r.getImage()) : null;
    }

    @Override
    public List<ImageInfo> listImages() {
        Cri.ListImagesResponse r = call(IMAGES + "ListImages", Cri.ListImagesRequest.getDefaultInstance(),
                Cri.ListImagesResponse.parser(), settings.requestTimeout(), "ListImages");
        List<ImageInfo> out = new ArrayList<>(r.getImagesCount());
        r.getImagesList().forEach(i -> out.add(CriMapping.image(i)));
        return out;
    }

    @Override
    public void removeImage(String image) {
        idempotent(() -> call(IMAGES + "RemoveImage",
                Cri.RemoveImageRequest.newBuilder().setImage(Cri.ImageSpec.newBuilder().setImage(id(image))).build(),
                Cri.RemoveImageResponse.parser(), settings.requestTimeout(), "RemoveImage " + image));
    }

    // --- calls ---------------------------------------------------------------------------------

    private <T extends Message> T call(String method, Message request, Parser<T> parser, Duration timeout, String what) {
        byte[] answer;
        try {
            // The channel enforces the deadline; the extra second here only guards against a lost completion.
            answer = channel.unary(method, request.toByteArray(), timeout)
                    .get(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
        } catch (ExecutionException | CompletionException e) {
            throw failure(what, e.getCause());
        } catch (TimeoutException e) {
            throw new ContainerRuntimeException(Category.TIMEOUT,
                    what + ": no answer from " + settings.socket() + " within " + timeout.toMillis() + " ms", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ContainerRuntimeException(Category.UNAVAILABLE, what + ": interrupted", e);
        } catch (GrpcException e) {
            throw failure(what, e);
        }
        try {
            return parser.parseFrom(answer);
        } catch (InvalidProtocolBufferException e) {
            throw new ContainerRuntimeException(Category.PROTOCOL,
                    what + ": the answer is not a valid " + method + " response: " + e.getMessage(), e);
        }
    }

    private ContainerRuntimeException failure(String what, Throwable cause) {
        if (cause instanceof GrpcException g) {
            return new ContainerRuntimeException(CriMapping.category(g.code()), what + ": " + g.getMessage(), g);
        }
        return new ContainerRuntimeException(Category.FAILED, what + ": " + cause, cause);
    }

    /** Stop and remove succeed when the object is gone already, as the SPI promises. */
    private static void idempotent(Runnable call) {
        try {
            call.run();
        } catch (ContainerRuntimeException e) {
            if (e.category() != Category.NOT_FOUND) {
                throw e;
            }
        }
    }

    private static String id(String id) {
        Objects.requireNonNull(id, "id");
        if (id.isBlank()) {
            throw new IllegalArgumentException("id must not be blank");
        }
        return id;
    }
}
