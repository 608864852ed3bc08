package io.outpost.edge.pod;

import io.outpost.runtime.api.ContainerConfig;
import io.outpost.runtime.api.ContainerRuntime;
import io.outpost.runtime.api.ContainerStatus;
import io.outpost.runtime.api.ExecResult;
import io.outpost.runtime.api.ImageInfo;
import io.outpost.runtime.api.PodSandboxConfig;
import io.outpost.runtime.api.PodSandboxStatus;
import io.outpost.runtime.api.RuntimeHealth;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives containers log files in the kubelet's layout: the sandbox's log directory is
 * {@code <root>/<namespace>_<name>_<uid>}, each container's log {@code <container>/<restartCount>.log}
 * in it; the runtime (containerd) writes them in CRI's log format. Done as a wrapper around the
 * runtime the pod manager uses, so the layout lives in one place, next to the code that reads and
 * prunes the files. The runtime creates the container's folder and file; the pod's folder is
 * created here first, as the kubelet does. No OSGi.
 */
final class ContainerLogLayout implements ContainerRuntime {
    private static final Logger LOG = LoggerFactory.getLogger(ContainerLogLayout.class);
    /** Runs of a container whose logs are kept: the current one and the previous ({@code kubectl logs -p}). */
    static final int KEPT_RUNS = 2;

    private final ContainerRuntime runtime;
    private final Path root;

    ContainerLogLayout(ContainerRuntime runtime, Path root) {
        this.runtime = runtime;
        this.root = root.toAbsolutePath();
    }

    Path root() {
        return root;
    }

    /** @return the pod's log folder */
    Path podDirectory(String namespace, String name, String uid) {
        return root.resolve(namespace + "_" + name + "_" + uid);
    }

    /** @return the log file of one run of a container */
    Path containerLog(String namespace, String name, String uid, String container, int restartCount) {
        return podDirectory(namespace, name, uid).resolve(container).resolve(restartCount + ".log");
    }

    static String relativeLogPath(String container, int attempt) {
        return container + "/" + attempt + ".log";
    }

    private PodSandboxConfig withLogs(PodSandboxConfig c) {
        if (!c.logDirectory().isEmpty()) {
            return c;
        }
        return new PodSandboxConfig(c.name(), c.uid(), c.namespace(), c.attempt(), c.hostname(),
                podDirectory(c.namespace(), c.name(), c.uid()).toString(), c.dns(), c.portMappings(), c.labels(), c.annotations(),
                c.hostNetwork());
    }

    @Override
    public String runPodSandbox(PodSandboxConfig config) {
        PodSandboxConfig c = withLogs(config);
        try {
            Files.createDirectories(Path.of(c.logDirectory()));
        } catch (IOException e) {
            // The pod runs without logs rather than not at all.
            LOG.warn("cannot create the log folder {} of pod {}/{}: {}", c.logDirectory(), c.namespace(), c.name(), e.toString());
            return runtime.runPodSandbox(config);
        }
        return runtime.runPodSandbox(c);
    }

    @Override
    public String createContainer(String podSandboxId, ContainerConfig c, PodSandboxConfig sandboxConfig) {
        PodSandboxConfig sb = withLogs(sandboxConfig);
        ContainerConfig withLog = !c.logPath().isEmpty() || !Files.isDirectory(Path.of(sb.logDirectory())) ? c
                : new ContainerConfig(c.name(), c.attempt(), c.image(), c.command(), c.args(), c.env(), c.mounts(), c.workingDir(),
                        c.resources(), c.labels(), c.annotations(), relativeLogPath(c.name(), c.attempt()));
        return runtime.createContainer(podSandboxId, withLog, withLog == c ? sandboxConfig : sb);
    }

