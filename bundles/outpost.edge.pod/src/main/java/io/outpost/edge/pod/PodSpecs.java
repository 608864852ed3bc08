package io.outpost.edge.pod;

import com.fasterxml.jackson.databind.JsonNode;
import io.outpost.runtime.api.ContainerConfig;
import io.outpost.runtime.api.PodSandboxConfig;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * From a Pod (as JSON) to what the container runtime creates: the sandbox and each container, with
 * the labels the pod manager finds them by after a restart. No OSGi, tested alone.
 */
final class PodSpecs {
    static final String LABEL_UID = "io.outpost.pod.uid";
    static final String LABEL_NAMESPACE = "io.outpost.pod.namespace";
    static final String LABEL_NAME = "io.outpost.pod.name";
    static final String LABEL_CONTAINER = "io.outpost.container.name";
    /** The kubelet's CFS period. */
    static final long CPU_PERIOD_MICROS = 100_000;

    private PodSpecs() {
    }

    static String uid(JsonNode pod) {
        return pod.path("metadata").path("uid").asText("");
    }

    static String key(JsonNode pod) {
        return pod.path("metadata").path("namespace").asText() + "/" + pod.path("metadata").path("name").asText();
    }

    static Map<String, String> podLabels(JsonNode pod) {
        return Map.of(LABEL_UID, uid(pod), LABEL_NAMESPACE, pod.path("metadata").path("namespace").asText(),
                LABEL_NAME, pod.path("metadata").path("name").asText());
    }

    /**
     * Checks what the pod manager needs before it runs anything.
     *
     * @throws IllegalArgumentException saying what to fix
     */
    static void validate(JsonNode pod) {
        JsonNode meta = pod.path("metadata");
        for (String f : List.of("namespace", "name", "uid")) {
            if (meta.path(f).asText("").isBlank()) {
                throw new IllegalArgumentException("a pod needs metadata." + f);
            }
        }
        JsonNode containers = pod.path("spec").path("containers");
        if (!containers.isArray() || containers.isEmpty()) {
            throw new IllegalArgumentException("pod " + key(pod) + " needs at least one container in spec.containers");
        }
        for (JsonNode c : containers) {
            if (c.path("name").asText("").isBlank() || c.path("image").asText("").isBlank()) {
                throw new IllegalArgumentException("every container of pod " + key(pod) + " needs a name and an image");
            }
            resources(c);
        }
    }

    static PodSandboxConfig sandbox(JsonNode pod, int attempt) {
        JsonNode meta = pod.path("metadata");
        JsonNode spec = pod.path("spec");
        String hostname = spec.path("hostname").asText(meta.path("name").asText());
        return new PodSandboxConfig(meta.path("name").asText(), uid(pod), meta.path("namespace").asText(), attempt,
                hostname, "", dns(pod, System.getProperty("outpost.pod.clusterDns", "")), List.of(), podLabels(pod), Map.of(),
                spec.path("hostNetwork").asBoolean(false));
    }

    /**
     * The pod's resolver, the kubelet's way: {@code dnsPolicy: None} takes {@code spec.dnsConfig} as
     * it is; ClusterFirst (the default) uses the cluster DNS (the mesh's, issue 8) with the search
     * domains of the pod's namespace when one is set — like the kubelet's --cluster-dns, a property
     * of the gateway process ({@code outpost.pod.clusterDns} in etc/system.properties); else the
     * host's resolver (null).
     */
    static PodSandboxConfig.Dns dns(JsonNode pod, String clusterDns) {
        JsonNode spec = pod.path("spec");
        JsonNode cfg = spec.path("dnsConfig");
        List<String> options = new ArrayList<>();
        cfg.path("options").forEach(o -> options.add(o.path("name").asText() + (o.has("value") ? ":" + o.path("value").asText() : "")));
        String policy = spec.path("dnsPolicy").asText("ClusterFirst");
        if (policy.equals("None")) {
            return new PodSandboxConfig.Dns(strings(cfg.path("nameservers")), strings(cfg.path("searches")), options);
        }
        if (clusterDns.isBlank() || spec.path("hostNetwork").asBoolean(false) || !policy.startsWith("ClusterFirst")) {
            return null;
        }
        String d = System.getProperty("outpost.pod.clusterDomain", "cluster.local");
        List<String> searches = new ArrayList<>(List.of(pod.path("metadata").path("namespace").asText() + ".svc." + d, "svc." + d, d));
        searches.addAll(strings(cfg.path("searches")));
        options.add(0, "ndots:5");
        return new PodSandboxConfig.Dns(List.of(clusterDns.split("\\s*,\\s*")), searches, options);
    }

    static ContainerConfig container(JsonNode pod, JsonNode c, int attempt) {
        return container(pod, c, attempt, "");
    }

