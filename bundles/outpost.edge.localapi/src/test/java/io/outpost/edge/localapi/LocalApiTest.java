package io.outpost.edge.localapi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalApiTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant NOW = Instant.parse("2026-11-27T12:00:00Z");

    /** What the gateway holds, by store kind and namespace/name. */
    private final Map<String, Map<String, JsonNode>> objects = new ConcurrentHashMap<>();
    private Credentials credentials;
    private LocalApi api;
    private String bearer;

    @BeforeEach
    void setUp(@TempDir Path dir) throws Exception {
        credentials = Credentials.loadOrCreate(dir.resolve("token"));
        bearer = "Bearer " + credentials.token();
        api = new LocalApi(r -> new ArrayList<>(objects.getOrDefault(r.storeKind(), Map.of()).values()),
                new ChangeLog(NOW.toEpochMilli(), 100, 1 << 20), credentials, 2, Clock.fixed(NOW, ZoneOffset.UTC));
        put("pod", pod("default", "web", "u1", "Running"));
        put("pod", pod("apps", "db", "u2", "Pending"));
        put("configmap", obj("default", "settings", "u3").put("data", "x").set("data", JSON.createObjectNode().put("a", "1")));
    }

    private void put(String kind, ObjectNode o) {
        objects.computeIfAbsent(kind, k -> new ConcurrentHashMap<>())
                .put(o.at("/metadata/namespace").asText() + "/" + o.at("/metadata/name").asText(), o);
    }

    private static ObjectNode obj(String ns, String name, String uid) {
        ObjectNode o = JSON.createObjectNode();
        o.putObject("metadata").put("namespace", ns).put("name", name).put("uid", uid).put("resourceVersion", "4711")
                .put("creationTimestamp", "2026-11-27T11:55:00Z").putObject("labels").put("app", name);
        return o;
    }

    private static ObjectNode pod(String ns, String name, String uid, String phase) {
        ObjectNode p = obj(ns, name, uid);
        p.putObject("spec").put("nodeName", "gateway-1").putArray("containers").addObject().put("name", "c");
        p.putObject("status").put("phase", phase);
        return p;
    }

    private LocalApi.Full get(String path, String query, String accept) {
        Map<String, List<String>> q = new HashMap<>();
        if (!query.isEmpty()) {
            for (String kv : query.split("&")) {
                String[] p = kv.split("=", 2);
                q.put(p[0], List.of(p.length > 1 ? p[1] : ""));
            }
        }
        return assertInstanceOf(LocalApi.Full.class, api.handle(new LocalApi.Request("GET", path, q, bearer, accept)));
    }

    private JsonNode json(LocalApi.Full f) throws Exception {
        return JSON.readTree(f.body());
    }

    @Test
    void requestsWithoutTheTokenGet401ButHealthChecksDoNot() throws Exception {
        LocalApi.Full none = assertInstanceOf(LocalApi.Full.class,
                api.handle(new LocalApi.Request("GET", "/api/v1/pods", Map.of(), null, null)));
        assertEquals(401, none.status());
        assertEquals("Unauthorized", json(none).path("reason").asText());
        assertTrue(json(none).path("message").asText().contains("kubeconfig"), "says where the token is");
        assertEquals(401, ((LocalApi.Full) api.handle(new LocalApi.Request("GET", "/api/v1/pods", Map.of(), "Bearer wrong", null))).status());
        assertEquals(401, ((LocalApi.Full) api.handle(new LocalApi.Request("GET", "/api/v1/pods", Map.of(),
                "Basic " + credentials.token(), null))).status());
        assertEquals(200, ((LocalApi.Full) api.handle(new LocalApi.Request("GET", "/healthz", Map.of(), null, null))).status());
    }

    @Test
    void readOnly() throws Exception {
        LocalApi.Full f = (LocalApi.Full) api.handle(new LocalApi.Request("DELETE", "/api/v1/namespaces/default/pods/web", Map.of(), bearer, null));
        assertEquals(405, f.status());
        assertTrue(json(f).path("message").asText().contains("read-only"));
    }

    @Test
    void discoveryNamesWhatIsServed() throws Exception {
        assertEquals("v1", json(get("/api", "", null)).at("/versions/0").asText());
        JsonNode core = json(get("/api/v1", "", null));
        List<String> names = new ArrayList<>();
        core.path("resources").forEach(r -> names.add(r.path("name").asText()));
        assertEquals(List.of("pods", "configmaps", "secrets", "services", "nodes"), names);
        assertEquals("[\"get\",\"list\",\"watch\"]", core.at("/resources/0/verbs").toString());
        JsonNode groups = json(get("/apis", "", null));
        assertEquals("discovery.k8s.io", groups.at("/groups/0/name").asText());
        assertEquals("devices.kubeedge.io/v1beta1", groups.at("/groups/1/preferredVersion/groupVersion").asText());
        assertEquals("endpointslices", json(get("/apis/discovery.k8s.io/v1", "", null)).at("/resources/0/name").asText());
        assertEquals(404, get("/apis/apps/v1", "", null).status());
    }

    @Test
    void listAndGetWithTheirOwnResourceVersions() throws Exception {
        JsonNode all = json(get("/api/v1/pods", "", null));
        assertEquals("PodList", all.path("kind").asText());
        assertEquals(2, all.path("items").size());
        assertEquals("apps", all.at("/items/0/metadata/namespace").asText(), "sorted by namespace/name");
        assertEquals("Pod", all.at("/items/0/kind").asText());
        long listRv = all.at("/metadata/resourceVersion").asLong();
        assertTrue(listRv > NOW.toEpochMilli() * 1000, "versions of this run start above every earlier run's");
        assertFalse(all.at("/items/0/metadata/resourceVersion").asText().equals("4711"), "the cloud's version is not shown");

        JsonNode inNs = json(get("/api/v1/namespaces/default/pods", "", null));
        assertEquals(1, inNs.path("items").size());
        JsonNode web = json(get("/api/v1/namespaces/default/pods/web", "", null));
        assertEquals("Running", web.at("/status/phase").asText());
        assertEquals(all.at("/items/1/metadata/resourceVersion"), web.at("/metadata/resourceVersion"), "unchanged: same version");

        LocalApi.Full missing = get("/api/v1/namespaces/default/pods/nope", "", null);
        assertEquals(404, missing.status());
        assertEquals("pods \"nope\" not found", json(missing).path("message").asText());
        assertEquals(404, get("/api/v1/namespaces/default/widgets", "", null).status());
        assertEquals(404, get("/api/v1/namespaces/default/nodes", "", null).status());
    }

    @Test
    void selectors() throws Exception {
        assertEquals("db", json(get("/api/v1/pods", "labelSelector=app%3Ddb".replace("%3D", "="), null)).at("/items/0/metadata/name").asText());
        assertEquals(1, json(get("/api/v1/pods", "labelSelector=app!=db", null)).path("items").size());
        assertEquals(2, json(get("/api/v1/pods", "labelSelector=app", null)).path("items").size());
        assertEquals(0, json(get("/api/v1/pods", "labelSelector=!app", null)).path("items").size());
        assertEquals("web", json(get("/api/v1/pods", "fieldSelector=status.phase=Running", null)).at("/items/0/metadata/name").asText());
        assertEquals(2, json(get("/api/v1/pods", "fieldSelector=spec.nodeName=gateway-1", null)).path("items").size());
        LocalApi.Full bad = get("/api/v1/pods", "labelSelector=app in (a,b)", null);
        assertEquals(400, bad.status());
        assertTrue(json(bad).path("message").asText().contains("set-based"));
        assertEquals(400, get("/api/v1/pods", "fieldSelector=status.phase", null).status());
        assertEquals(400, get("/api/v1/pods", "watch=maybe", null).status());
        assertEquals(400, get("/api/v1/pods", "watch=true&resourceVersion=abc", null).status());
    }

    @Test
    void tablesForKubectl() throws Exception {
        String accept = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json";
        JsonNode t = json(get("/api/v1/namespaces/default/pods", "", accept));
        assertEquals("Table", t.path("kind").asText());
        assertEquals("Status", t.at("/columnDefinitions/2/name").asText());
        assertEquals("[\"web\",\"0/1\",\"Running\",\"0\",\"5m\",\"<none>\",\"gateway-1\"]", t.at("/rows/0/cells").toString());
        assertEquals("PartialObjectMetadata", t.at("/rows/0/object/kind").asText());
        JsonNode cm = json(get("/api/v1/configmaps", "", accept));
        assertEquals("[\"settings\",1,\"5m\"]", cm.at("/rows/0/cells").toString());
    }

    /** Collects a watch's events. */
    private static class Events implements ChangeLog.Sink {
        final List<String> seen = new ArrayList<>();
        boolean ended;

        @Override
        public boolean event(String type, ObjectNode object) {
            seen.add(type + " " + object.at("/metadata/name").asText() + " " + object.at("/status/phase").asText(""));
            return true;
        }

        @Override
        public void end() {
            ended = true;
        }
    }

    private LocalApi.Stream watch(String path, String query) {
        Map<String, List<String>> q = new HashMap<>();
        for (String kv : query.split("&")) {
            String[] p = kv.split("=", 2);
            q.put(p[0], List.of(p[1]));
        }
        return assertInstanceOf(LocalApi.Stream.class, api.handle(new LocalApi.Request("GET", path, q, bearer, null)));
    }

    @Test
    void watchFromNowThenChanges() throws Exception {
        Events e = new Events();
        ChangeLog.Watch w = api.startWatch(watch("/api/v1/pods", "watch=true"), e);
        assertEquals(List.of("ADDED db Pending", "ADDED web Running"), e.seen, "a watch without a version starts with every object");
        e.seen.clear();
        put("pod", pod("apps", "db", "u2", "Running"));
        put("pod", pod("default", "new", "u9", "Pending"));
        objects.get("pod").remove("default/web");
        api.tick();
        assertEquals(List.of("MODIFIED db Running", "ADDED new Pending", "DELETED web Running"), e.seen);
        e.seen.clear();
        api.tick();
        assertEquals(List.of(), e.seen, "nothing changed, nothing sent");
        put("pod", pod("default", "new", "u10", "Pending"));
        api.tick();
        assertEquals(List.of("DELETED new Pending", "ADDED new Pending"), e.seen, "a name reused by a new object (uid)");
        w.cancel();
    }

    @Test
    void watchResumesFromAListAndSelects() throws Exception {
        long rv = json(get("/api/v1/namespaces/default/pods", "", null)).at("/metadata/resourceVersion").asLong();
        put("pod", pod("default", "web", "u1", "Succeeded"));
        put("pod", pod("apps", "db", "u2", "Failed"));
        api.tick(); // nobody watches: the change is found when the watch starts
        Events e = new Events();
        api.startWatch(watch("/api/v1/watch/namespaces/default/pods", "resourceVersion=" + rv), e);
        assertEquals(List.of("MODIFIED web Succeeded"), e.seen, "only the namespace's changes after the list");

        Events sel = new Events();
        api.startWatch(watch("/api/v1/pods", "watch=1&fieldSelector=metadata.name=db&labelSelector=app=db"), sel);
        assertEquals(List.of("ADDED db Failed"), sel.seen);
    }

    @Test
    void oldOrForeignVersionsAreExpired() throws Exception {
        LocalApi small = new LocalApi(r -> new ArrayList<>(objects.getOrDefault(r.storeKind(), Map.of()).values()),
                new ChangeLog(NOW.toEpochMilli(), 10, 1 << 20), credentials, 5, Clock.fixed(NOW, ZoneOffset.UTC));
        long rv = JSON.readTree(((LocalApi.Full) small.handle(new LocalApi.Request("GET", "/api/v1/pods", Map.of(), bearer, null))).body())
                .at("/metadata/resourceVersion").asLong();
        for (int i = 0; i < 12; i++) {
            put("pod", pod("default", "web", "u1", "Phase" + i));
            small.handle(new LocalApi.Request("GET", "/api/v1/pods", Map.of(), bearer, null));
        }
        LocalApi.Stream s = (LocalApi.Stream) small.handle(new LocalApi.Request("GET", "/api/v1/pods",
                Map.of("watch", List.of("true"), "resourceVersion", List.of(Long.toString(rv))), bearer, null));
        assertThrows(ChangeLog.Expired.class, () -> small.startWatch(s, new Events()), "older than the history");
        LocalApi.Stream earlierRun = (LocalApi.Stream) small.handle(new LocalApi.Request("GET", "/api/v1/pods",
                Map.of("watch", List.of("true"), "resourceVersion", List.of("12345")), bearer, null));
        assertThrows(ChangeLog.Expired.class, () -> small.startWatch(earlierRun, new Events()), "a version of an earlier run");
        assertTrue(new String(small.expiredEvent(new ChangeLog.Expired("too old"))).contains("\"code\":410"));
    }

    @Test
    void watchesAreCapped() throws Exception {
        api.startWatch(watch("/api/v1/pods", "watch=true"), new Events());
        api.startWatch(watch("/api/v1/configmaps", "watch=true"), new Events());
        LocalApi.Reply third = api.handle(new LocalApi.Request("GET", "/api/v1/pods", Map.of("watch", List.of("true")), bearer, null));
        assertEquals(429, assertInstanceOf(LocalApi.Full.class, third).status());
    }

    @Test
    void aSlowWatcherIsEnded() throws Exception {
        Events e = new Events() {
            @Override
            public boolean event(String type, ObjectNode object) {
                return false;
            }
        };
        api.startWatch(watch("/api/v1/pods", "watch=true"), e);
        assertTrue(e.ended, "a sink that takes no more ends the watch; the client re-watches");
    }

    @Test
    void tableWatchEventsCarryColumnsOnlyFirst() throws Exception {
        LocalApi.Stream s = new LocalApi.Stream(ApiResource.ALL.get(0), o -> true, -1, true, "Object", 10);
        ObjectNode p = pod("default", "web", "u1", "Running");
        JsonNode first = JSON.readTree(api.encodeEvent(s, "ADDED", p, true));
        JsonNode later = JSON.readTree(api.encodeEvent(s, "MODIFIED", p, false));
        assertEquals(7, first.at("/object/columnDefinitions").size());
        assertEquals(0, later.at("/object/columnDefinitions").size());
        assertEquals("web", later.at("/object/rows/0/object/metadata/name").asText());
    }
}