    /**
     * Removes the log folders of pods this gateway no longer has, and in the others every run of a
     * container but the last {@link #KEPT_RUNS}: the pod manager removes older containers, their
     * files would otherwise stay forever.
     *
     * @param uids the uids of the pods the gateway has
     */
    void prune(Set<String> uids) {
        if (!Files.isDirectory(root)) {
            return;
        }
        try (DirectoryStream<Path> pods = Files.newDirectoryStream(root)) {
            for (Path pod : pods) {
                if (!Files.isDirectory(pod)) {
                    continue; // not ours
                }
                String dir = pod.getFileName().toString();
                String uid = dir.substring(dir.lastIndexOf('_') + 1);
                if (!uids.contains(uid)) {
                    deleteTree(pod);
                    continue;
                }
                try (DirectoryStream<Path> containers = Files.newDirectoryStream(pod, Files::isDirectory)) {
                    for (Path container : containers) {
                        List<Path> files = new ArrayList<>();
                        try (Stream<Path> all = Files.list(container)) {
                            all.filter(f -> runOf(f) >= 0).forEach(files::add);
                        }
                        // a run's files are its log and the parts rotation renamed (N.log.<time>)
                        List<Integer> runs = files.stream().map(ContainerLogLayout::runOf).distinct().sorted().toList();
                        Set<Integer> kept = Set.copyOf(runs.subList(Math.max(0, runs.size() - KEPT_RUNS), runs.size()));
                        for (Path old : files) {
                            if (!kept.contains(runOf(old))) {
                                Files.deleteIfExists(old);
                            }
                        }
                    }
                }
            }
        } catch (IOException e) {
            LOG.warn("cannot prune container logs under {}: {}", root, e.toString());
        }
    }

    /** @return the run a log file or one of its rotated parts ({@code N.log.<time>}) is of, or -1 for other files */
    static int runOf(Path f) {
        String n = f.getFileName().toString();
        int i = n.indexOf(".log.");
        return i > 0 ? runNumber(f.resolveSibling(n.substring(0, i + 4))) : runNumber(f);
    }

    /** @return the run (restart count) a log file is of, or -1 for other files */
    static int runNumber(Path f) {
        String n = f.getFileName().toString();
        if (!n.endsWith(".log")) {
            return -1;
        }
        try {
            return Integer.parseInt(n.substring(0, n.length() - 4));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static void deleteTree(Path p) throws IOException {
        try (Stream<Path> all = Files.walk(p)) {
            for (Path x : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(x);
            }
        }
    }

    // --- the rest is the runtime's

    @Override
    public RuntimeVersion version() {
        return runtime.version();
    }

    @Override
    public RuntimeHealth health() {
        return runtime.health();
    }

    @Override
    public void stopPodSandbox(String podSandboxId) {
        runtime.stopPodSandbox(podSandboxId);
    }

    @Override
    public void removePodSandbox(String podSandboxId) {
        runtime.removePodSandbox(podSandboxId);
    }

    @Override
    public PodSandboxStatus podSandboxStatus(String podSandboxId) {
        return runtime.podSandboxStatus(podSandboxId);
    }

    @Override
    public List<PodSandboxStatus> listPodSandboxes(Map<String, String> labelSelector) {
        return runtime.listPodSandboxes(labelSelector);
    }

    @Override
    public void startContainer(String containerId) {
        runtime.startContainer(containerId);
    }

    @Override
    public void stopContainer(String containerId, Duration gracePeriod) {
        runtime.stopContainer(containerId, gracePeriod);
    }

    @Override
    public void removeContainer(String containerId) {
        runtime.removeContainer(containerId);
    }

    @Override
    public ContainerStatus containerStatus(String containerId) {
        return runtime.containerStatus(containerId);
    }

    @Override
    public List<ContainerStatus> listContainers(String podSandboxId, Map<String, String> labelSelector) {
        return runtime.listContainers(podSandboxId, labelSelector);
    }

    @Override
    public ExecResult execSync(String containerId, List<String> command, Duration timeout) {
        return runtime.execSync(containerId, command, timeout);
    }

    @Override
    public void reopenContainerLog(String containerId) {
        runtime.reopenContainerLog(containerId);
    }

    @Override
    public String pullImage(String image, RegistryAuth auth, Duration timeout) {
        return runtime.pullImage(image, auth, timeout);
    }

    @Override
    public ImageInfo imageStatus(String image) {
        return runtime.imageStatus(image);
    }

    @Override
    public List<ImageInfo> listImages() {
        return runtime.listImages();
    }

    @Override
    public void removeImage(String image) {
        runtime.removeImage(image);
    }
}
