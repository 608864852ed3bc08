package io.outpost.devapiserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The REST API on the wire, with a plain HTTP client. */
class ApiServerTest {
    private static DevApiServer server;
    private static TestHttp http;

    @BeforeAll
    static void start() throws Exception {
        server = DevApiServer.start("--port", "0", "--max-body-bytes", "65536", "--bookmark-interval", "1");
        http = new TestHttp(server.url());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static void assertStatus(TestHttp.Response r, int code, String reason) {
        assertEquals(code, r.code(), r.body());
        JsonNode status = r.json();
        assertEquals("Status", status.path("kind").asText(), r.body());
        assertEquals("v1", status.path("apiVersion").asText());
        assertEquals("Failure", status.path("status").asText());
        assertEquals(reason, status.path("reason").asText(), r.body());
        assertEquals(code, status.path("code").asInt());
        assertFalse(status.path("message").asText().isEmpty());
        assertFalse(r.body().contains("at io.outpost"), "no stack traces in responses");
    }

    // ---- basics and discovery ----------------------------------------------------------------

    @Test
    void versionAndHealth() throws Exception {
        assertEquals(DevApiServer.GIT_VERSION, http.get("/version").json().path("gitVersion").asText());
        assertEquals("32", http.get("/version").json().path("minor").asText());
        for (String p : List.of("/healthz", "/livez", "/readyz")) {
            TestHttp.Response r = http.get(p);
            assertEquals(200, r.code());
            assertEquals("ok", r.body());
        }
    }

    @Test
    void legacyDiscovery() throws Exception {
        assertEquals("APIVersions", http.get("/api").json().path("kind").asText());
        JsonNode core = http.get("/api/v1").json();
        assertEquals("APIResourceList", core.path("kind").asText());
        List<String> names = new ArrayList<>();
        core.path("resources").forEach(r -> names.add(r.path("name").asText()));
        assertTrue(names.containsAll(List.of("nodes", "nodes/status", "pods", "pods/status", "pods/binding",
                "configmaps", "namespaces", "events", "secrets", "services", "endpoints", "serviceaccounts")), names.toString());
        JsonNode pods = find(core.path("resources"), "name", "pods");
        assertEquals("Pod", pods.path("kind").asText());
        assertTrue(pods.path("namespaced").asBoolean());
        assertEquals("po", pods.path("shortNames").get(0).asText());
        assertTrue(pods.path("verbs").toString().contains("watch"));

        JsonNode groups = http.get("/apis").json();
        assertEquals("APIGroupList", groups.path("kind").asText());
        for (String g : List.of("apps", "coordination.k8s.io", "discovery.k8s.io", "apiextensions.k8s.io")) {
            assertNotNull(find(groups.path("groups"), "name", g), g);
        }
        assertEquals("v1", http.get("/apis/coordination.k8s.io").json().at("/preferredVersion/version").asText());
        JsonNode apps = http.get("/apis/apps/v1").json();
        assertNotNull(find(apps.path("resources"), "name", "deployments/scale"));
        assertStatus(http.get("/apis/nope.example.com/v1"), 404, "NotFound");
    }

    @Test
    void aggregatedDiscoveryWhenAskedFor() throws Exception {
        String accept = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,"
                + "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json";
        TestHttp.Response api = http.get("/api", accept);
        assertTrue(api.header("Content-Type").contains("as=APIGroupDiscoveryList"), api.header("Content-Type"));
        JsonNode core = api.json();
        assertEquals("APIGroupDiscoveryList", core.path("kind").asText());
        JsonNode nodes = find(core.at("/items/0/versions/0/resources"), "resource", "nodes");
        assertEquals("Cluster", nodes.path("scope").asText());
        assertEquals("status", nodes.at("/subresources/0/subresource").asText());
        JsonNode apis = http.get("/apis", accept).json();
        assertNotNull(find(apis.path("items"), "metadata", null) == null ? null : apis.path("items").get(0));
        assertEquals("APIVersions", http.get("/api", "application/json").json().path("kind").asText());
    }

    private static JsonNode find(JsonNode array, String field, String value) {
        for (JsonNode n : array) {
            if (value == null || value.equals(n.path(field).asText())) {
                return n;
            }
        }
        return null;
    }

    // ---- errors ------------------------------------------------------------------------------

    @Test
    void malformedInputGetsBadRequestStatus() throws Exception {
        TestHttp.Response r = http.send("POST", "/api/v1/namespaces/default/configmaps", "{\"metadata\": {", "application/json", null);
        assertStatus(r, 400, "BadRequest");
        assertTrue(r.json().path("message").asText().contains("not valid JSON"), r.body());
        assertStatus(http.send("POST", "/api/v1/namespaces/default/configmaps", "[1,2]", "application/json", null), 400, "BadRequest");
        assertStatus(http.send("POST", "/api/v1/namespaces/default/configmaps", "", "application/json", null), 400, "BadRequest");
        assertStatus(http.send("POST", "/api/v1/namespaces/default/configmaps", "{}{}", "application/json", null), 400, "BadRequest");
        assertStatus(http.patch("/api/v1/namespaces/default/configmaps/x", "application/apply-patch+yaml", "a: [b"), 400, "BadRequest");
        String deep = "[".repeat(5000) + "]".repeat(5000);
        assertStatus(http.send("POST", "/api/v1/namespaces/default/configmaps", deep, "application/json", null), 400, "BadRequest");
        String bomb = "a: &a [x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b]\n"
                + "d: &d [*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d]\nf: [*e,*e,*e,*e,*e,*e,*e,*e]\n";
        // Aliases are not expanded by the YAML reader, so a "billion laughs" document stays small.
        long start = System.nanoTime();
        TestHttp.Response laughs = http.send("PATCH", "/api/v1/namespaces/default/configmaps/x?fieldManager=t", bomb,
                "application/apply-patch+yaml", null);
        assertStatus(laughs, 422, "Invalid");
        assertTrue((System.nanoTime() - start) / 1_000_000 < 2000);
        assertStatus(http.send("POST", "/api/v1/namespaces/default/configmaps", "not protobuf",
                "application/vnd.kubernetes.protobuf", null), 400, "BadRequest");
        assertStatus(http.send("POST", "/api/v1/namespaces/default/configmaps", "k8s\u0000\u0012\u00ff\u00ff",
                "application/vnd.kubernetes.protobuf", null), 400, "BadRequest");
        assertStatus(http.get("/api/v1/pods?labelSelector=a%20in%20(b"), 400, "BadRequest");
        assertStatus(http.get("/api/v1/pods?fieldSelector=metadata.name"), 400, "BadRequest");
        assertStatus(http.get("/api/v1/pods?watch=maybe"), 400, "BadRequest");
        assertStatus(http.get("/api/v1/pods?watch=1&resourceVersion=abc"), 400, "BadRequest");
        assertStatus(http.get("/api/v1/namespaces/default/pods?limit=-1"), 400, "BadRequest");
    }

    @Test
    void bodiesLargerThanTheLimitGet413() throws Exception {
        String big = "{'metadata':{'name':'big'},'data':{'x':'" + "y".repeat(70_000) + "'}}";
        assertStatus(http.post("/api/v1/namespaces/default/configmaps", big), 413, "RequestEntityTooLarge");
        assertStatus(http.patch("/api/v1/namespaces/default/configmaps/big", "application/merge-patch+json", big),
                413, "RequestEntityTooLarge");
        assertStatus(http.get("/api/v1/namespaces/default/configmaps/big"), 404, "NotFound");
    }

    @Test
    void apiErrorsHaveTheRightCodeAndReason() throws Exception {
        TestHttp.Response missing = http.get("/api/v1/namespaces/default/configmaps/nope");
        assertStatus(missing, 404, "NotFound");
        assertEquals("configmaps \"nope\" not found", missing.json().path("message").asText());
        assertStatus(http.get("/apis/apps/v1/namespaces/default/deployments/nope"), 404, "NotFound");
        assertEquals("deployments.apps \"nope\" not found",
                http.get("/apis/apps/v1/namespaces/default/deployments/nope").json().path("message").asText());
        assertStatus(http.get("/api/v1/nothings"), 404, "NotFound");
        assertStatus(http.get("/nowhere"), 404, "NotFound");
        assertStatus(http.put("/api/v1/namespaces/default/configmaps", "{}"), 405, "MethodNotAllowed");
        assertStatus(http.post("/api/v1/namespaces/default/configmaps/x", "{}"), 405, "MethodNotAllowed");
        assertStatus(http.send("POST", "/version", "{}", "application/json", null), 405, "MethodNotAllowed");

        TestHttp.Response noName = http.post("/api/v1/namespaces/default/configmaps", "{'data':{}}");
        assertStatus(noName, 422, "Invalid");
        assertTrue(noName.json().path("message").asText().contains("metadata.name"), noName.body());
        assertStatus(http.post("/api/v1/namespaces/default/configmaps", "{'kind':'Secret','metadata':{'name':'k'}}"), 422, "Invalid");
        assertStatus(http.post("/api/v1/namespaces/default/configmaps", "{'apiVersion':'apps/v1','metadata':{'name':'k'}}"), 422, "Invalid");
        assertStatus(http.post("/api/v1/namespaces/default/configmaps", "{'metadata':{'name':'Bad_Name'}}"), 422, "Invalid");
        assertStatus(http.post("/api/v1/namespaces/default/configmaps", "{'metadata':{'name':'k','labels':{'a':1}}}"), 422, "Invalid");
        assertStatus(http.post("/api/v1/namespaces/ghost/configmaps", "{'metadata':{'name':'k'}}"), 404, "NotFound");
        assertStatus(http.post("/api/v1/namespaces/default/configmaps", "{'metadata':{'name':'k','namespace':'other'}}"), 400, "BadRequest");

        assertEquals(201, http.post("/api/v1/namespaces/default/configmaps", "{'metadata':{'name':'dup'}}").code());
        assertStatus(http.post("/api/v1/namespaces/default/configmaps", "{'metadata':{'name':'dup'}}"), 409, "AlreadyExists");
        assertStatus(http.put("/api/v1/namespaces/default/configmaps/dup", "{'metadata':{'name':'dup','resourceVersion':'1'}}"),
                409, "Conflict");
        assertStatus(http.put("/api/v1/namespaces/default/configmaps/ghost", "{'metadata':{'name':'ghost'}}"), 404, "NotFound");
        assertStatus(http.patch("/api/v1/namespaces/default/configmaps/dup", "text/plain", "x"), 415, "UnsupportedMediaType");
        assertStatus(http.delete("/api/v1/namespaces/default/configmaps/ghost"), 404, "NotFound");
        assertStatus(http.delete("/api/v1/namespaces/default"), 403, "Forbidden");
        assertStatus(http.get("/api/v1/namespaces/default/configmaps/dup", "application/vnd.kubernetes.protobuf"), 406, "NotAcceptable");
    }

    // ---- object lifecycle --------------------------------------------------------------------

    @Test
    void createSetsServerFieldsAndUpdatesBumpResourceVersion() throws Exception {
        JsonNode created = http.post("/api/v1/namespaces/default/configmaps", "{'metadata':{'generateName':'gen-'},'data':{'a':'1'}}").json();
        String name = created.at("/metadata/name").asText();
        assertTrue(name.matches("gen-[a-z0-9]{5}"), name);
        assertEquals("default", created.at("/metadata/namespace").asText());
        assertEquals("ConfigMap", created.path("kind").asText());
        assertEquals("v1", created.path("apiVersion").asText());
        assertFalse(created.at("/metadata/uid").asText().isEmpty());
        assertTrue(created.at("/metadata/creationTimestamp").asText().endsWith("Z"));
        long rv1 = Long.parseLong(created.at("/metadata/resourceVersion").asText());

        String path = "/api/v1/namespaces/default/configmaps/" + name;
        JsonNode updated = http.put(path, "{'metadata':{'name':'" + name + "','resourceVersion':'" + rv1 + "'},'data':{'a':'2'}}").json();
        long rv2 = Long.parseLong(updated.at("/metadata/resourceVersion").asText());
        assertTrue(rv2 > rv1);
        assertEquals(created.at("/metadata/uid"), updated.at("/metadata/uid"));
        assertEquals(created.at("/metadata/creationTimestamp"), updated.at("/metadata/creationTimestamp"));
        JsonNode same = http.put(path, "{'metadata':{'name':'" + name + "'},'data':{'a':'2'}}").json();
        assertEquals(Long.toString(rv2), same.at("/metadata/resourceVersion").asText(), "a no-op update keeps the version");

        JsonNode list = http.get("/api/v1/namespaces/default/configmaps").json();
        assertEquals("ConfigMapList", list.path("kind").asText());
        assertTrue(Long.parseLong(list.at("/metadata/resourceVersion").asText()) >= rv2);

        JsonNode dry = http.post("/api/v1/namespaces/default/configmaps?dryRun=All", "{'metadata':{'name':'dry'}}").json();
        assertEquals("dry", dry.at("/metadata/name").asText());
        assertEquals(404, http.get("/api/v1/namespaces/default/configmaps/dry").code());
    }

    @Test
    void patchTypes() throws Exception {
        http.post("/api/v1/namespaces/default/configmaps", "{'metadata':{'name':'p1','labels':{'a':'1'}},'data':{'x':'1','y':'2'}}");
        String path = "/api/v1/namespaces/default/configmaps/p1";
        assertEquals("2", http.patch(path, "application/merge-patch+json", "{'data':{'x':'2','y':null}}").json().at("/data/x").asText());
        assertTrue(http.get(path).json().at("/data/y").isMissingNode());
        assertEquals("3", http.patch(path, "application/json-patch+json", "[{'op':'replace','path':'/data/x','value':'3'}]")
                .json().at("/data/x").asText());
        assertEquals("1", http.patch(path, "application/strategic-merge-patch+json", "{'metadata':{'labels':{'b':'2'}}}")
                .json().at("/metadata/labels/a").asText());
        assertStatus(http.patch(path, "application/json-patch+json", "[{'op':'test','path':'/data/x','value':'9'}]"), 422, "Invalid");
        assertStatus(http.patch(path, "application/merge-patch+json", "{'metadata':{'resourceVersion':'1'},'data':{'x':'4'}}"),
                409, "Conflict");
        assertStatus(http.patch("/api/v1/namespaces/default/configmaps/none", "application/merge-patch+json", "{}"), 404, "NotFound");

        String apply = "/api/v1/namespaces/default/configmaps/applied?fieldManager=test&force=true";
        TestHttp.Response created = http.patch(apply, "application/apply-patch+yaml",
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: applied\ndata:\n  k: v\n  old: x\n");
        assertEquals(201, created.code(), created.body());
        TestHttp.Response again = http.patch(apply, "application/apply-patch+yaml",
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: applied\ndata:\n  k: v2\n");
        assertEquals(200, again.code());
        assertEquals("{\"k\":\"v2\"}", again.json().path("data").toString());
        assertStatus(http.patch("/api/v1/namespaces/default/configmaps/applied", "application/apply-patch+yaml",
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: applied\n"), 400, "BadRequest");
    }

    @Test
    void statusSubresourceSeparatesSpecAndStatus() throws Exception {
        JsonNode node = http.post("/api/v1/nodes", "{'metadata':{'name':'status-node'},'spec':{'podCIDR':'10.0.0.0/24'},"
                + "'status':{'phase':'Running','conditions':[{'type':'Ready','status':'True'}]}}").json();
        assertEquals("True", node.at("/status/conditions/0/status").asText(), "nodes may be created with status");
        JsonNode main = http.put("/api/v1/nodes/status-node", "{'metadata':{'name':'status-node'},'spec':{'unschedulable':true},"
                + "'status':{'conditions':[{'type':'Ready','status':'False'}]}}").json();
        assertTrue(main.at("/spec/unschedulable").asBoolean());
        assertEquals("True", main.at("/status/conditions/0/status").asText(), "main endpoint keeps the stored status");
        JsonNode status = http.patch("/api/v1/nodes/status-node/status", "application/merge-patch+json",
                "{'spec':{'unschedulable':false},'metadata':{'labels':{'x':'y'}},'status':{'conditions':[{'type':'Ready','status':'False'}]}}").json();
        assertEquals("False", status.at("/status/conditions/0/status").asText());
        assertTrue(status.at("/spec/unschedulable").asBoolean(), "status endpoint keeps the spec");
        assertTrue(status.at("/metadata/labels").isMissingNode(), "and the metadata");
        JsonNode strategic = http.patch("/api/v1/nodes/status-node/status", "application/strategic-merge-patch+json",
                "{'status':{'conditions':[{'type':'MemoryPressure','status':'False'}]}}").json();
        assertEquals(2, strategic.at("/status/conditions").size(), "conditions merge by type");

        JsonNode pod = http.post("/api/v1/namespaces/default/pods", "{'metadata':{'name':'sp'},'spec':{'containers':[{'name':'c','image':'i'}]},"
                + "'status':{'phase':'Running'}}").json();
        assertEquals("Pending", pod.at("/status/phase").asText(), "pod status is reset on create");
    }

    @Test
    void finalizersAndGracefulPodDeletion() throws Exception {
        http.post("/api/v1/namespaces/default/configmaps", "{'metadata':{'name':'fin','finalizers':['example.com/keep']}}");
        JsonNode deleting = http.delete("/api/v1/namespaces/default/configmaps/fin").json();
        assertFalse(deleting.at("/metadata/deletionTimestamp").isMissingNode());
        assertEquals(200, http.get("/api/v1/namespaces/default/configmaps/fin").code());
        http.patch("/api/v1/namespaces/default/configmaps/fin", "application/merge-patch+json", "{'metadata':{'finalizers':null}}");
        assertEquals(404, http.get("/api/v1/namespaces/default/configmaps/fin").code());

        http.post("/api/v1/namespaces/default/pods", "{'metadata':{'name':'bound'},'spec':{'nodeName':'edge-1','containers':[{'name':'c'}]}}");
        JsonNode terminating = http.delete("/api/v1/namespaces/default/pods/bound").json();
        assertEquals(30, terminating.at("/metadata/deletionGracePeriodSeconds").asInt());
        assertEquals(200, http.get("/api/v1/namespaces/default/pods/bound").code(), "waits for the node agent");
        assertEquals(200, http.send("DELETE", "/api/v1/namespaces/default/pods/bound", "{'gracePeriodSeconds':0}",
                "application/json", null).code());
        assertEquals(404, http.get("/api/v1/namespaces/default/pods/bound").code());

        http.post("/api/v1/namespaces/default/pods", "{'metadata':{'name':'unbound'},'spec':{'containers':[{'name':'c'}]}}");
        http.delete("/api/v1/namespaces/default/pods/unbound");
        assertEquals(404, http.get("/api/v1/namespaces/default/pods/unbound").code());
    }

    @Test
    void bindingEvictionAndScaleSubresources() throws Exception {
        http.post("/api/v1/namespaces/default/pods", "{'metadata':{'name':'to-bind'},'spec':{'containers':[{'name':'c'}]}}");
        TestHttp.Response bound = http.post("/api/v1/namespaces/default/pods/to-bind/binding",
                "{'apiVersion':'v1','kind':'Binding','metadata':{'name':'to-bind'},'target':{'kind':'Node','name':'edge-9'}}");
        assertEquals(201, bound.code(), bound.body());
        assertEquals("edge-9", http.get("/api/v1/namespaces/default/pods/to-bind").json().at("/spec/nodeName").asText());
        assertStatus(http.post("/api/v1/namespaces/default/pods/to-bind/binding",
                "{'target':{'kind':'Node','name':'edge-8'}}"), 409, "Conflict");
        TestHttp.Response evicted = http.post("/api/v1/namespaces/default/pods/to-bind/eviction",
                "{'apiVersion':'policy/v1','kind':'Eviction','metadata':{'name':'to-bind'},'deleteOptions':{'gracePeriodSeconds':0}}");
        assertEquals(201, evicted.code(), evicted.body());
        assertEquals(404, http.get("/api/v1/namespaces/default/pods/to-bind").code());

        http.post("/apis/apps/v1/namespaces/default/deployments", "{'metadata':{'name':'scaled'},"
                + "'spec':{'selector':{'matchLabels':{'app':'s'}},'template':{'metadata':{'labels':{'app':'s'}}}}}");
        JsonNode scale = http.get("/apis/apps/v1/namespaces/default/deployments/scaled/scale").json();
        assertEquals("Scale", scale.path("kind").asText());
        assertEquals(1, scale.at("/spec/replicas").asInt(), "replicas default to 1");
        assertEquals("app=s", scale.at("/status/selector").asText());
        JsonNode patched = http.patch("/apis/apps/v1/namespaces/default/deployments/scaled/scale", "application/merge-patch+json",
                "{'spec':{'replicas':4}}").json();
        assertEquals(4, patched.at("/spec/replicas").asInt());
        JsonNode deployment = http.get("/apis/apps/v1/namespaces/default/deployments/scaled").json();
        assertEquals(4, deployment.at("/spec/replicas").asInt());
        assertEquals(2, deployment.at("/metadata/generation").asInt());
    }

    @Test
    void deleteCollectionAndNamespaceTermination() throws Exception {
        http.post("/api/v1/namespaces", "{'metadata':{'name':'scratch'}}");
        JsonNode ns = http.get("/api/v1/namespaces/scratch").json();
        assertEquals("Active", ns.at("/status/phase").asText());
        assertEquals("scratch", ns.at("/metadata/labels/kubernetes.io~1metadata.name").asText());
        for (String n : List.of("a", "b", "c")) {
            http.post("/api/v1/namespaces/scratch/configmaps", "{'metadata':{'name':'" + n + "','labels':{'keep':'" + n.equals("c") + "'}}}");
        }
        JsonNode deleted = http.delete("/api/v1/namespaces/scratch/configmaps?labelSelector=keep%3Dfalse").json();
        assertEquals(2, deleted.path("items").size());
        assertEquals(1, http.get("/api/v1/namespaces/scratch/configmaps").json().path("items").size());
        http.delete("/api/v1/namespaces/scratch");
        assertEquals(404, http.get("/api/v1/namespaces/scratch").code());
        assertEquals(404, http.get("/api/v1/namespaces/scratch/configmaps/c").code());
    }

    @Test
    void listsSelectAndPage() throws Exception {
        http.post("/api/v1/namespaces", "{'metadata':{'name':'paging'}}");
        for (int i = 0; i < 5; i++) {
            http.post("/api/v1/namespaces/paging/pods", "{'metadata':{'name':'p" + i + "','labels':{'i':'" + i + "'}},"
                    + "'spec':{'nodeName':'" + (i % 2 == 0 ? "even" : "odd") + "','containers':[{'name':'c'}]}}");
        }
        assertEquals(3, http.get("/api/v1/pods?fieldSelector=spec.nodeName%3Deven").json().path("items").size());
        assertEquals(2, http.get("/api/v1/namespaces/paging/pods?labelSelector=i%20in%20(1,2)").json().path("items").size());
        assertEquals(4, http.get("/api/v1/namespaces/paging/pods?labelSelector=i!%3D3").json().path("items").size());
        JsonNode page1 = http.get("/api/v1/namespaces/paging/pods?limit=2").json();
        assertEquals(2, page1.path("items").size());
        assertEquals(3, page1.at("/metadata/remainingItemCount").asInt());
        String token = page1.at("/metadata/continue").asText();
        JsonNode page2 = http.get("/api/v1/namespaces/paging/pods?limit=10&continue=" + token).json();
        assertEquals(3, page2.path("items").size());
        assertTrue(page2.at("/metadata/continue").isMissingNode());
        assertEquals("p2", page2.at("/items/0/metadata/name").asText());
    }

    // ---- tables ------------------------------------------------------------------------------

    @Test
    void tablesForKubectl() throws Exception {
        http.post("/api/v1/nodes", "{'metadata':{'name':'table-node'},'status':{'conditions':[{'type':'Ready','status':'True'}],"
                + "'addresses':[{'type':'InternalIP','address':'10.9.9.9'}]}}");
        String accept = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";
        TestHttp.Response r = http.get("/api/v1/nodes?fieldSelector=metadata.name%3Dtable-node", accept);
        assertTrue(r.header("Content-Type").contains("as=Table"));
        JsonNode table = r.json();
        assertEquals("Table", table.path("kind").asText());
        assertEquals("meta.k8s.io/v1", table.path("apiVersion").asText());
        assertEquals("Ready", table.at("/rows/0/cells/1").asText());
        assertEquals("10.9.9.9", table.at("/rows/0/cells/5").asText());
        assertEquals("PartialObjectMetadata", table.at("/rows/0/object/kind").asText());
        assertFalse(table.at("/metadata/resourceVersion").asText().isEmpty());
        JsonNode full = http.get("/api/v1/nodes/table-node?includeObject=Object", accept).json();
        assertEquals("Node", full.at("/rows/0/object/kind").asText());
        JsonNode partial = http.get("/api/v1/nodes", "application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io").json();
        assertEquals("PartialObjectMetadataList", partial.path("kind").asText());
    }

    // ---- watch -------------------------------------------------------------------------------

    @Test
    void watchFromNowFromVersionAndWithSelectors() throws Exception {
        http.post("/api/v1/namespaces", "{'metadata':{'name':'watching'}}");
        http.post("/api/v1/namespaces/watching/configmaps", "{'metadata':{'name':'before','labels':{'w':'yes'}}}");
        try (TestHttp.Watch w = http.watch("/api/v1/namespaces/watching/configmaps?watch=true&labelSelector=w%3Dyes")) {
            JsonNode initial = w.next(5000);
            assertEquals("ADDED", initial.path("type").asText());
            assertEquals("before", initial.at("/object/metadata/name").asText());
            assertEquals("ConfigMap", initial.at("/object/kind").asText());
            http.post("/api/v1/namespaces/watching/configmaps", "{'metadata':{'name':'ignored','labels':{'w':'no'}}}");
            JsonNode added = http.post("/api/v1/namespaces/watching/configmaps", "{'metadata':{'name':'after','labels':{'w':'yes'}}}").json();
            JsonNode e = w.next(5000);
            assertEquals("ADDED", e.path("type").asText());
            assertEquals("after", e.at("/object/metadata/name").asText());
            assertEquals(added.at("/metadata/resourceVersion"), e.at("/object/metadata/resourceVersion"));
            http.patch("/api/v1/namespaces/watching/configmaps/after", "application/merge-patch+json", "{'metadata':{'labels':{'w':'no'}}}");
            assertEquals("DELETED", w.next(5000).path("type").asText(), "leaving the selector is a DELETED event");
        }

        String rv = http.get("/api/v1/namespaces/watching/configmaps").json().at("/metadata/resourceVersion").asText();
        http.post("/api/v1/namespaces/watching/configmaps", "{'metadata':{'name':'later'}}");
        http.delete("/api/v1/namespaces/watching/configmaps/later");
        try (TestHttp.Watch w = http.watch("/api/v1/watch/namespaces/watching/configmaps?resourceVersion=" + rv)) {
            JsonNode added = w.next(5000);
            assertEquals("ADDED", added.path("type").asText());
            assertEquals("later", added.at("/object/metadata/name").asText());
            assertEquals("DELETED", w.next(5000).path("type").asText());
            assertNull(w.next(200), "only changes after the version are replayed");
        }
    }

    @Test
    void watchTimeoutBookmarksAndNamedWatch() throws Exception {
        http.post("/api/v1/namespaces/default/configmaps", "{'metadata':{'name':'named'}}");
        long start = System.nanoTime();
        try (TestHttp.Watch w = http.watch("/api/v1/namespaces/default/configmaps/named?watch=1&timeoutSeconds=1&allowWatchBookmarks=true")) {
            assertEquals("ADDED", w.next(5000).path("type").asText());
            assertTrue(w.awaitEnd(5000), "the server ends the watch after timeoutSeconds");
        }
        assertTrue((System.nanoTime() - start) / 1_000_000 < 4000);
        try (TestHttp.Watch w = http.watch("/api/v1/namespaces/default/configmaps?watch=1&allowWatchBookmarks=true"
                + "&resourceVersion=" + http.get("/api/v1/namespaces/default/configmaps").json().at("/metadata/resourceVersion").asText())) {
            JsonNode bookmark = w.next(5000);
            assertEquals("BOOKMARK", bookmark.path("type").asText());
            assertFalse(bookmark.at("/object/metadata/resourceVersion").asText().isEmpty());
        }
        try (TestHttp.Watch w = http.watch("/api/v1/namespaces/default/configmaps?watch=1&sendInitialEvents=true"
                + "&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&fieldSelector=metadata.name%3Dnamed")) {
            assertEquals("ADDED", w.next(5000).path("type").asText());
            JsonNode end = w.next(5000);
            assertEquals("BOOKMARK", end.path("type").asText());
            assertEquals("true", end.at("/object/metadata/annotations/k8s.io~1initial-events-end").asText());
        }
    }

    @Test
    void watchOfTablesForKubectlGetWatch() throws Exception {
        String accept = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json";
        try (TestHttp.Watch w = http.watch("/api/v1/namespaces/default/secrets?watch=1&resourceVersion="
                + http.get("/api/v1/namespaces/default/secrets").json().at("/metadata/resourceVersion").asText(), accept)) {
            http.post("/api/v1/namespaces/default/secrets", "{'metadata':{'name':'s1'},'stringData':{'a':'b'}}");
            http.post("/api/v1/namespaces/default/secrets", "{'metadata':{'name':'s2'}}");
            JsonNode first = w.next(5000);
            assertEquals("Table", first.at("/object/kind").asText());
            assertEquals(4, first.at("/object/columnDefinitions").size());
            assertEquals("s1", first.at("/object/rows/0/cells/0").asText());
            assertEquals(1, first.at("/object/rows/0/cells/2").asInt(), "stringData became data");
            JsonNode second = w.next(5000);
            assertEquals(0, second.at("/object/columnDefinitions").size(), "headers only once");
        }
    }

    @Test
    void tooOldResourceVersionEndsTheWatchWithExpired() throws Exception {
        try (DevApiServer small = DevApiServer.start("--port", "0", "--watch-history", "3")) {
            TestHttp h = new TestHttp(small.url());
            for (int i = 0; i < 6; i++) {
                h.post("/api/v1/namespaces/default/configmaps", "{'metadata':{'name':'c" + i + "'}}");
            }
            try (TestHttp.Watch w = h.watch("/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=2")) {
                JsonNode e = w.next(5000);
                assertEquals("ERROR", e.path("type").asText());
                assertEquals(410, e.at("/object/code").asInt());
                assertEquals("Expired", e.at("/object/reason").asText());
                assertTrue(w.awaitEnd(5000));
            }
        }
    }

    // ---- custom resources --------------------------------------------------------------------

    @Test
    void customResourceDefinitionLifecycle() throws Exception {
        JsonNode crd = http.post("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", "{'metadata':{'name':'gizmos.test.io'},"
                + "'spec':{'group':'test.io','scope':'Namespaced','names':{'plural':'gizmos','kind':'Gizmo','shortNames':['gz']},"
                + "'versions':[{'name':'v1','served':true,'storage':true,'subresources':{'status':{}},"
                + "'schema':{'openAPIV3Schema':{'type':'object','x-kubernetes-preserve-unknown-fields':true}}}]}}").json();
        assertEquals("True", find(crd.at("/status/conditions"), "type", "Established").path("status").asText());
        assertEquals("Gizmo", crd.at("/status/acceptedNames/kind").asText());
        assertEquals("gizmo", crd.at("/spec/names/singular").asText());
        assertEquals(1, crd.at("/metadata/generation").asInt());

        JsonNode resources = http.get("/apis/test.io/v1").json();
        assertNotNull(find(resources.path("resources"), "name", "gizmos/status"));
        JsonNode gizmo = http.post("/apis/test.io/v1/namespaces/default/gizmos",
                "{'apiVersion':'test.io/v1','kind':'Gizmo','metadata':{'name':'g1'},'spec':{'n':1},'status':{'ok':true}}").json();
        assertTrue(gizmo.path("status").isMissingNode(), "status is dropped on create with a status subresource");
        assertEquals(1, gizmo.at("/metadata/generation").asInt());
        JsonNode changed = http.patch("/apis/test.io/v1/namespaces/default/gizmos/g1", "application/merge-patch+json", "{'spec':{'n':2}}").json();
        assertEquals(2, changed.at("/metadata/generation").asInt());
        JsonNode status = http.patch("/apis/test.io/v1/namespaces/default/gizmos/g1/status", "application/merge-patch+json",
                "{'status':{'ok':true}}").json();
        assertEquals(2, status.at("/metadata/generation").asInt(), "status writes do not bump the generation");
        assertTrue(status.at("/status/ok").asBoolean());
        assertStatus(http.patch("/apis/test.io/v1/namespaces/default/gizmos/g1", "application/strategic-merge-patch+json", "{}"),
                415, "UnsupportedMediaType");

        assertStatus(http.post("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", "{'metadata':{'name':'wrong.test.io'},"
                + "'spec':{'group':'test.io','scope':'Namespaced','names':{'plural':'things','kind':'Thing'},"
                + "'versions':[{'name':'v1','served':true,'storage':true}]}}"), 422, "Invalid");

        http.delete("/apis/apiextensions.k8s.io/v1/customresourcedefinitions/gizmos.test.io");
        assertStatus(http.get("/apis/test.io/v1/namespaces/default/gizmos/g1"), 404, "NotFound");
        assertEquals(404, http.get("/apis/test.io/v1").code());
    }

    @Test
    void openApiAdvertisesFieldValidation() throws Exception {
        JsonNode root = http.get("/openapi/v3").json();
        String url = root.at("/paths/api~1v1/serverRelativeURL").asText();
        assertTrue(url.startsWith("/openapi/v3/api/v1?hash="), url);
        JsonNode doc = http.get(url).json();
        JsonNode patch = doc.at("/paths/~1api~1v1~1namespaces~1{namespace}~1configmaps~1{name}/patch");
        assertEquals("ConfigMap", patch.at("/x-kubernetes-group-version-kind/kind").asText());
        assertTrue(patch.path("parameters").toString().contains("fieldValidation"));
        assertStatus(http.get("/openapi/v2"), 404, "NotFound");
        assertStatus(http.post("/api/v1/namespaces/default/configmaps?fieldValidation=Strict",
                "{'metadata':{'name':'dupkeys'},'data':{'a':'1','a':'2'}}"), 400, "BadRequest");
        TestHttp.Response warn = http.post("/api/v1/namespaces/default/configmaps?fieldValidation=Warn",
                "{'metadata':{'name':'dupkeys'},'data':{'a':'1','a':'2'}}");
        assertEquals(201, warn.code());
        assertNotNull(warn.header("Warning"));
        assertStatus(http.post("/api/v1/namespaces/default/configmaps?fieldValidation=Sometimes", "{'metadata':{'name':'v'}}"),
                400, "BadRequest");
    }

    // ---- files -------------------------------------------------------------------------------

    @Test
    void stateSurvivesRestartAndKubeconfigIsPrivate(@TempDir Path dir) throws Exception {
        Path state = dir.resolve("state.json");
        Path kubeconfig = dir.resolve("kube/config");
        String rv;
        try (DevApiServer first = DevApiServer.start("--port", "0", "--state", state.toString(), "--kubeconfig", kubeconfig.toString())) {
            TestHttp h = new TestHttp(first.url());
            h.post("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", "{'metadata':{'name':'keeps.test.io'},"
                    + "'spec':{'group':'test.io','scope':'Cluster','names':{'plural':'keeps','kind':'Keep'},"
                    + "'versions':[{'name':'v1','served':true,'storage':true}]}}");
            h.post("/apis/test.io/v1/keeps", "{'metadata':{'name':'k1'},'spec':{'x':1}}");
            rv = h.post("/api/v1/namespaces/default/configmaps", "{'metadata':{'name':'kept'},'data':{'a':'b'}}").json()
                    .at("/metadata/resourceVersion").asText();
            String config = Files.readString(kubeconfig);
            assertTrue(config.contains("server: " + first.url()));
            assertTrue(config.contains("current-context: outpost-dev"));
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(kubeconfig)));
        }
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(state)));
        try (DevApiServer second = DevApiServer.start("--port", "0", "--state", state.toString())) {
            TestHttp h = new TestHttp(second.url());
            JsonNode kept = h.get("/api/v1/namespaces/default/configmaps/kept").json();
            assertEquals("b", kept.at("/data/a").asText());
            assertEquals(rv, kept.at("/metadata/resourceVersion").asText());
            assertEquals(1, h.get("/apis/test.io/v1/keeps/k1").json().at("/spec/x").asInt());
            JsonNode next = h.post("/api/v1/namespaces/default/configmaps", "{'metadata':{'name':'new'}}").json();
            assertTrue(Long.parseLong(next.at("/metadata/resourceVersion").asText()) > Long.parseLong(rv));
            try (TestHttp.Watch w = h.watch("/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=2")) {
                assertEquals(410, w.next(5000).at("/object/code").asInt(), "history does not survive a restart");
            }
        }
        assertNotEquals(0, Files.size(state));
    }
}