    /**
     * @param podIp the sandbox's IP, for {@code fieldRef: status.podIP}; empty when not known
     */
    static ContainerConfig container(JsonNode pod, JsonNode c, int attempt, String podIp) {
        Map<String, String> labels = new LinkedHashMap<>(podLabels(pod));
        labels.put(LABEL_CONTAINER, c.path("name").asText());
        List<ContainerConfig.EnvVar> env = new ArrayList<>();
        for (JsonNode e : c.path("env")) {
            // Plain values and the downward API's fieldRef; configMapKeyRef/secretKeyRef come with their sync.
            if (e.has("value") || !e.has("valueFrom")) {
                env.add(new ContainerConfig.EnvVar(e.path("name").asText(), e.path("value").asText("")));
            } else if (e.path("valueFrom").has("fieldRef")) {
                String value = field(pod, e.path("valueFrom").path("fieldRef").path("fieldPath").asText(), podIp);
                if (value != null) {
                    env.add(new ContainerConfig.EnvVar(e.path("name").asText(), value));
                }
            }
        }
        return new ContainerConfig(c.path("name").asText(), attempt, c.path("image").asText(), strings(c.path("command")),
                strings(c.path("args")), env, List.of(), c.path("workingDir").asText(""), resources(c), labels, Map.of(), "");
    }

    /** The downward API fields a container can read from its environment; null for an unsupported path. */
    static String field(JsonNode pod, String path, String podIp) {
        JsonNode meta = pod.path("metadata");
        return switch (path) {
            case "metadata.name" -> meta.path("name").asText();
            case "metadata.namespace" -> meta.path("namespace").asText();
            case "metadata.uid" -> meta.path("uid").asText();
            case "spec.nodeName" -> pod.path("spec").path("nodeName").asText();
            case "spec.serviceAccountName" -> pod.path("spec").path("serviceAccountName").asText("");
            case "status.podIP" -> podIp;
            default -> {
                java.util.regex.Matcher m = java.util.regex.Pattern.compile("metadata\\.(labels|annotations)\\['([^']+)'\\]").matcher(path);
                yield m.matches() ? meta.path(m.group(1)).path(m.group(2)).asText("") : null;
            }
        };
    }

    private static List<String> strings(JsonNode a) {
        List<String> out = new ArrayList<>();
        a.forEach(s -> out.add(s.asText()));
        return out;
    }

    /**
     * The container's limits as cgroup settings, the kubelet's way: CPU quota from the CPU limit
     * per 100 ms period, shares from the request (or the limit), memory from the memory limit.
     */
    static ContainerConfig.Resources resources(JsonNode c) {
        JsonNode limits = c.path("resources").path("limits");
        JsonNode requests = c.path("resources").path("requests");
        long cpuLimitMilli = limits.has("cpu") ? milliCpu(limits.path("cpu").asText()) : 0;
        long cpuRequestMilli = requests.has("cpu") ? milliCpu(requests.path("cpu").asText()) : cpuLimitMilli;
        long memory = limits.has("memory") ? bytes(limits.path("memory").asText()) : 0;
        if (cpuLimitMilli == 0 && cpuRequestMilli == 0 && memory == 0) {
            return null;
        }
        long shares = cpuRequestMilli == 0 ? 0 : Math.max(2, cpuRequestMilli * 1024 / 1000);
        long quota = cpuLimitMilli == 0 ? 0 : Math.max(1000, cpuLimitMilli * CPU_PERIOD_MICROS / 1000);
        return new ContainerConfig.Resources(shares, quota, cpuLimitMilli == 0 ? 0 : CPU_PERIOD_MICROS, memory);
    }

    /** A CPU quantity ({@code 500m}, {@code 1}, {@code 0.25}) in millicores. */
    static long milliCpu(String q) {
        try {
            if (q.endsWith("m")) {
                return Long.parseLong(q.substring(0, q.length() - 1));
            }
            return new BigDecimal(q).movePointRight(3).setScale(0, java.math.RoundingMode.CEILING).longValueExact();
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException("CPU quantity '" + q + "' is not valid; use for example 500m or 1");
        }
    }

    /** A memory quantity ({@code 64Mi}, {@code 1G}, {@code 1e6}, {@code 1000}) in bytes. */
    static long bytes(String q) {
        String[][] suffixes = {{"Ki", "1024"}, {"Mi", "1048576"}, {"Gi", "1073741824"}, {"Ti", "1099511627776"},
                {"k", "1000"}, {"M", "1000000"}, {"G", "1000000000"}, {"T", "1000000000000"}};
        try {
            for (String[] s : suffixes) {
                if (q.endsWith(s[0])) {
                    return new BigDecimal(q.substring(0, q.length() - s[0].length())).multiply(new BigDecimal(s[1]))
                            .setScale(0, java.math.RoundingMode.CEILING).longValueExact();
                }
            }
            return new BigDecimal(q).setScale(0, java.math.RoundingMode.CEILING).longValueExact();
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException("memory quantity '" + q + "' is not valid; use for example 64Mi or 1G");
        }
    }
}
