package io.outpost.devapiserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class SelectorsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode obj(String json) throws Exception {
        return JSON.readTree(json.replace('\'', '"'));
    }

    private static final String POD = "{'metadata':{'name':'web-1','namespace':'prod',"
            + "'labels':{'app':'web','tier':'front','release':'3'}},"
            + "'spec':{'nodeName':'edge-1'},'status':{'phase':'Running'}}";

    private static boolean labels(String selector, String json) throws Exception {
        return Selectors.parseLabelSelector(selector).matches(obj(json));
    }

    private static boolean fields(String selector, String json) throws Exception {
        return Selectors.parseFieldSelector(selector).matches(obj(json));
    }

    @Test
    void equalityOperators() throws Exception {
        assertTrue(labels("app=web", POD));
        assertTrue(labels("app==web", POD));
        assertFalse(labels("app=db", POD));
        assertTrue(labels("app!=db", POD));
        assertFalse(labels("app!=web", POD));
        assertTrue(labels("missing!=x", POD), "!= matches objects without the label");
        assertTrue(labels(" app = web , tier = front ", POD), "spaces are allowed around tokens");
        assertFalse(labels("app=web,tier=back", POD), "all requirements must hold");
    }

    @Test
    void setOperators() throws Exception {
        assertTrue(labels("app in (web,db)", POD));
        assertTrue(labels("app in (db, web)", POD));
        assertFalse(labels("app in (db)", POD));
        assertTrue(labels("app notin (db)", POD));
        assertFalse(labels("app notin (web,db)", POD));
        assertTrue(labels("missing notin (x)", POD));
        assertFalse(labels("missing in (x)", POD));
    }

    @Test
    void existenceAndComparison() throws Exception {
        assertTrue(labels("app", POD));
        assertFalse(labels("missing", POD));
        assertTrue(labels("!missing", POD));
        assertFalse(labels("!app", POD));
        assertTrue(labels("release>2", POD));
        assertFalse(labels("release<3", POD));
        assertTrue(labels("app,!missing,tier in (front)", POD));
        assertTrue(labels("", POD));
    }

    @Test
    void invalidLabelSelectorsAreRejected() {
        for (String bad : new String[] {"app in web", "app in (web", "=web", "app=web,", "app notin",
                "app=we b", "a/b/c=d", "release>x"}) {
            assertThrows(IllegalArgumentException.class, () -> Selectors.parseLabelSelector(bad), bad);
        }
    }

    @Test
    void emptyLabelValue() throws Exception {
        assertTrue(labels("role=", "{'metadata':{'labels':{'role':''}}}"));
        assertFalse(labels("role=", POD));
    }

    @Test
    void fieldSelectorsOnMetadataAndDottedPaths() throws Exception {
        assertTrue(fields("metadata.name=web-1", POD));
        assertTrue(fields("metadata.namespace==prod", POD));
        assertFalse(fields("metadata.name!=web-1", POD));
        assertTrue(fields("spec.nodeName=edge-1,status.phase!=Failed,status.phase!=Succeeded", POD));
        assertFalse(fields("spec.nodeName=edge-2", POD));
    }

    @Test
    void missingFieldsCompareAsEmpty() throws Exception {
        String event = "{'metadata':{'name':'e'},'type':'Warning','involvedObject':{'kind':'Node','name':'edge-1','uid':'u1'}}";
        assertTrue(fields("involvedObject.kind=Node,involvedObject.name=edge-1,involvedObject.namespace=,involvedObject.uid=u1", event));
        assertTrue(fields("type=Warning", event));
        assertFalse(fields("involvedObject.namespace=default", event));
    }

    @Test
    void escapedValuesAndErrors() throws Exception {
        assertTrue(fields("metadata.name=a\\,b", "{'metadata':{'name':'a,b'}}"));
        assertThrows(IllegalArgumentException.class, () -> Selectors.parseFieldSelector("metadata.name"));
        assertThrows(IllegalArgumentException.class, () -> Selectors.parseFieldSelector("=x"));
        assertEquals("edge-1", ((Selectors.FieldSelector) Selectors.parseFieldSelector("spec.nodeName=edge-1"))
                .requiredValue("spec.nodeName"));
    }

    @Test
    void selectorLengthIsCapped() {
        String huge = "a=" + "b".repeat(Selectors.MAX_SELECTOR_LENGTH);
        assertThrows(IllegalArgumentException.class, () -> Selectors.parseLabelSelector(huge));
        assertThrows(IllegalArgumentException.class, () -> Selectors.parseFieldSelector(huge));
    }
}
