package io.outpost.cloud.pod;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.outpost.hub.api.Message;
import org.junit.jupiter.api.Test;

class EventMessagesTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** As edged (and Outpost's pod manager) sends a pod's event. */
    static ObjectNode event(String reason, String message) throws Exception {
        return (ObjectNode) JSON.readTree(("{'apiVersion':'v1','kind':'Event','metadata':{'name':'web.1a2b','namespace':'default',"
                + "'labels':{'x':'y'},'ownerReferences':[{'kind':'Secret'}]},'involvedObject':{'kind':'Pod','namespace':'default','name':'web',"
                + "'uid':'u1','apiVersion':'v1','fieldPath':'spec.containers{main}'},'reason':'" + reason + "','message':'" + message + "',"
                + "'type':'Warning','source':{'component':'kubelet','host':'someone-else'},'firstTimestamp':'2026-11-27T10:00:00Z',"
                + "'lastTimestamp':'2026-11-27T10:01:00Z','count':3}").replace('\'', '"'));
    }

    private static Message msg(String op, String resource, Object content) {
        return Message.builder().source("edged").group("meta").operation(op).resource(resource)
                .content(content instanceof ObjectNode o ? o : JSON.valueToTree(content)).build();
    }

    @Test
    void aPodsEventBecomesACoreV1EventRebuiltFromKnownFields() throws Exception {
        EventMessages.Event e = EventMessages.parse("gw1", msg("insert", "default/event/web.1a2b", event("BackOff", "Back-off")));
        ObjectNode ev = e.event();
        assertEquals("web.1a2b", ev.at("/metadata/name").asText());
        assertEquals("default", ev.at("/metadata/namespace").asText());
        assertFalse(ev.path("metadata").has("labels"), "nothing beyond the known fields is copied");
        assertFalse(ev.path("metadata").has("ownerReferences"));
        assertEquals("Pod", ev.at("/involvedObject/kind").asText());
        assertEquals("u1", ev.at("/involvedObject/uid").asText());
        assertEquals("spec.containers{main}", ev.at("/involvedObject/fieldPath").asText());
        assertEquals("BackOff", ev.path("reason").asText());
        assertEquals("Warning", ev.path("type").asText());
        assertEquals(3, ev.path("count").asInt());
        assertEquals("gw1", ev.at("/source/host").asText(), "the host is the sender, whatever it claims");
        assertEquals("gw1", ev.path("reportingInstance").asText());
        assertEquals("kubelet", ev.at("/source/component").asText());
        assertEquals("2026-11-27T10:01:00Z", ev.path("lastTimestamp").asText());
        assertEquals("web", e.objectName());
    }

    @Test
    void kubeEdgesPatchCarriesTheEventBesideThePatch() throws Exception {
        ObjectNode patch = JSON.createObjectNode();
        patch.set("event", event("Unhealthy", "Liveness probe failed"));
        patch.put("patchData", "{\"count\":3}");
        EventMessages.Event e = EventMessages.parse("gw1", msg("patch", "default/event/web.1a2b", patch));
        assertEquals("Unhealthy", e.event().path("reason").asText());
    }

    @Test
    void badEventsAreRefusedWithWhatToFix() throws Exception {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> EventMessages.parse("gw1", msg("insert", "default/pod/web", event("X", "y"))))
                .getMessage().contains("<namespace>/event/<name>"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> EventMessages.parse("gw1", msg("delete", "default/event/a", event("X", "y"))))
                .getMessage().contains("insert, update or patch"));
        ObjectNode secret = event("X", "y");
        ((ObjectNode) secret.get("involvedObject")).put("kind", "Secret");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> EventMessages.parse("gw1", msg("insert", "default/event/a", secret)))
                .getMessage().contains("its pods and its node only"));
        ObjectNode otherNs = event("X", "y");
        ((ObjectNode) otherNs.get("involvedObject")).put("namespace", "kube-system");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> EventMessages.parse("gw1", msg("insert", "default/event/a", otherNs)))
                .getMessage().contains("its object's namespace"));
        ObjectNode odd = event("X", "y");
        odd.put("type", "Critical");
        assertThrows(IllegalArgumentException.class, () -> EventMessages.parse("gw1", msg("insert", "default/event/a", odd)));
        assertThrows(IllegalArgumentException.class, () -> EventMessages.parse("gw1", msg("insert", "default/event/Bad_Name", event("X", "y"))));
        assertThrows(IllegalArgumentException.class, () -> EventMessages.parse("gw1", msg("insert", "default/event/a", event("", "y"))));
    }

    @Test
    void longTextsAreCapped() throws Exception {
        EventMessages.Event e = EventMessages.parse("gw1", msg("insert", "default/event/a", event("R".repeat(500), "m".repeat(100_000))));
        assertEquals(EventMessages.MAX_MESSAGE, e.event().path("message").asText().length());
        assertEquals(EventMessages.MAX_REASON, e.event().path("reason").asText().length());
    }
}
