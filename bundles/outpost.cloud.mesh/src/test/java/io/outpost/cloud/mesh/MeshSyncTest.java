package io.outpost.cloud.mesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class MeshSyncTest {
    static final ObjectMapper JSON = new ObjectMapper();

    static JsonNode json(String s) {
        try {
            return JSON.readTree(s.replace('\'', '"'));
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    static JsonNode pod(String ns, String name, String node, String ip, boolean ready, String app) {
        return json("{'metadata':{'namespace':'" + ns + "','name':'" + name + "','uid':'u-" + name + "','labels':{'app':'" + app + "'}},"
                + "'spec':{'nodeName':'" + node + "','containers':[{'name':'c','ports':[{'name':'http','containerPort':8080}]}]},"
                + "'status':{'phase':'Running','podIP':'" + ip + "','conditions':[{'type':'Ready','status':'" + (ready ? "True" : "False") + "'}]}}");
    }

    static JsonNode node(String name, boolean edge, String ip) {
        return json("{'metadata':{'name':'" + name + "','labels':{" + (edge ? "'node-role.kubernetes.io/edge':''" : "") + "}},"
                + "'status':{'addresses':[{'type':'InternalIP','address':'" + ip + "'}]}}");
    }

    final JsonNode web = json("{'metadata':{'namespace':'shop','name':'web','resourceVersion':'5','managedFields':[{}]},"
            + "'spec':{'clusterIP':'10.96.0.10','selector':{'app':'web'},'ports':[{'name':'http','protocol':'TCP','port':80,'targetPort':'http'}]},"
            + "'status':{}}");
    final JsonNode cloudOnly = json("{'metadata':{'namespace':'ops','name':'db'},'spec':{'clusterIP':'10.96.0.11','selector':{'app':'db'},"
            + "'ports':[{'protocol':'TCP','port':5432}]}}");
    final JsonNode external = json("{'metadata':{'namespace':'shop','name':'ext'},'spec':{'type':'ExternalName','externalName':'x.org'}}");
    final Map<String, JsonNode> nodes = Map.of("gw-a", node("gw-a", true, "192.0.2.1"), "gw-b", node("gw-b", true, "192.0.2.2"),
            "gw-c", node("gw-c", true, "192.0.2.3"), "cloud-1", node("cloud-1", false, "10.0.0.1"));
    final List<JsonNode> pods = List.of(pod("shop", "web-a", "gw-a", "10.88.64.2", true, "web"), pod("shop", "web-b", "gw-b", "10.88.65.2", true, "web"),
            pod("shop", "web-x", "gw-b", "10.88.65.3", false, "web"), pod("ops", "db-0", "cloud-1", "10.244.0.5", true, "db"),
            pod("ops", "tool", "gw-c", "10.88.66.2", true, "tool"), pod("shop", "other", "gw-a", "10.88.64.3", true, "other"));

    @Test
    void slicesCarryReadinessNodeNamesPortsAndTunnelAddresses() {
        Map<String, ObjectNode> slices = MeshSync.slices(List.of(web, cloudOnly, external), pods, nodes, Set.of("gw-a", "gw-b", "gw-c"));
        assertEquals(Set.of("shop/web", "ops/db"), slices.keySet());
        ObjectNode s = slices.get("shop/web");
        assertEquals("web", s.path("metadata").path("labels").path("kubernetes.io/service-name").asText());
        assertEquals(3, s.path("endpoints").size());
        JsonNode a = s.path("endpoints").get(0);
        assertEquals("10.88.64.2", a.path("addresses").get(0).asText());
        assertEquals("gw-a", a.path("nodeName").asText());
        assertTrue(a.path("conditions").path("ready").asBoolean());
        assertFalse(s.path("endpoints").get(2).path("conditions").path("ready").asBoolean(), "pod not Ready");
        assertEquals(8080, s.path("ports").get(0).path("port").asInt(), "named targetPort from the container port");
        assertEquals("{\"gw-a\":\"192.0.2.1\",\"gw-b\":\"192.0.2.2\"}",
                s.path("metadata").path("annotations").path(MeshSync.NODE_ADDRESSES_ANNOTATION).asText());
        assertEquals(5432, slices.get("ops/db").path("ports").get(0).path("port").asInt());
    }

    @Test
    void aGatewayThatIsOfflineHasNoReadyEndpointsForTheOthers() {
        Map<String, ObjectNode> slices = MeshSync.slices(List.of(web), pods, nodes, Set.of("gw-a"));
        JsonNode eps = slices.get("shop/web").path("endpoints");
        assertTrue(eps.get(0).path("conditions").path("ready").asBoolean());
        assertFalse(eps.get(1).path("conditions").path("ready").asBoolean(), "gw-b is offline");
        assertTrue(eps.get(1).path("conditions").path("serving").asBoolean(), "the pod itself still says it is ready");
    }

    @Test
    void eachGatewayGetsServicesWithEdgeBackendsAndThoseOfItsNamespaces() {
        Map<String, ObjectNode> slices = MeshSync.slices(List.of(web, cloudOnly), pods, nodes, Set.of("gw-a", "gw-b", "gw-c"));
        Map<String, JsonNode> forC = MeshSync.forNode("gw-c", List.of(web, cloudOnly), pods, nodes, slices);
        // gw-c runs a pod in ops, so it sees ops/db (endpoints in the cloud) and shop/web (edge endpoints).
        assertEquals(Set.of("service/shop/web", "endpointslice/shop/web", "service/ops/db", "endpointslice/ops/db"), forC.keySet());
        Map<String, JsonNode> forA = MeshSync.forNode("gw-a", List.of(web, cloudOnly), pods, nodes, slices);
        assertEquals(Set.of("service/shop/web", "endpointslice/shop/web"), forA.keySet(), "ops/db is neither edge-backed nor in gw-a's namespaces");
        JsonNode sent = forA.get("service/shop/web");
        assertTrue(sent.path("metadata").path("managedFields").isMissingNode());
        assertTrue(sent.path("status").isMissingNode());
        assertEquals("5", sent.path("metadata").path("resourceVersion").asText());
    }

    @Test
    void selectorsMatchAllTheirLabels() {
        assertTrue(MeshSync.matches(json("{'a':'1','b':'2'}"), json("{'a':'1','b':'2','c':'3'}")));
        assertFalse(MeshSync.matches(json("{'a':'1','b':'2'}"), json("{'a':'1'}")));
        assertFalse(MeshSync.matches(json("{'a':'1'}"), json("{'a':'2'}")));
    }

    @Test
    void diffSendsOnlyWhatChanged() {
        JsonNode a1 = json("{'v':1}");
        JsonNode a2 = json("{'v':2}");
        JsonNode b = json("{'b':1}");
        var changes = MeshSync.diff(Map.of("service/x/a", a1, "service/x/gone", b), Map.of("service/x/a", a2, "endpointslice/x/new", b));
        assertEquals(Set.of(new MeshSync.Change("update", "service/x/a", a2), new MeshSync.Change("insert", "endpointslice/x/new", b),
                new MeshSync.Change("delete", "service/x/gone", b)), Set.copyOf(changes));
        assertTrue(MeshSync.diff(Map.of("service/x/a", a1), Map.of("service/x/a", json("{'v':1}"))).isEmpty(), "equal objects are not resent");
    }

    @Test
    void aServiceWithoutSelectorUsesTheUsersEndpointSlicesOrElseItsEndpoints() {
        JsonNode ext = json("{'metadata':{'namespace':'shop','name':'legacy'},'spec':{'clusterIP':'10.96.0.20',"
                + "'ports':[{'name':'db','protocol':'TCP','port':5432,'targetPort':15432}]}}");
        JsonNode userSlice = json("{'metadata':{'namespace':'shop','name':'legacy-x','labels':{'kubernetes.io/service-name':'legacy'}},"
                + "'addressType':'IPv4','ports':[{'name':'db','protocol':'TCP','port':15432}],"
                + "'endpoints':[{'addresses':['10.88.65.9'],'nodeName':'gw-b'},{'addresses':['192.0.2.50']},"
                + "{'addresses':['10.88.66.9'],'nodeName':'gw-c','conditions':{'ready':false}}]}");
        JsonNode otherService = json("{'metadata':{'namespace':'shop','name':'x','labels':{'kubernetes.io/service-name':'other'}},"
                + "'addressType':'IPv4','endpoints':[{'addresses':['10.1.1.1']}]}");
        Map<String, ObjectNode> slices = MeshSync.slices(List.of(ext), pods, List.of(userSlice, otherService), List.of(), nodes, Set.of("gw-b"));
        JsonNode s = slices.get("shop/legacy");
        assertEquals(3, s.path("endpoints").size(), s.toString());
        assertEquals(15432, s.path("ports").get(0).path("port").asInt());
        assertTrue(s.path("endpoints").get(0).path("conditions").path("ready").asBoolean(), "no condition means ready; gw-b is online");
        assertEquals("gw-b", s.path("endpoints").get(0).path("nodeName").asText());
        assertTrue(s.path("endpoints").get(1).path("conditions").path("ready").asBoolean(), "an address outside the cluster's nodes");
        assertFalse(s.path("endpoints").get(2).path("conditions").path("ready").asBoolean());
        assertTrue(s.path("metadata").path("annotations").path(MeshSync.NODE_ADDRESSES_ANNOTATION).asText().contains("192.0.2.2"));
        // Offline gateway: its endpoint is not ready for the others.
        assertFalse(MeshSync.slices(List.of(ext), pods, List.of(userSlice), List.of(), nodes, Set.of()).get("shop/legacy")
                .path("endpoints").get(0).path("conditions").path("ready").asBoolean());

        // No slice: core/v1 Endpoints of the same name (addresses ready, notReadyAddresses not).
        JsonNode eps = json("{'metadata':{'namespace':'shop','name':'legacy'},'subsets':[{'addresses':[{'ip':'10.88.64.7','nodeName':'gw-a'}],"
                + "'notReadyAddresses':[{'ip':'10.88.64.8'}],'ports':[{'name':'db','port':15432,'protocol':'TCP'}]}]}");
        JsonNode fromEndpoints = MeshSync.slices(List.of(ext), pods, List.of(), List.of(eps), nodes, Set.of("gw-a")).get("shop/legacy");
        assertEquals(2, fromEndpoints.path("endpoints").size());
        assertTrue(fromEndpoints.path("endpoints").get(0).path("conditions").path("ready").asBoolean());
        assertFalse(fromEndpoints.path("endpoints").get(1).path("conditions").path("ready").asBoolean());
        // Neither: no slice (the gateway refuses connections to it, as for any Service without endpoints).
        assertEquals(null, MeshSync.slices(List.of(ext), pods, List.of(), List.of(), nodes, Set.of()).get("shop/legacy"));
        // Sent to the gateways like any Service with edge endpoints.
        Map<String, JsonNode> forC = MeshSync.forNode("gw-c", List.of(ext), pods, nodes, slices);
        assertTrue(forC.containsKey("endpointslice/shop/legacy") && forC.containsKey("service/shop/legacy"), forC.keySet().toString());
    }
}
