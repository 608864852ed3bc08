package io.outpost.edge.node;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import io.outpost.node.api.NodeResources;

/**
 * Reads what a Node's status says about this machine from the operating system: CPUs, memory,
 * disk, kernel, OS image, addresses and pressure conditions. Linux first (/proc, /etc/os-release),
 * with JVM fallbacks elsewhere. No OSGi here.
 */
final class NodeProbe {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    /**
     * @param nodeIp InternalIP to report; empty to pick the first non-loopback IPv4 address
     * @param dataDir where the gateway keeps its data (for ephemeral-storage and disk pressure)
     * @param maxPods pods capacity
     * @param reservedCpuMillis CPU kept back from allocatable
     * @param reservedMemoryMiB memory kept back from allocatable
     * @param kubeletVersion what kubectl shows as VERSION
     * @param containerRuntime e.g. "containerd://1.6.20", or "" when the gateway runs no pods
     */
    record Settings(String nodeIp, Path dataDir, int maxPods, int reservedCpuMillis, int reservedMemoryMiB, String kubeletVersion,
            String containerRuntime) {
    }

    private final Path proc;
    private final Path etc;

    NodeProbe() {
        this(Path.of("/proc"), Path.of("/etc"));
    }

    NodeProbe(Path proc, Path etc) {
        this.proc = proc;
        this.etc = etc;
    }

    /**
     * The node's allocatable — the one computation behind {@code status.allocatable} and the
     * {@link NodeResources} service the pod manager admits pods with.
     */
    NodeResources.Allocatable allocatable(Settings s) {
        long memTotalKi = memTotalKi(meminfo());
        return new NodeResources.Allocatable(s.maxPods(), Math.max(0, Runtime.getRuntime().availableProcessors() * 1000L - s.reservedCpuMillis()),
                Math.max(0, memTotalKi - s.reservedMemoryMiB() * 1024L) * 1024);
    }

    /** @return the InternalIP: the configured one, else {@link #firstAddress()} */
    static String internalIp(Settings s) {
        return s.nodeIp().isBlank() ? firstAddress() : s.nodeIp().trim();
    }

    private static long memTotalKi(Map<String, Long> mem) {
        return mem.getOrDefault("MemTotal", Runtime.getRuntime().maxMemory() / 1024); // not Linux: the best known bound
    }

    /** @return a v1.NodeStatus as JSON */
    ObjectNode status(Settings s, Instant now) {
        ObjectNode st = F.objectNode();
        int cpus = Runtime.getRuntime().availableProcessors();
        Map<String, Long> mem = meminfo();
        long memTotalKi = memTotalKi(mem);
        long storageBytes = 0;
        long storageFree = 0;
        try {
            FileStore fs = Files.getFileStore(Files.exists(s.dataDir()) ? s.dataDir() : Path.of("/"));
            storageBytes = fs.getTotalSpace();
            storageFree = fs.getUsableSpace();
        } catch (IOException e) {
            // unknown: report no storage rather than invent it
        }
        ObjectNode cap = st.putObject("capacity");
        cap.put("cpu", Integer.toString(cpus));
        cap.put("memory", memTotalKi + "Ki");
        cap.put("pods", Integer.toString(s.maxPods()));
        if (storageBytes > 0) {
            cap.put("ephemeral-storage", (storageBytes / 1024) + "Ki");
        }
        ObjectNode alloc = st.putObject("allocatable");
        NodeResources.Allocatable a = allocatable(s);
        alloc.put("cpu", a.milliCpu() + "m");
        alloc.put("memory", (a.memoryBytes() / 1024) + "Ki");
        alloc.put("pods", Integer.toString(a.pods()));
        if (storageBytes > 0) {
            alloc.put("ephemeral-storage", (storageBytes / 1024) + "Ki");
        }

        ObjectNode info = st.putObject("nodeInfo");
        info.put("machineID", read(etc.resolve("machine-id")));
        info.put("systemUUID", read(Path.of("/sys/class/dmi/id/product_uuid")));
        info.put("bootID", read(proc.resolve("sys/kernel/random/boot_id")));
        String kernel = read(proc.resolve("sys/kernel/osrelease"));
        info.put("kernelVersion", kernel.isEmpty() ? System.getProperty("os.version") : kernel);
        info.put("osImage", osImage());
        info.put("containerRuntimeVersion", s.containerRuntime());
        info.put("kubeletVersion", s.kubeletVersion());
        info.put("kubeProxyVersion", "");
        info.put("operatingSystem", System.getProperty("os.name").toLowerCase(Locale.ROOT).startsWith("linux") ? "linux"
                : System.getProperty("os.name").toLowerCase(Locale.ROOT));
        info.put("architecture", arch(System.getProperty("os.arch")));

        ArrayNode addrs = st.putArray("addresses");
        addrs.addObject().put("type", "InternalIP").put("address", internalIp(s));
        addrs.addObject().put("type", "Hostname").put("address", hostname());

        String ts = now.truncatedTo(ChronoUnit.SECONDS).toString();
        ArrayNode conds = st.putArray("conditions");
        long availKi = mem.getOrDefault("MemAvailable", memTotalKi);
        boolean memPressure = memTotalKi > 0 && availKi * 100 / memTotalKi < 5;
        boolean diskPressure = storageBytes > 0 && storageFree * 100 / storageBytes < 10;
        condition(conds, "MemoryPressure", memPressure, memPressure ? "EdgeHasInsufficientMemory" : "EdgeHasSufficientMemory",
                memPressure ? "less than 5% of memory is available" : "gateway has sufficient memory available", ts);
        condition(conds, "DiskPressure", diskPressure, diskPressure ? "EdgeHasDiskPressure" : "EdgeHasNoDiskPressure",
                diskPressure ? "less than 10% of the data disk is free" : "gateway has no disk pressure", ts);
        condition(conds, "PIDPressure", false, "EdgeHasSufficientPID", "gateway has sufficient PID available", ts);
        condition(conds, "Ready", true, "EdgeReady", "edge hub is posting ready status", ts);
        st.putObject("daemonEndpoints").putObject("kubeletEndpoint").put("Port", 10350);
        return st;
    }

