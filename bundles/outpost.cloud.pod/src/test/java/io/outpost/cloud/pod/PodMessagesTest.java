package io.outpost.cloud.pod;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.outpost.hub.api.Message;
import java.util.List;
import org.junit.jupiter.api.Test;

class PodMessagesTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode json(String s) throws Exception {
        return JSON.readTree(s.replace('\'', '"'));
    }

    @Test
    void downstreamIsKubeEdgesPodMessage() throws Exception {
        JsonNode pod = json("{'metadata':{'namespace':'ns1','name':'web','resourceVersion':'42','uid':'u1'},'spec':{'nodeName':'gw1'}}");
        Message m = PodMessages.downstream("insert", pod);
        assertEquals("ns1/pod/web", m.resource());
        assertEquals("resource", m.group());
        assertEquals("edgecontroller", m.source());
        assertEquals("insert", m.operation());
        assertEquals("42", m.resourceVersion());
        assertEquals(pod, m.content());
        assertEquals("gw1", PodMessages.nodeOf(pod));
        assertEquals("", PodMessages.nodeOf(json("{'spec':{}}")));
        assertEquals("", PodMessages.nodeOf(null));
    }

    @Test
    void statusContentIsOneOrAnArrayOrAString() throws Exception {
        JsonNode one = json("{'UID':'u1','Name':'web','Status':{'phase':'Running'}}");
        List<PodMessages.StatusReport> r = PodMessages.parseStatus(one, JSON);
        assertEquals(1, r.size());
        assertEquals("u1", r.get(0).uid());
        assertEquals("Running", r.get(0).status().path("phase").asText());
        assertEquals(2, PodMessages.parseStatus(json("[" + one + "," + one + "]"), JSON).size());
        assertEquals(1, PodMessages.parseStatus(com.fasterxml.jackson.databind.node.TextNode.valueOf(one.toString()), JSON).size());
    }

    @Test
    void badStatusContentSaysWhatToFix() throws Exception {
        var e = assertThrows(IllegalArgumentException.class, () -> PodMessages.parseStatus(json("{'Name':'web'}"), JSON));
        assertTrue(e.getMessage().contains("Status"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> PodMessages.parseStatus(json("42"), JSON));
        assertThrows(IllegalArgumentException.class,
                () -> PodMessages.parseStatus(com.fasterxml.jackson.databind.node.TextNode.valueOf("{nope"), JSON));
        var many = JSON.createArrayNode();
        for (int i = 0; i <= PodMessages.MAX_STATUSES; i++) {
            many.add(json("{'Name':'p','Status':{}}"));
        }
        assertThrows(IllegalArgumentException.class, () -> PodMessages.parseStatus(many, JSON));
    }

    @Test
    void statusPatchKeepsOthersConditionsAndFields() throws Exception {
        JsonNode current = json("{'status':{'conditions':[{'type':'PodScheduled','status':'True'},{'type':'example.com/Gate','status':'False'}],"
                + "'nominatedNodeName':'x'}}");
        JsonNode reported = json("{'phase':'Running','podIP':'10.88.64.5','conditions':[{'type':'Ready','status':'True'},"
                + "{'type':'PodScheduled','status':'True','lastTransitionTime':'t'}],'containerStatuses':[{'name':'c'}],'bogus':1}");
        JsonNode st = PodMessages.statusPatch(current, reported).path("status");
        assertEquals("Running", st.path("phase").asText());
        assertEquals("10.88.64.5", st.path("podIP").asText());
        assertFalse(st.has("bogus"));
        assertFalse(st.has("nominatedNodeName"), "a merge patch leaves fields it does not name");
        List<String> types = new java.util.ArrayList<>();
        st.path("conditions").forEach(c -> types.add(c.path("type").asText()));
        assertEquals(List.of("example.com/Gate", "Ready", "PodScheduled"), types);
        assertEquals("t", st.path("conditions").get(2).path("lastTransitionTime").asText());
    }

    @Test
    void podListNamesEveryPodOfTheNode() throws Exception {
        Message m = PodMessages.podList(List.of(json("{'metadata':{'namespace':'a','name':'p1','uid':'u1'}}"),
                json("{'metadata':{'namespace':'b','name':'p2','uid':'u2'}}")));
        assertEquals("_/podlist", m.resource());
        assertEquals("update", m.operation());
        assertEquals("resource", m.group());
        assertEquals(json("[{'namespace':'a','name':'p1','uid':'u1'},{'namespace':'b','name':'p2','uid':'u2'}]"), m.content());
        assertEquals(json("[]"), PodMessages.podList(List.of()).content());
    }
}
