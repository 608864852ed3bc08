package io.outpost.edge.pod;

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
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** A small in-memory runtime with CRI's semantics, that a test can make containers exit in. */
final class FakeRuntime implements ContainerRuntime {
    final Map<String, PodSandboxStatus> sandboxes = new LinkedHashMap<>();
    final Map<String, ContainerStatus> containers = new LinkedHashMap<>();
    final Map<String, ContainerConfig> configs = new LinkedHashMap<>();
    final Set<String> images = ConcurrentHashMap.newKeySet();
    final List<String> calls = new ArrayList<>();
    final Map<String, Duration> stopGrace = new LinkedHashMap<>();
    boolean available = true;
    private final Clock clock;
    private int next;

    FakeRuntime(Clock clock) {
        this.clock = clock;
        images.add("outpost.local/busybox:1.0");
    }

    private void up() {
        if (!available) {
            throw new ContainerRuntimeException(Category.UNAVAILABLE, "socket /run/fake.sock missing");
        }
    }

    @Override
    public RuntimeVersion version() {
        up();
        return new RuntimeVersion("fake", "1", "v1");
    }

    @Override
    public RuntimeHealth health() {
        return available ? new RuntimeHealth(true, true, List.of())
                : new RuntimeHealth(false, false, List.of(new RuntimeHealth.Condition("RuntimeReady", false, "Unreachable", "socket missing")));
    }

    @Override
    public synchronized String runPodSandbox(PodSandboxConfig c) {
        up();
        String id = "sb" + ++next;
        calls.add("runPodSandbox " + c.name() + " " + c.attempt());
        sandboxes.put(id, new PodSandboxStatus(id, c.name(), c.uid(), c.namespace(), c.attempt(), PodSandboxStatus.State.READY,
                clock.instant(), "10.88.64." + next, List.of(), c.labels(), c.annotations()));
        return id;
    }

    @Override
    public synchronized void stopPodSandbox(String id) {
        up();
        calls.add("stopPodSandbox " + id);
        PodSandboxStatus s = sandboxes.get(id);
        if (s != null) {
            sandboxes.put(id, new PodSandboxStatus(id, s.name(), s.uid(), s.namespace(), s.attempt(), PodSandboxStatus.State.NOT_READY,
                    s.createdAt(), "", List.of(), s.labels(), s.annotations()));
            containers.values().stream().filter(c -> c.podSandboxId().equals(id) && c.state() == ContainerStatus.State.RUNNING)
                    .toList().forEach(c -> exit(c.id(), 137));
        }
    }

    @Override
    public synchronized void removePodSandbox(String id) {
        up();
        calls.add("removePodSandbox " + id);
        sandboxes.remove(id);
        containers.values().removeIf(c -> c.podSandboxId().equals(id));
    }

    @Override
    public synchronized PodSandboxStatus podSandboxStatus(String id) {
        up();
        PodSandboxStatus s = sandboxes.get(id);
        if (s == null) {
            throw new ContainerRuntimeException(Category.NOT_FOUND, "no sandbox " + id);
        }
        return s;
    }

    @Override
    public synchronized List<PodSandboxStatus> listPodSandboxes(Map<String, String> sel) {
        up();
        return sandboxes.values().stream().filter(s -> s.labels().entrySet().containsAll(sel.entrySet())).toList();
    }

    @Override
    public synchronized String createContainer(String sandboxId, ContainerConfig c, PodSandboxConfig sc) {
        up();
        if (!images.contains(c.image())) {
            throw new ContainerRuntimeException(Category.NOT_FOUND, "image " + c.image() + " not found");
        }
        String id = "c" + ++next;
        calls.add("createContainer " + c.name() + " " + c.attempt());
        configs.put(id, c);
        containers.put(id, new ContainerStatus(id, sandboxId, c.name(), c.attempt(), ContainerStatus.State.CREATED, clock.instant(),
                null, null, 0, "", "", c.image(), "sha256:" + c.image().hashCode(), c.labels(), c.annotations()));
        return id;
    }

    @Override
    public synchronized void startContainer(String id) {
        up();
        ContainerStatus c = containers.get(id);
        calls.add("startContainer " + c.name());
        containers.put(id, new ContainerStatus(id, c.podSandboxId(), c.name(), c.attempt(), ContainerStatus.State.RUNNING, c.createdAt(),
                clock.instant(), null, 0, "", "", c.image(), c.imageRef(), c.labels(), c.annotations()));
    }

    /** The test's hand: the container's process ends. */
    synchronized void exit(String id, int code) {
        ContainerStatus c = containers.get(id);
        containers.put(id, new ContainerStatus(id, c.podSandboxId(), c.name(), c.attempt(), ContainerStatus.State.EXITED, c.createdAt(),
                c.startedAt(), clock.instant(), code, code == 0 ? "Completed" : "Error", "", c.image(), c.imageRef(), c.labels(),
                c.annotations()));
    }

    synchronized ContainerStatus running(String name) {
        return containers.values().stream().filter(c -> c.name().equals(name) && c.state() == ContainerStatus.State.RUNNING)
                .findFirst().orElseThrow();
    }

    @Override
    public synchronized void stopContainer(String id, Duration grace) {
        up();
        calls.add("stopContainer " + id);
        stopGrace.put(id, grace);
        if (containers.get(id) != null && containers.get(id).state() == ContainerStatus.State.RUNNING) {
            exit(id, 143);
        }
    }

    @Override
    public synchronized void removeContainer(String id) {
        up();
        calls.add("removeContainer " + id);
        containers.remove(id);
    }

    @Override
    public synchronized ContainerStatus containerStatus(String id) {
        up();
        ContainerStatus c = containers.get(id);
        if (c == null) {
            throw new ContainerRuntimeException(Category.NOT_FOUND, "no container " + id);
        }
        return c;
    }

    @Override
    public synchronized List<ContainerStatus> listContainers(String sandboxId, Map<String, String> sel) {
        up();
        return containers.values().stream().filter(c -> sandboxId == null || c.podSandboxId().equals(sandboxId))
                .filter(c -> c.labels().entrySet().containsAll(sel.entrySet())).toList();
    }

    @Override
    public ExecResult execSync(String id, List<String> command, Duration timeout) {
        up();
        synchronized (this) {
            calls.add("execSync " + id + " " + command);
        }
        return new ExecResult(execExit, new byte[0], ("exit " + execExit).getBytes());
    }

    /** What exec'd commands (exec probes) exit with. */
    volatile int execExit;

    @Override
    public String pullImage(String image, RegistryAuth auth, Duration timeout) {
        up();
        calls.add("pullImage " + image);
        throw new ContainerRuntimeException(Category.NOT_FOUND, "registry says: " + image + " not found");
    }

    @Override
    public ImageInfo imageStatus(String image) {
        up();
        return images.contains(image) ? new ImageInfo("sha256:" + image.hashCode(), List.of(image), List.of(), 1) : null;
    }

    @Override
    public List<ImageInfo> listImages() {
        return images.stream().map(this::imageStatus).toList();
    }

    @Override
    public void removeImage(String image) {
        images.remove(image);
    }

    synchronized long count(String prefix) {
        return calls.stream().filter(c -> c.startsWith(prefix)).count();
    }
}