    /**
     * The container runtime's health on the Node, the kubelet's way: with the runtime down (or its
     * network not ready) {@code Ready} is False with reason {@code KubeletNotReady} and a message
     * that starts like the kubelet's ("container runtime is down", "container runtime network not
     * ready"); the node stays registered and reporting, so it is NotReady for a reason, not
     * Unknown. A healthy runtime changes nothing.
     *
     * @param health the runtime's health, or null when this gateway runs no pods
     */
    static void runtime(ObjectNode status, io.outpost.runtime.api.RuntimeHealth health) {
        if (health == null || health.ready()) {
            return;
        }
        String message = !health.runtimeReady() ? "container runtime is down: " + health.problems()
                : "container runtime network not ready: " + health.problems();
        for (JsonNode c : status.path("conditions")) {
            if ("Ready".equals(c.path("type").asText())) {
                ((ObjectNode) c).put("status", "False").put("reason", "KubeletNotReady").put("message", message);
            }
        }
    }

    private static void condition(ArrayNode conds, String type, boolean status, String reason, String message, String ts) {
        conds.addObject().put("type", type).put("status", status ? "True" : "False").put("reason", reason).put("message", message)
                .put("lastHeartbeatTime", ts).put("lastTransitionTime", ts);
    }

    Map<String, Long> meminfo() {
        Map<String, Long> out = new LinkedHashMap<>();
        try {
            for (String line : Files.readAllLines(proc.resolve("meminfo"))) {
                String[] p = line.split("\\s+");
                if (p.length >= 2 && p[0].endsWith(":")) {
                    try {
                        out.put(p[0].substring(0, p[0].length() - 1), Long.parseLong(p[1]));
                    } catch (NumberFormatException e) {
                        // skip odd lines
                    }
                }
            }
        } catch (IOException e) {
            // not Linux: callers fall back
        }
        return out;
    }

    String osImage() {
        try {
            for (String line : Files.readAllLines(etc.resolve("os-release"))) {
                if (line.startsWith("PRETTY_NAME=")) {
                    return line.substring("PRETTY_NAME=".length()).replace("\"", "");
                }
            }
        } catch (IOException e) {
            // fall through
        }
        return System.getProperty("os.name") + " " + System.getProperty("os.version");
    }

    static String arch(String jvmArch) {
        return switch (jvmArch) {
            case "amd64", "x86_64" -> "amd64";
            case "aarch64", "arm64" -> "arm64";
            case "arm" -> "arm";
            default -> jvmArch;
        };
    }

    static String hostname() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }

    /** The first IPv4 address of an interface that is up and not loopback, else 127.0.0.1. */
    static String firstAddress() {
        try {
            for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                // outpost*: the pods' CNI bridge and the mesh's interface (ClusterIPs) are not the node's address.
                if (!ni.isUp() || ni.isLoopback() || ni.isVirtual() || ni.getName().startsWith("outpost")) {
                    continue;
                }
                for (InetAddress a : Collections.list(ni.getInetAddresses())) {
                    if (a instanceof Inet4Address && !a.isLinkLocalAddress()) {
                        return a.getHostAddress();
                    }
                }
            }
        } catch (IOException e) {
            // fall through
        }
        return "127.0.0.1";
    }

    private static String read(Path p) {
        try {
            return Files.readString(p).trim();
        } catch (IOException e) {
            return "";
        }
    }
}
