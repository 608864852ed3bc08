package io.outpost.devapiserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real kubectl binary against the server. kubectl is a required tool of this module's
 * tests: when it is missing the tests fail (they are never skipped).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KubectlTest {
    private static final Path KUBECTL = Path.of("/usr/bin/kubectl");

    @TempDir
    static Path dir;
    private static DevApiServer server;
    private static TestHttp http;

    record Result(int exit, String out, String err) {
        Result ok() {
            assertEquals(0, exit, "kubectl failed:\nstdout: " + out + "\nstderr: " + err);
            return this;
        }
    }

    @BeforeAll
    static void start() throws Exception {
        if (!Files.isExecutable(KUBECTL)) {
            fail("kubectl is required for these tests but " + KUBECTL + " is missing or not executable; "
                    + "install kubectl 1.32 (for example from the Kubernetes apt repository)");
        }
        server = DevApiServer.start("--port", "0", "--kubeconfig", dir.resolve("kubeconfig").toString());
        http = new TestHttp(server.url());
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    private static ProcessBuilder kubectl(List<String> args) {
        List<String> command = new ArrayList<>();
        command.add(KUBECTL.toString());
        command.add("--cache-dir=" + dir.resolve("cache"));
        command.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().put("KUBECONFIG", dir.resolve("kubeconfig").toString());
        pb.environment().put("HOME", dir.toString());
        return pb;
    }

    static Result run(String... args) throws Exception {
        ProcessBuilder pb = kubectl(List.of(args));
        Path out = Files.createTempFile(dir, "out", ".txt");
        Path err = Files.createTempFile(dir, "err", ".txt");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        Process p = pb.start();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("kubectl " + String.join(" ", args) + " did not finish in time");
        }
        return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    private static Path file(String name, String content) throws IOException {
        Path f = dir.resolve(name);
        Files.writeString(f, content);
        return f;
    }

    /** The line of a table whose first column is {@code name}, split on runs of spaces. */
    private static List<String> row(String table, String name) {
        for (String line : table.split("\n")) {
            String[] cells = line.trim().split("\\s{2,}");
            if (cells.length > 0 && cells[0].equals(name)) {
                return List.of(cells);
            }
        }
        throw new AssertionError("no row " + name + " in\n" + table);
    }

    private static List<String> header(String table) {
        return List.of(table.split("\n")[0].trim().split("\\s{2,}"));
    }

    @Test
    @Order(1)
    void versionAndApiResources() throws Exception {
        assertTrue(run("version").ok().out().contains("Server Version: " + DevApiServer.GIT_VERSION));
        String resources = run("api-resources").ok().out();
        assertEquals(List.of("NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"), header(resources));
        assertEquals(List.of("pods", "po", "v1", "true", "Pod"), row(resources, "pods"));
        assertEquals(List.of("leases", "coordination.k8s.io/v1", "true", "Lease"), row(resources, "leases"));
        assertTrue(resources.contains("customresourcedefinitions"));
        String namespaces = run("get", "namespaces").ok().out();
        for (String ns : List.of("default", "kube-system", "kube-public", "kube-node-lease")) {
            assertEquals("Active", row(namespaces, ns).get(1));
        }
    }

    @Test
    @Order(2)
    void nodesWideDescribeLabelAndPatch() throws Exception {
        Path node = file("node.yaml", String.join("\n",
                "apiVersion: v1",
                "kind: Node",
                "metadata:",
                "  name: edge-node-1",
                "  labels:",
                "    node-role.kubernetes.io/edge: \"\"",
                "status:",
                "  conditions:",
                "  - type: Ready",
                "    status: \"True\"",
                "    reason: EdgeReady",
                "    message: edge agent is posting ready status",
                "    lastHeartbeatTime: \"2025-01-01T00:00:00Z\"",
                "    lastTransitionTime: \"2025-01-01T00:00:00Z\"",
                "  addresses:",
                "  - type: InternalIP",
                "    address: 192.168.10.21",
                "  - type: Hostname",
                "    address: edge-node-1",
                "  nodeInfo:",
                "    kubeletVersion: v1.32.0-outpost",
                "    osImage: Outpost Linux",
                "    kernelVersion: 6.1.0",
                "    containerRuntimeVersion: containerd://1.7.0",
                "    operatingSystem: linux",
                "    architecture: arm64",
                "    machineID: m",
                "    systemUUID: s",
                "    bootID: b",
                "    kubeProxyVersion: \"\"",
                ""));
        assertTrue(run("create", "-f", node.toString()).ok().out().contains("node/edge-node-1 created"));
        String wide = run("get", "nodes", "-o", "wide").ok().out();
        assertEquals(List.of("NAME", "STATUS", "ROLES", "AGE", "VERSION", "INTERNAL-IP", "EXTERNAL-IP", "OS-IMAGE",
                "KERNEL-VERSION", "CONTAINER-RUNTIME"), header(wide));
        List<String> cells = row(wide, "edge-node-1");
        assertEquals("Ready", cells.get(1));
        assertEquals("edge", cells.get(2));
        assertTrue(Pattern.matches("\\d+s", cells.get(3)), cells.get(3));
        assertEquals(List.of("v1.32.0-outpost", "192.168.10.21", "<none>", "Outpost Linux", "6.1.0", "containerd://1.7.0"),
                cells.subList(4, 10));

        http.post("/api/v1/namespaces/default/pods", "{'metadata':{'name':'on-edge'},'spec':{'nodeName':'edge-node-1',"
                + "'containers':[{'name':'app','image':'nginx','resources':{'requests':{'cpu':'100m'}}}]}}");
        http.post("/api/v1/namespaces/default/events", "{'metadata':{'name':'edge-node-1.ready'},"
                + "'involvedObject':{'kind':'Node','name':'edge-node-1','uid':'edge-node-1'},'reason':'NodeReady',"
                + "'message':'Node edge-node-1 status is now: NodeReady','type':'Normal','source':{'component':'edgecore'},"
                + "'firstTimestamp':'2025-01-01T00:00:00Z','lastTimestamp':'2025-01-01T00:00:00Z','count':1}");
        String described = run("describe", "node", "edge-node-1").ok().out();
        assertTrue(described.contains("Name:               edge-node-1"), described);
        assertTrue(Pattern.compile("Ready\\s+True").matcher(described).find(), described);
        assertTrue(described.contains("InternalIP:  192.168.10.21"), described);
        assertTrue(described.contains("Non-terminated Pods:          (1 in total)"), described);
        assertTrue(described.contains("on-edge"), described);
        assertTrue(described.contains("NodeReady"), "node events are found: " + described);

        assertTrue(run("label", "node", "edge-node-1", "zone=north").ok().out().contains("node/edge-node-1 labeled"));
        assertTrue(run("get", "nodes", "-l", "zone=north", "-o", "name").ok().out().contains("node/edge-node-1"));
        assertEquals("", run("get", "nodes", "-l", "zone=south", "-o", "name").ok().out().trim());
        assertTrue(run("patch", "node", "edge-node-1", "--type=merge", "-p", "{\"spec\":{\"unschedulable\":true}}")
                .ok().out().contains("node/edge-node-1 patched"));
        assertEquals("Ready,SchedulingDisabled", row(run("get", "nodes").ok().out(), "edge-node-1").get(1));
        assertTrue(run("patch", "node", "edge-node-1", "-p", "{\"metadata\":{\"labels\":{\"zone\":\"east\"}}}")
                .ok().out().contains("patched"), "strategic merge patch is the default");
        assertEquals("east", run("get", "node", "edge-node-1", "-o", "jsonpath={.metadata.labels.zone}").ok().out());
    }

    @Test
    @Order(3)
    void applyConfigMapTwiceThenDelete() throws Exception {
        Path cm = file("cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app-config\ndata:\n  mode: first\n");
        assertTrue(run("apply", "-f", cm.toString()).ok().out().contains("configmap/app-config created"));
        Files.writeString(cm, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app-config\ndata:\n  mode: second\n  extra: x\n");
        assertTrue(run("apply", "-f", cm.toString()).ok().out().contains("configmap/app-config configured"));
        assertTrue(run("apply", "-f", cm.toString()).ok().out().contains("configmap/app-config unchanged"));
        assertEquals("second", run("get", "configmap", "app-config", "-o", "jsonpath={.data.mode}").ok().out());
        assertEquals("2", row(run("get", "configmaps").ok().out(), "app-config").get(1));

        Path ssa = file("ssa.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa-config\ndata:\n  a: \"1\"\n");
        assertTrue(run("apply", "--server-side", "-f", ssa.toString()).ok().out().contains("configmap/ssa-config serverside-applied"));

        assertTrue(run("delete", "configmap", "app-config").ok().out().contains("configmap \"app-config\" deleted"));
        Result missing = run("get", "configmap", "app-config");
        assertEquals(1, missing.exit());
        assertTrue(missing.err().contains("Error from server (NotFound): configmaps \"app-config\" not found"), missing.err());
    }

    @Test
    @Order(4)
    void customResourceDefinitionThenResource() throws Exception {
        Path crd = file("crd.yaml", String.join("\n",
                "apiVersion: apiextensions.k8s.io/v1",
                "kind: CustomResourceDefinition",
                "metadata:",
                "  name: edgedevices.devices.outpost.io",
                "spec:",
                "  group: devices.outpost.io",
                "  scope: Namespaced",
                "  names:",
                "    plural: edgedevices",
                "    singular: edgedevice",
                "    kind: EdgeDevice",
                "    shortNames: [edev]",
                "  versions:",
                "  - name: v1beta1",
                "    served: true",
                "    storage: true",
                "    subresources:",
                "      status: {}",
                "    schema:",
                "      openAPIV3Schema:",
                "        type: object",
                "        x-kubernetes-preserve-unknown-fields: true",
                "    additionalPrinterColumns:",
                "    - name: Protocol",
                "      type: string",
                "      jsonPath: .spec.protocol",
                "    - name: Node",
                "      type: string",
                "      jsonPath: .spec.nodeName",
                "    - name: Age",
                "      type: date",
                "      jsonPath: .metadata.creationTimestamp",
                ""));
        Path device = file("device.yaml", String.join("\n",
                "apiVersion: devices.outpost.io/v1beta1",
                "kind: EdgeDevice",
                "metadata:",
                "  name: thermometer",
                "spec:",
                "  protocol: modbus",
                "  nodeName: edge-node-1",
                ""));
        // Warm kubectl's discovery cache first, so the CRD appearing later must still be found.
        run("get", "configmaps").ok();
        assertTrue(run("apply", "-f", crd.toString()).ok().out()
                .contains("customresourcedefinition.apiextensions.k8s.io/edgedevices.devices.outpost.io created"));
        assertTrue(run("apply", "-f", device.toString()).ok().out().contains("edgedevice.devices.outpost.io/thermometer created"));
        String table = run("get", "edgedevices").ok().out();
        assertEquals(List.of("NAME", "PROTOCOL", "NODE", "AGE"), header(table));
        assertEquals(List.of("thermometer", "modbus", "edge-node-1"), row(table, "thermometer").subList(0, 3));
        assertTrue(run("get", "edev", "thermometer").ok().out().contains("modbus"), "short names work");
        Files.writeString(device, Files.readString(device).replace("modbus", "opcua"));
        assertTrue(run("apply", "-f", device.toString()).ok().out().contains("edgedevice.devices.outpost.io/thermometer configured"));
        assertEquals("opcua", row(run("get", "edgedevices").ok().out(), "thermometer").get(1));
        String crds = run("get", "crd").ok().out();
        assertEquals(List.of("NAME", "CREATED AT"), header(crds));
    }

    @Test
    @Order(5)
    void getWatchReceivesEvents() throws Exception {
        Process watch = kubectl(List.of("get", "configmaps", "-w")).redirectErrorStream(true).start();
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(watch.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    lines.add(line);
                }
            } catch (IOException ignored) {
                // process ended
            }
        });
        reader.setDaemon(true);
        reader.start();
        try {
            String first = lines.poll(15, TimeUnit.SECONDS);
            assertTrue(first != null && first.startsWith("NAME"), "kubectl printed the table header: " + first);
            // Wait until the watch itself is open, so the change below is a live event.
            long deadline = System.currentTimeMillis() + 10_000;
            while (server.activeWatches() == 0 && System.currentTimeMillis() < deadline) {
                Thread.sleep(20);
            }
            http.post("/api/v1/namespaces/default/configmaps", "{'metadata':{'name':'watched-live'},'data':{'k':'v'}}");
            String seen = null;
            while (seen == null && System.currentTimeMillis() < deadline + 10_000) {
                String line = lines.poll(500, TimeUnit.MILLISECONDS);
                if (line != null && line.startsWith("watched-live")) {
                    seen = line;
                }
            }
            assertTrue(seen != null, "kubectl get -w printed the new object; output so far: " + lines);
            assertEquals("1", List.of(seen.trim().split("\\s+")).get(1));
        } finally {
            watch.destroy();
            if (!watch.waitFor(5, TimeUnit.SECONDS)) {
                watch.destroyForcibly();
            }
        }
    }

    @Test
    @Order(6)
    void imperativeCreateCommandsSendingProtobuf() throws Exception {
        Path data = dir.resolve("blob.bin");
        Files.write(data, new byte[] {(byte) 0xff, (byte) 0xfe, 0, 1}); // not UTF-8, so it becomes binaryData
        assertTrue(run("create", "namespace", "imperative").ok().out().contains("namespace/imperative created"));
        run("create", "configmap", "literal", "-n", "imperative", "--from-literal=a=1", "--from-file=" + data).ok();
        assertEquals("1", run("get", "configmap", "literal", "-n", "imperative", "-o", "jsonpath={.data.a}").ok().out());
        assertEquals("//4AAQ==", run("get", "configmap", "literal", "-n", "imperative",
                "-o", "jsonpath={.binaryData.blob\\.bin}").ok().out());
        run("create", "secret", "generic", "token", "-n", "imperative", "--from-literal=t=s3cret").ok();
        assertEquals("Opaque", row(run("get", "secrets", "-n", "imperative").ok().out(), "token").get(1));
        run("create", "serviceaccount", "robot", "-n", "imperative").ok();
        run("create", "deployment", "web", "-n", "imperative", "--image=nginx:1.27", "--replicas=2", "--port=80").ok();
        assertEquals(List.of("web", "0/2", "0", "0"), row(run("get", "deployments", "-n", "imperative").ok().out(), "web").subList(0, 4));
        assertTrue(run("scale", "deployment", "web", "-n", "imperative", "--replicas=3").ok().out().contains("scaled"));
        assertEquals("3", run("get", "deployment", "web", "-n", "imperative", "-o", "jsonpath={.spec.replicas}").ok().out());
        assertTrue(run("delete", "namespace", "imperative").ok().out().contains("deleted"));
        assertEquals(1, run("get", "namespace", "imperative").exit());
    }

    @Test
    @Order(7)
    void serverErrorsAreShownLikeARealCluster() throws Exception {
        Path bad = file("bad.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Not_Valid\n");
        Result invalid = run("apply", "-f", bad.toString());
        assertEquals(1, invalid.exit());
        assertTrue(invalid.err().contains("is invalid"), invalid.err());
        Result conflict = run("create", "-f", dir.resolve("node.yaml").toString());
        assertTrue(conflict.err().contains("AlreadyExists"), conflict.err());
    }
}
