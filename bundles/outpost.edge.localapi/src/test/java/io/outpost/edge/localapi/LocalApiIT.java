package io.outpost.edge.localapi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.channel.nio.NioEventLoopGroup;
import io.outpost.edge.meta.SqliteMetaStore;
import io.outpost.link.pki.Pki;
import io.outpost.meta.api.StoredObject;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The local API over real HTTP, answered from the real SQLite meta store, driven by the JDK's
 * HTTP client and by kubectl (a Kubernetes client that knows nothing of Outpost).
 */
class LocalApiIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    private SqliteMetaStore store;
    private NioEventLoopGroup io;
    private ScheduledExecutorService scheduler;
    private LocalApiServer server;
    private LocalApi api;
    private Credentials credentials;
    private Path kubeconfig;
    private String url;
    private LocalTls tls;
    private HttpClient http;

    /** A client that trusts the local API's own CA only, as the kubeconfig does. */
    private static javax.net.ssl.SSLContext trusting(String caPem) throws Exception {
        java.security.KeyStore ks = java.security.KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setCertificateEntry("ca", Pki.parseCertificate(caPem.getBytes(StandardCharsets.US_ASCII)));
        javax.net.ssl.TrustManagerFactory tmf = javax.net.ssl.TrustManagerFactory.getInstance(javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        javax.net.ssl.SSLContext ctx = javax.net.ssl.SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }

    @BeforeEach
    void start(@TempDir Path dir) throws Exception {
        store = new SqliteMetaStore(dir.resolve("meta.db"));
        credentials = Credentials.loadOrCreate(dir.resolve("localapi/token"));
        api = new LocalApi(r -> store.list(r.storeKind()).stream().map(StoredObject::value).toList(),
                new ChangeLog(System.currentTimeMillis(), 1000, 1 << 22), credentials, 8, Clock.systemUTC());
        io = new NioEventLoopGroup(1);
        scheduler = Executors.newSingleThreadScheduledExecutor();
        tls = LocalTls.loadOrCreate(dir.resolve("localapi"));
        server = LocalApiServer.bind(io, new InetSocketAddress("127.0.0.1", 0), tls.context(), api, scheduler);
        scheduler.scheduleWithFixedDelay(api::tick, 200, 200, TimeUnit.MILLISECONDS);
        url = "https://127.0.0.1:" + server.address().getPort();
        kubeconfig = dir.resolve("localapi/kubeconfig");
        credentials.writeKubeconfig(kubeconfig, url, tls.caPem(), "it");
        http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).sslContext(trusting(tls.caPem())).build();
        // kubectl keeps a discovery cache; a private one per test run
        Files.createDirectories(dir.resolve("kube-cache"));
        cacheDir = dir.resolve("kube-cache");
        store.put("pod", "default/web", pod("default", "web", "u1", "Running"), "17");
        store.put("configmap", "default/settings", cm("default", "settings", "u2", "v1"), "18");
    }

    private Path cacheDir;

    @AfterEach
    void stop() {
        api.endWatches();
        server.close();
        scheduler.shutdownNow();
        io.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        store.close();
    }

    private static ObjectNode pod(String ns, String name, String uid, String phase) {
        ObjectNode p = JSON.createObjectNode().put("apiVersion", "v1").put("kind", "Pod");
        p.putObject("metadata").put("namespace", ns).put("name", name).put("uid", uid).put("creationTimestamp", "2026-11-27T11:55:00Z");
        p.putObject("spec").put("nodeName", "gateway-1").putArray("containers").addObject().put("name", "c").put("image", "busybox");
        p.putObject("status").put("phase", phase);
        return p;
    }

    private static ObjectNode cm(String ns, String name, String uid, String value) {
        ObjectNode c = JSON.createObjectNode().put("apiVersion", "v1").put("kind", "ConfigMap");
        c.putObject("metadata").put("namespace", ns).put("name", name).put("uid", uid).put("creationTimestamp", "2026-11-27T11:55:00Z");
        c.putObject("data").put("key", value);
        return c;
    }

    private HttpResponse<String> get(String path, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url + path)).timeout(Duration.ofSeconds(10));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private String kubectl(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("kubectl", "--kubeconfig", kubeconfig.toString(), "--cache-dir", cacheDir.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "kubectl finished");
        assertEquals(0, p.exitValue(), "kubectl " + String.join(" ", args) + ": " + out);
        return out;
    }

    @Test
    void tokenIsRequired() throws Exception {
        HttpResponse<String> r = get("/api/v1/pods", null);
        assertEquals(401, r.statusCode());
        assertEquals("Unauthorized", JSON.readTree(r.body()).path("reason").asText());
        assertEquals(200, get("/api/v1/pods", credentials.token()).statusCode());
        HttpResponse<String> post = http.send(HttpRequest.newBuilder(URI.create(url + "/api/v1/namespaces/default/pods"))
                .header("Authorization", "Bearer " + credentials.token()).POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(405, post.statusCode());
        // A request line beyond the cap is refused, not buffered.
        assertEquals(400, get("/api/v1/pods?labelSelector=" + "a".repeat(LocalApiServer.MAX_INITIAL_LINE), credentials.token()).statusCode());
    }

    @Test
    void kubectlListsAndGetsFromTheMetaStore() throws Exception {
        String pods = kubectl("get", "pods");
        assertTrue(pods.contains("NAME") && pods.contains("STATUS") && pods.matches("(?s).*web\\s+0/1\\s+Running\\s+0.*"), pods);
        String cms = kubectl("get", "configmaps", "-A");
        assertTrue(cms.contains("settings"), cms);
        assertEquals("v1", kubectl("get", "configmap", "settings", "-o", "jsonpath={.data.key}"));
        JsonNode pod = JSON.readTree(kubectl("get", "pod", "web", "-o", "json"));
        assertEquals("u1", pod.at("/metadata/uid").asText());
    }

    @Test
    void watchStreamsChangesFromTheStore() throws Exception {
        HttpResponse<String> list = get("/api/v1/namespaces/default/configmaps", credentials.token());
        String rv = JSON.readTree(list.body()).at("/metadata/resourceVersion").asText();
        HttpRequest req = HttpRequest.newBuilder(URI.create(url + "/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=" + rv))
                .header("Authorization", "Bearer " + credentials.token()).build();
        HttpResponse<java.io.InputStream> w = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, w.statusCode());
        BlockingQueue<JsonNode> events = new LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(w.body(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    if (!line.isBlank()) {
                        events.add(JSON.readTree(line));
                    }
                }
            } catch (Exception e) {
                // the stream closed
            }
        });
        reader.setDaemon(true);
        reader.start();
        store.put("configmap", "default/settings", cm("default", "settings", "u2", "v2"), "19");
        JsonNode e = events.poll(10, TimeUnit.SECONDS);
        assertEquals("MODIFIED", e.path("type").asText());
        assertEquals("v2", e.at("/object/data/key").asText());
        store.put("configmap", "default/more", cm("default", "more", "u3", "x"), "20");
        assertEquals("ADDED", events.poll(10, TimeUnit.SECONDS).path("type").asText());
        store.delete("configmap", "default/settings");
        JsonNode del = events.poll(10, TimeUnit.SECONDS);
        assertEquals("DELETED", del.path("type").asText());
        assertEquals("settings", del.at("/object/metadata/name").asText());
        assertTrue(del.at("/object/metadata/resourceVersion").asLong() > Long.parseLong(rv));
    }

    @Test
    void kubectlWatchPrintsChanges() throws Exception {
        List<String> cmd = List.of("kubectl", "--kubeconfig", kubeconfig.toString(), "--cache-dir", cacheDir.toString(),
                "get", "pods", "-w", "--request-timeout=20s");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    lines.add(line);
                }
            } catch (Exception e) {
                // ended
            }
        });
        reader.setDaemon(true);
        reader.start();
        try {
            String l;
            do {
                l = lines.poll(20, TimeUnit.SECONDS);
                assertTrue(l != null, "kubectl printed the pod");
            } while (!l.startsWith("web"));
            store.put("pod", "default/web", pod("default", "web", "u1", "Succeeded"), "21");
            do {
                l = lines.poll(20, TimeUnit.SECONDS);
                assertTrue(l != null, "kubectl printed the change");
            } while (!l.contains("Succeeded"));
        } finally {
            p.destroy();
        }
    }
}
