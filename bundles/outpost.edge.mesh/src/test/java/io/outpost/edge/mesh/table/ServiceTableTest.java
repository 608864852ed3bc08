package io.outpost.edge.mesh.table;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

public class ServiceTableTest {
    static final ObjectMapper JSON = new ObjectMapper();

    public static JsonNode json(String s) {
        try {
            return JSON.readTree(s.replace('\'', '"'));
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    static JsonNode service(String ns, String name, String ip, String extraSpec) {
        return json("{'metadata':{'namespace':'" + ns + "','name':'" + name + "'},'spec':{'clusterIP':'" + ip + "'," + extraSpec
                + "'ports':[{'name':'http','protocol':'TCP','port':80,'targetPort':'web'},{'name':'dns','protocol':'UDP','port':53,'targetPort':5353}]}}");
    }

    static JsonNode slice(String ns, String svc, String endpoints) {
        return json("{'metadata':{'namespace':'" + ns + "','name':'" + svc + "-x','labels':{'kubernetes.io/service-name':'" + svc + "'},"
                + "'annotations':{'mesh.outpost.io/node-addresses':'{\\'gw-b\\':\\'192.0.2.2\\'}'}},"
                + "'addressType':'IPv4','ports':[{'name':'http','protocol':'TCP','port':8080},{'name':'dns','protocol':'UDP','port':5353}],"
                + "'endpoints':[" + endpoints + "]}");
    }

    @Test
    void buildsBackendsFromReadyEndpointsWithTheSlicesPorts() {
        ServiceTable t = ServiceTable.build(List.of(service("default", "web", "10.96.0.10", "'sessionAffinity':'ClientIP',")),
                List.of(slice("default", "web", "{'addresses':['10.88.64.2'],'conditions':{'ready':true},'nodeName':'gw-a'},"
                        + "{'addresses':['10.88.64.3'],'conditions':{'ready':false},'nodeName':'gw-a'},"
                        + "{'addresses':['10.88.65.2'],'nodeName':'gw-b'}")));
        MeshService s = t.byClusterIp("10.96.0.10").orElseThrow();
        assertEquals("default/web", s.key());
        assertTrue(s.clientIpAffinity());
        assertEquals(ServiceTable.DEFAULT_AFFINITY_SECONDS, s.affinitySeconds());
        ServicePort http = s.ports().get(0);
        assertEquals(List.of(new Backend("10.88.64.2", 8080, "gw-a"), new Backend("10.88.65.2", 8080, "gw-b")), s.backends(http));
        assertEquals(List.of(new Backend("10.88.64.2", 5353, "gw-a"), new Backend("10.88.65.2", 5353, "gw-b")), s.backends(s.ports().get(1)));
        assertEquals("192.0.2.2", t.nodeAddress("gw-b").orElseThrow());
        assertTrue(t.isBackend("10.88.65.2", 8080, "TCP", "gw-b"));
        assertFalse(t.isBackend("10.88.65.2", 8080, "TCP", "gw-a"), "a backend on another node");
        assertFalse(t.isBackend("10.88.64.3", 8080, "TCP", "gw-a"), "not ready");
        assertFalse(t.isBackend("10.88.64.2", 22, "TCP", "gw-a"), "not a service port");
        assertFalse(t.isBackend("10.88.64.2", 8080, "UDP", "gw-a"), "wrong protocol");
    }

    @Test
    void skipsWhatItCannotUse() {
        ServiceTable t = ServiceTable.build(List.of(json("{'metadata':{'name':'x'}}"),
                json("{'metadata':{'namespace':'a','name':'sctp'},'spec':{'clusterIP':'10.96.0.9','ports':[{'protocol':'SCTP','port':9}]}}"),
                service("a", "headless", "None", "")), List.of(json("{'metadata':{}}"),
                slice("a", "headless", "{'addresses':['10.88.64.9'],'conditions':{'ready':true}}")));
        assertEquals(2, t.services().size());
        assertTrue(t.service("a", "sctp").orElseThrow().ports().isEmpty());
        assertTrue(t.byClusterIp("None").isEmpty());
        assertEquals(List.of("10.88.64.9"), t.service("a", "headless").orElseThrow().readyAddresses());
    }
}
