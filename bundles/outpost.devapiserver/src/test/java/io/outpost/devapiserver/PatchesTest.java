package io.outpost.devapiserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

class PatchesTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** JSON with single quotes, for readable tests. */
    private static JsonNode j(String text) throws Exception {
        return JSON.readTree(text.replace('\'', '"'));
    }

    private static void assertJson(String expected, JsonNode actual) throws Exception {
        assertEquals(j(expected), actual, () -> "got " + actual);
    }

    // ---- RFC 6902 ------------------------------------------------------------------------

    @Test
    void jsonPatchOperations() throws Exception {
        JsonNode doc = j("{'a':{'b':1},'list':[1,2,3],'x':'y'}");
        JsonNode patch = j("[{'op':'add','path':'/a/c','value':2},"
                + "{'op':'replace','path':'/x','value':'z'},"
                + "{'op':'remove','path':'/list/0'},"
                + "{'op':'add','path':'/list/-','value':4},"
                + "{'op':'add','path':'/list/0','value':0},"
                + "{'op':'copy','from':'/a/b','path':'/copied'},"
                + "{'op':'move','from':'/x','path':'/moved'},"
                + "{'op':'test','path':'/a/c','value':2.0},"
                + "{'op':'add','path':'/with~1slash','value':true}]");
        assertJson("{'a':{'b':1,'c':2},'list':[0,2,3,4],'copied':1,'moved':'z','with/slash':true}",
                Patches.jsonPatch(doc, patch));
        assertJson("{'a':{'b':1},'list':[1,2,3],'x':'y'}", doc);
    }

    @Test
    void jsonPatchFailures() throws Exception {
        JsonNode doc = j("{'a':1,'list':[1]}");
        ApiException failedTest = assertThrows(ApiException.class,
                () -> Patches.jsonPatch(doc, j("[{'op':'test','path':'/a','value':2}]")));
        assertEquals(422, failedTest.code());
        assertEquals(422, assertThrows(ApiException.class,
                () -> Patches.jsonPatch(doc, j("[{'op':'remove','path':'/missing'}]"))).code());
        assertEquals(422, assertThrows(ApiException.class,
                () -> Patches.jsonPatch(doc, j("[{'op':'add','path':'/list/5','value':1}]"))).code());
        assertEquals(400, assertThrows(ApiException.class, () -> Patches.jsonPatch(doc, j("{'op':'add'}"))).code());
        assertEquals(400, assertThrows(ApiException.class,
                () -> Patches.jsonPatch(doc, j("[{'op':'frobnicate','path':'/a'}]"))).code());
        assertEquals(400, assertThrows(ApiException.class,
                () -> Patches.jsonPatch(doc, j("[{'op':'add','path':'a','value':1}]"))).code());
    }

    // ---- RFC 7386 ------------------------------------------------------------------------

    @Test
    void mergePatch() throws Exception {
        JsonNode doc = j("{'a':'b','c':{'d':'e','f':'g'},'list':[1,2]}");
        assertJson("{'a':'z','c':{'d':'e'},'list':[3],'n':{'m':1}}",
                Patches.mergePatch(doc, j("{'a':'z','c':{'f':null},'list':[3],'n':{'m':1}}")));
        assertJson("[1]", Patches.mergePatch(doc, j("[1]")));
        assertJson("{'a':'b','c':{'d':'e','f':'g'},'list':[1,2]}", doc);
    }

    // ---- strategic merge -------------------------------------------------------------------

    @Test
    void strategicMergeMergesKeyedLists() throws Exception {
        JsonNode pod = j("{'spec':{'containers':[{'name':'app','image':'app:1','env':[{'name':'A','value':'1'}]},"
                + "{'name':'side','image':'side:1'}],'tolerations':[{'key':'a'}]}}");
        JsonNode patch = j("{'spec':{'containers':[{'name':'app','image':'app:2','env':[{'name':'B','value':'2'}]}],"
                + "'tolerations':[{'key':'b'}]}}");
        assertJson("{'spec':{'containers':[{'name':'app','image':'app:2','env':[{'name':'A','value':'1'},{'name':'B','value':'2'}]},"
                + "{'name':'side','image':'side:1'}],'tolerations':[{'key':'b'}]}}",
                Patches.strategicMergePatch(pod, patch));
    }

    @Test
    void strategicMergeConditionsByTypeAndPortsByPort() throws Exception {
        JsonNode node = j("{'status':{'conditions':[{'type':'Ready','status':'False'},{'type':'DiskPressure','status':'False'}],"
                + "'addresses':[{'type':'InternalIP','address':'10.0.0.1'}]}}");
        JsonNode patch = j("{'status':{'conditions':[{'type':'Ready','status':'True'}],"
                + "'addresses':[{'type':'Hostname','address':'n1'}]}}");
        assertJson("{'status':{'conditions':[{'type':'Ready','status':'True'},{'type':'DiskPressure','status':'False'}],"
                + "'addresses':[{'type':'InternalIP','address':'10.0.0.1'},{'type':'Hostname','address':'n1'}]}}",
                Patches.strategicMergePatch(node, patch));

        JsonNode svc = j("{'spec':{'ports':[{'port':80,'name':'http'},{'port':443,'name':'https'}]}}");
        assertJson("{'spec':{'ports':[{'port':80,'name':'web'},{'port':443,'name':'https'}]}}",
                Patches.strategicMergePatch(svc, j("{'spec':{'ports':[{'port':80,'name':'web'}]}}")));
    }

    @Test
    void strategicMergeDirectives() throws Exception {
        JsonNode pod = j("{'metadata':{'finalizers':['a','b'],'labels':{'x':'1','y':'2'}},"
                + "'spec':{'containers':[{'name':'a'},{'name':'b'},{'name':'c'}],'volumes':[{'name':'v','emptyDir':{}}]}}");
        JsonNode patch = j("{'metadata':{'finalizers':['c'],'$deleteFromPrimitiveList/finalizers':['a'],'labels':{'y':null}},"
                + "'spec':{'$setElementOrder/containers':[{'name':'c'},{'name':'a'}],"
                + "'containers':[{'name':'b','$patch':'delete'}],"
                + "'volumes':[{'$patch':'replace'},{'name':'w','hostPath':{'path':'/tmp'}}]}}");
        assertJson("{'metadata':{'finalizers':['b','c'],'labels':{'x':'1'}},"
                + "'spec':{'containers':[{'name':'c'},{'name':'a'}],'volumes':[{'name':'w','hostPath':{'path':'/tmp'}}]}}",
                Patches.strategicMergePatch(pod, patch));

        JsonNode replaced = Patches.strategicMergePatch(j("{'spec':{'selector':{'a':'1','b':'2'}}}"),
                j("{'spec':{'selector':{'$patch':'replace','c':'3'}}}"));
        assertJson("{'spec':{'selector':{'c':'3'}}}", replaced);
        JsonNode deleted = Patches.strategicMergePatch(j("{'spec':{'strategy':{'type':'x'},'k':1}}"),
                j("{'spec':{'strategy':{'$patch':'delete'}}}"));
        assertJson("{'spec':{'k':1}}", deleted);
        JsonNode retained = Patches.strategicMergePatch(j("{'spec':{'strategy':{'type':'Recreate','rollingUpdate':{'x':1}}}}"),
                j("{'spec':{'strategy':{'$retainKeys':['type'],'type':'Recreate'}}}"));
        assertJson("{'spec':{'strategy':{'type':'Recreate'}}}", retained);
    }

    @Test
    void strategicMergeLikeKubectlApply() throws Exception {
        JsonNode cm = j("{'data':{'a':'1','b':'2'},'metadata':{'annotations':{'kubectl.kubernetes.io/last-applied-configuration':'old'}}}");
        assertJson("{'data':{'a':'3'},'metadata':{'annotations':{'kubectl.kubernetes.io/last-applied-configuration':'new'}}}",
                Patches.strategicMergePatch(cm, j("{'data':{'a':'3','b':null},"
                        + "'metadata':{'annotations':{'kubectl.kubernetes.io/last-applied-configuration':'new'}}}")));
        assertThrows(ApiException.class, () -> Patches.strategicMergePatch(cm, j("[1]")));
    }

    // ---- server-side apply -------------------------------------------------------------------

    @Test
    void serverSideApplyCreatesMergesAndForgetsRemovedFields() throws Exception {
        ObjectNode first = (ObjectNode) j("{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'c','labels':{'a':'1','b':'2'}},"
                + "'data':{'x':'1','y':'2'}}");
        ObjectNode created = ServerSideApply.apply(null, first, "mgr", "v1", "", "2025-01-01T00:00:00Z");
        assertEquals("mgr", created.at("/metadata/managedFields/0/manager").asText());
        assertEquals("Apply", created.at("/metadata/managedFields/0/operation").asText());
        assertTrue(created.at("/metadata/managedFields/0/fieldsV1/f:data/f:x").isObject());

        // Someone else (not an applier) adds data; another applier owns label b too.
        ObjectNode live = created.deepCopy();
        ((ObjectNode) live.get("data")).put("z", "other");
        ObjectNode second = (ObjectNode) j("{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'c','labels':{'b':'2'}},"
                + "'data':{'y':'3'}}");
        ObjectNode other = ServerSideApply.apply(live, (ObjectNode) j("{'apiVersion':'v1','kind':'ConfigMap',"
                + "'metadata':{'name':'c','labels':{'a':'1'}}}"), "other", "v1", "", "2025-01-01T00:00:00Z");
        ObjectNode result = ServerSideApply.apply(other, second, "mgr", "v1", "", "2025-01-01T00:00:01Z");
        assertJson("{'y':'3','z':'other'}", result.get("data"));
        assertJson("{'a':'1','b':'2'}", result.at("/metadata/labels"));
        assertEquals(2, result.at("/metadata/managedFields").size());
    }

    @Test
    void serverSideApplyMergesKeyedListsAndDropsRemovedElements() throws Exception {
        ObjectNode v1 = (ObjectNode) j("{'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'d'},"
                + "'spec':{'template':{'spec':{'containers':[{'name':'a','image':'a:1'},{'name':'b','image':'b:1'}]}}}}");
        ObjectNode live = ServerSideApply.apply(null, v1, "m", "apps/v1", "", "t");
        ObjectNode v2 = (ObjectNode) j("{'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'d'},"
                + "'spec':{'template':{'spec':{'containers':[{'name':'a','image':'a:2'}]}}}}");
        ObjectNode result = ServerSideApply.apply(live, v2, "m", "apps/v1", "", "t");
        assertJson("[{'name':'a','image':'a:2'}]", result.at("/spec/template/spec/containers"));
        assertFalse(result.at("/metadata/managedFields/0/fieldsV1").toString().contains("\"name\":\"b\""));
    }
}
