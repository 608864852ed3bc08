package io.outpost.bench;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.UUID;

/**
 * Builds the content of a node status update as a gateway sends it: KubeEdge's
 * NodeStatusRequest {@code {"UID", "Status": v1.NodeStatus, "ExtendResources"}}, with the fields
 * a real gateway fills in (capacity, allocatable, the four kubelet conditions with their
 * messages, addresses, daemon endpoints, node info and a few cached images). Encoded it is
 * about 2.5 KiB, the size a small gateway's status has on the wire.
 */
final class NodeStatusContent {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private NodeStatusContent() {
    }

    /**
     * @param nodeName the node
     * @param index a number used to give each node its own address
     * @param now the heartbeat time written into the conditions
     */
    static ObjectNode request(String nodeName, int index, Instant now) {
        ObjectNode req = F.objectNode();
        req.put("UID", "");
        req.set("Status", status(nodeName, index, now));
        req.putObject("ExtendResources");
        return req;
    }

    private static ObjectNode status(String nodeName, int index, Instant now) {
        String ts = now.truncatedTo(ChronoUnit.SECONDS).toString();
        String booted = now.minus(3, ChronoUnit.DAYS).truncatedTo(ChronoUnit.SECONDS).toString();
        ObjectNode st = F.objectNode();
        ObjectNode cap = st.putObject("capacity");
        cap.put("cpu", "4");
        cap.put("ephemeral-storage", "30787492Ki");
        cap.put("hugepages-2Mi", "0");
        cap.put("memory", "3882296Ki");
        cap.put("pods", "110");
        ObjectNode alloc = st.putObject("allocatable");
        alloc.put("cpu", "4");
        alloc.put("ephemeral-storage", "28373752581");
        alloc.put("hugepages-2Mi", "0");
        alloc.put("memory", "3779896Ki");
        alloc.put("pods", "110");
        ArrayNode conds = st.putArray("conditions");
        conds.add(condition("MemoryPressure", "False", ts, booted, "KubeletHasSufficientMemory", "kubelet has sufficient memory available"));
        conds.add(condition("DiskPressure", "False", ts, booted, "KubeletHasNoDiskPressure", "kubelet has no disk pressure"));
        conds.add(condition("PIDPressure", "False", ts, booted, "KubeletHasSufficientPID", "kubelet has sufficient PID available"));
        conds.add(condition("Ready", "True", ts, booted, "EdgeReady", "edge is posting ready status"));
        ArrayNode addrs = st.putArray("addresses");
        addrs.add(F.objectNode().put("type", "InternalIP").put("address", "10." + ((index >> 16) & 255) + "." + ((index >> 8) & 255) + "." + (index & 255)));
        addrs.add(F.objectNode().put("type", "Hostname").put("address", nodeName));
        st.putObject("daemonEndpoints").putObject("kubeletEndpoint").put("Port", 10350);
        ObjectNode info = st.putObject("nodeInfo");
        // Stable per node, as the real values are (they come from /etc/machine-id and the boot id).
        info.put("machineID", UUID.nameUUIDFromBytes(("machine-" + nodeName).getBytes(StandardCharsets.UTF_8)).toString().replace("-", ""));
        info.put("systemUUID", UUID.nameUUIDFromBytes(("system-" + nodeName).getBytes(StandardCharsets.UTF_8)).toString());
        info.put("bootID", UUID.nameUUIDFromBytes(("boot-" + nodeName).getBytes(StandardCharsets.UTF_8)).toString());
        info.put("kernelVersion", "6.1.0-18-arm64");
        info.put("osImage", "Debian GNU/Linux 12 (bookworm)");
        info.put("containerRuntimeVersion", "containerd://1.7.13");
        info.put("kubeletVersion", "v1.32.0-outpost-0.1.0");
        info.put("kubeProxyVersion", "");
        info.put("operatingSystem", "linux");
        info.put("architecture", "arm64");
        ArrayNode images = st.putArray("images");
        images.add(image(83_412_998, "docker.io/library/nginx:1.27"));
        images.add(image(12_211_372, "docker.io/eclipse-mosquitto:2.0"));
        images.add(image(268_553, "registry.k8s.io/pause:3.9"));
        return st;
    }

    private static ObjectNode condition(String type, String status, String heartbeat, String transition, String reason, String message) {
        return F.objectNode().put("type", type).put("status", status).put("lastHeartbeatTime", heartbeat)
                .put("lastTransitionTime", transition).put("reason", reason).put("message", message);
    }

    /** An image as the runtime lists it: by digest and by tag (the digest is made up from the tag). */
    private static ObjectNode image(long size, String tag) {
        String repo = tag.substring(0, tag.lastIndexOf(':'));
        String digest;
        try {
            digest = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(tag.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        ObjectNode o = F.objectNode();
        o.putArray("names").add(repo + "@sha256:" + digest).add(tag);
        o.put("sizeBytes", size);
        return o;
    }
}
