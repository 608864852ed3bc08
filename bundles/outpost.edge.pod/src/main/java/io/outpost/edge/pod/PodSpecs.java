package io.outpost.edge.pod;

import com.fasterxml.jackson.databind.JsonNode;
import io.outpost.runtime.api.ContainerConfig;
import io.outpost.runtime.api.PodSandboxConfig;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * From a Pod (as JSON) to what the container runtime creates: the sandbox and each container, with
 * the labels the pod manager finds them by after a restart. No OSGi, tested alone.
 */
final class PodSpecs {
    static final String LABEL_UID = "io.outpost.pod.uid";
    static final String LABEL_NAMESPACE = "io.outpost.pod.namespace";
    static final String LABEL_NAME = "io.outpost.pod.name";
    static final String LABEL_CONTAINER = "io.outpost.container.name";
    /**
     * The node the pod is bound to: a gateway only ever removes sandboxes of its own node, so
     * several gateways (or tests) sharing one containerd leave each other's pods alone.
     */
    static final String LABEL_NODE = "io.outpost.node";
    /** Largest data of a ConfigMap or Secret, as Kubernetes limits it (1 MiB). */
    static final int MAX_DATA_BYTES = 1024 * 1024;
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
                LABEL_NAME, pod.path("metadata").path("name").asText(), LABEL_NODE, pod.path("spec").path("nodeName").asText(""));
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
        return container(pod, c, attempt, "", Sources.NONE, List.of());
    }

    /**
     * Where a container's configuration reads ConfigMaps, Secrets and the node's allocatable
     * resources (for {@code resourceFieldRef} without a limit), as the kubelet does.
     */
    interface Sources {
        Sources NONE = new Sources() {
            @Override
            public JsonNode configMap(String namespace, String name) {
                return null;
            }

            @Override
            public JsonNode secret(String namespace, String name) {
                return null;
            }
        };

        /** @return the ConfigMap as JSON, or null when this gateway does not have it */
        JsonNode configMap(String namespace, String name);

        /** @return the Secret as JSON, or null when this gateway does not have it */
        JsonNode secret(String namespace, String name);

        /** @return allocatable CPU of the node in millicores */
        default long allocatableMilliCpu() {
            return Runtime.getRuntime().availableProcessors() * 1000L;
        }

        /** @return allocatable memory of the node in bytes */
        default long allocatableMemory() {
            return Runtime.getRuntime().maxMemory();
        }
    }

    /**
     * A container whose configuration cannot be made yet (a ConfigMap, Secret or key is missing):
     * the kubelet's {@code CreateContainerConfigError}; the container waits until it is there.
     */
    static final class ConfigError extends RuntimeException {
        private static final long serialVersionUID = 1L;

        ConfigError(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * @param podIp the sandbox's IP, for {@code fieldRef: status.podIP}; empty when not known
     * @param sources ConfigMaps and Secrets for {@code valueFrom} and {@code envFrom}
     * @param mounts the container's volume mounts (see {@link PodVolumes})
     * @throws ConfigError when a required ConfigMap, Secret or key is missing
     */
    static ContainerConfig container(JsonNode pod, JsonNode c, int attempt, String podIp, Sources sources,
            List<ContainerConfig.Mount> mounts) {
        Map<String, String> labels = new LinkedHashMap<>(podLabels(pod));
        labels.put(LABEL_CONTAINER, c.path("name").asText());
        Map<String, String> env = env(pod, c, podIp, sources);
        List<ContainerConfig.EnvVar> vars = new ArrayList<>();
        env.forEach((k, v) -> vars.add(new ContainerConfig.EnvVar(k, v)));
        return new ContainerConfig(c.path("name").asText(), attempt, c.path("image").asText(), expand(strings(c.path("command")), env),
                expand(strings(c.path("args")), env), vars, mounts, c.path("workingDir").asText(""), resources(c), labels, Map.of(), "");
    }

    /**
     * The container's environment the kubelet's way: {@code envFrom} first (in order, with its
     * prefix; keys that are no valid variable names are skipped), then {@code env}, whose entries
     * win and may use {@code $(NAME)} of the ones before.
     */
    static Map<String, String> env(JsonNode pod, JsonNode c, String podIp, Sources sources) {
        String ns = pod.path("metadata").path("namespace").asText();
        Map<String, String> env = new LinkedHashMap<>();
        for (JsonNode from : c.path("envFrom")) {
            String prefix = from.path("prefix").asText("");
            boolean isSecret = from.has("secretRef");
            JsonNode ref = isSecret ? from.path("secretRef") : from.path("configMapRef");
            String name = ref.path("name").asText("");
            JsonNode obj = isSecret ? sources.secret(ns, name) : sources.configMap(ns, name);
            if (obj == null) {
                if (ref.path("optional").asBoolean(false)) {
                    continue;
                }
                throw new ConfigError((isSecret ? "secret" : "configmap") + " \"" + name + "\" not found");
            }
            data(obj, isSecret).forEach((k, v) -> {
                if (k.matches("[-._a-zA-Z][-._a-zA-Z0-9]*")) {
                    env.put(prefix + k, v);
                }
            });
        }
        for (JsonNode e : c.path("env")) {
            String name = e.path("name").asText();
            if (!e.has("valueFrom")) {
                env.put(name, expand(e.path("value").asText(""), env));
                continue;
            }
            JsonNode from = e.path("valueFrom");
            if (from.has("fieldRef")) {
                String value = field(pod, from.path("fieldRef").path("fieldPath").asText(), podIp);
                if (value != null) {
                    env.put(name, value);
                }
            } else if (from.has("resourceFieldRef")) {
                env.put(name, resourceField(c, from.path("resourceFieldRef"), sources));
            } else if (from.has("configMapKeyRef") || from.has("secretKeyRef")) {
                boolean isSecret = from.has("secretKeyRef");
                JsonNode ref = isSecret ? from.path("secretKeyRef") : from.path("configMapKeyRef");
                String objName = ref.path("name").asText("");
                String key = ref.path("key").asText("");
                boolean optional = ref.path("optional").asBoolean(false);
                JsonNode obj = isSecret ? sources.secret(ns, objName) : sources.configMap(ns, objName);
                if (obj == null) {
                    if (optional) {
                        continue;
                    }
                    throw new ConfigError((isSecret ? "secret" : "configmap") + " \"" + objName + "\" not found");
                }
                String value = data(obj, isSecret).get(key);
                if (value == null) {
                    if (optional) {
                        continue;
                    }
                    throw new ConfigError("couldn't find key " + key + " in " + (isSecret ? "Secret " : "ConfigMap ") + ns + "/" + objName);
                }
                env.put(name, value);
            }
        }
        return env;
    }

    /** Bytes of a ConfigMap's or Secret's data (keys and values), as the API server counts them for its limit. */
    static long dataSize(JsonNode obj, boolean secret) {
        long n = 0;
        for (String f : List.of("data", "binaryData", "stringData")) {
            for (var it = obj.path(f).fields(); it.hasNext(); ) {
                var e = it.next();
                n += e.getKey().length() + e.getValue().asText("").length();
            }
        }
        return n;
    }

    /**
     * The ConfigMaps and Secrets a pod uses, as {@code configmap/<ns>/<name>} and {@code
     * secret/<ns>/<name>}: env {@code valueFrom}, {@code envFrom} and volumes, of init and app
     * containers.
     */
    static Set<String> references(JsonNode pod) {
        String ns = pod.path("metadata").path("namespace").asText();
        Set<String> out = new java.util.TreeSet<>();
        JsonNode spec = pod.path("spec");
        for (String list : List.of("initContainers", "containers")) {
            for (JsonNode c : spec.path(list)) {
                for (JsonNode e : c.path("env")) {
                    addRef(out, "configmap", ns, e.path("valueFrom").path("configMapKeyRef").path("name"));
                    addRef(out, "secret", ns, e.path("valueFrom").path("secretKeyRef").path("name"));
                }
                for (JsonNode e : c.path("envFrom")) {
                    addRef(out, "configmap", ns, e.path("configMapRef").path("name"));
                    addRef(out, "secret", ns, e.path("secretRef").path("name"));
                }
            }
        }
        for (JsonNode v : spec.path("volumes")) {
            addRef(out, "configmap", ns, v.path("configMap").path("name"));
            addRef(out, "secret", ns, v.path("secret").path("secretName"));
            for (JsonNode src : v.path("projected").path("sources")) {
                addRef(out, "configmap", ns, src.path("configMap").path("name"));
                addRef(out, "secret", ns, src.path("secret").path("name"));
            }
        }
        return out;
    }

    private static void addRef(Set<String> out, String kind, String ns, JsonNode name) {
        if (name.isTextual() && !name.asText().isEmpty()) {
            out.add(kind + "/" + ns + "/" + name.asText());
        }
    }

    /** A ConfigMap's {@code data} and {@code binaryData}, or a Secret's decoded {@code data} (and {@code stringData}). */
    static Map<String, String> data(JsonNode obj, boolean secret) {
        Map<String, String> out = new LinkedHashMap<>();
        bytes(obj, secret).forEach((k, v) -> out.put(k, new String(v, java.nio.charset.StandardCharsets.UTF_8)));
        return out;
    }

    /** The object's entries as bytes: what a volume's files hold. */
    static Map<String, byte[]> bytes(JsonNode obj, boolean secret) {
        Map<String, byte[]> out = new java.util.TreeMap<>();
        java.util.Base64.Decoder b64 = java.util.Base64.getMimeDecoder();
        if (secret) {
            obj.path("data").fields().forEachRemaining(f -> out.put(f.getKey(), b64.decode(f.getValue().asText(""))));
            obj.path("stringData").fields().forEachRemaining(f -> out.put(f.getKey(),
                    f.getValue().asText("").getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        } else {
            obj.path("data").fields().forEachRemaining(f -> out.put(f.getKey(),
                    f.getValue().asText("").getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            obj.path("binaryData").fields().forEachRemaining(f -> out.put(f.getKey(), b64.decode(f.getValue().asText(""))));
        }
        return out;
    }

    /** {@code resourceFieldRef}: a limit or request in units of its divisor (rounded up); a missing limit is the node's allocatable. */
    static String resourceField(JsonNode c, JsonNode ref, Sources sources) {
        String resource = ref.path("resource").asText("");
        String divisor = ref.path("divisor").asText("");
        JsonNode res = c.path("resources");
        boolean cpu = resource.endsWith(".cpu");
        JsonNode q = resource.startsWith("limits.") ? res.path("limits").path(cpu ? "cpu" : "memory")
                : res.path("requests").path(cpu ? "cpu" : "memory");
        if (!resource.matches("(limits|requests)\\.(cpu|memory)")) {
            throw new ConfigError("resourceFieldRef resource '" + resource + "' is not supported; use limits.cpu, limits.memory, "
                    + "requests.cpu or requests.memory");
        }
        if (cpu) {
            long milli = q.isMissingNode() ? (resource.startsWith("limits.") ? sources.allocatableMilliCpu() : 0) : milliCpu(q.asText());
            long div = divisor.isEmpty() || "0".equals(divisor) ? 1000 : milliCpu(divisor);
            return Long.toString((milli + div - 1) / div);
        }
        long b = q.isMissingNode() ? (resource.startsWith("limits.") ? sources.allocatableMemory() : 0) : bytes(q.asText());
        long div = divisor.isEmpty() || "0".equals(divisor) ? 1 : bytes(divisor);
        return Long.toString((b + div - 1) / div);
    }

    /** Kubernetes' {@code $(VAR)} expansion: defined names are replaced, {@code $$} escapes, others stay as written. */
    static String expand(String s, Map<String, String> env) {
        if (s.indexOf('$') < 0) {
            return s;
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (ch == '$' && i + 1 < s.length()) {
                char next = s.charAt(i + 1);
                if (next == '$') {
                    out.append('$');
                    i++;
                    continue;
                }
                int close = s.indexOf(')', i + 2);
                if (next == '(' && close > 0) {
                    String name = s.substring(i + 2, close);
                    String v = env.get(name);
                    out.append(v != null ? v : "$(" + name + ")");
                    i = close;
                    continue;
                }
            }
            out.append(ch);
        }
        return out.toString();
    }

    private static List<String> expand(List<String> l, Map<String, String> env) {
        return l.stream().map(s -> expand(s, env)).toList();
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
