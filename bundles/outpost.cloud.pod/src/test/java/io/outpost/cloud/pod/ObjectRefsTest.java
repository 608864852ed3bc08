package io.outpost.cloud.pod;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.outpost.cloud.pod.ObjectRefs.NodeRef;
import io.outpost.cloud.pod.ObjectRefs.Ref;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ObjectRefsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Ref CM = new Ref("configmap", "default", "settings");
    private static final Ref SECRET = new Ref("secret", "default", "creds");
    private static final Ref FILES = new Ref("configmap", "default", "files");

    static JsonNode pod(String name) throws Exception {
        return JSON.readTree(("{'metadata':{'namespace':'default','name':'" + name + "'},'spec':{'nodeName':'gw1',"
                + "'initContainers':[{'name':'i','envFrom':[{'secretRef':{'name':'creds'}}]}],"
                + "'containers':[{'name':'c','env':[{'name':'A','value':'x'},{'name':'B','valueFrom':{'configMapKeyRef':{'name':'settings','key':'k'}}}]}],"
                + "'volumes':[{'name':'v','configMap':{'name':'files'}},{'name':'e','emptyDir':{}}]}}").replace('\'', '"'));
    }

    @Test
    void findsEveryReferenceOfAPod() throws Exception {
        assertEquals(Set.of(CM, SECRET, FILES), ObjectRefs.of(pod("a")));
        assertEquals("default/secret/creds", SECRET.resource());
    }

    @Test
    void nodesGetWhatTheirPodsUseAndLoseItWithTheLastPod() throws Exception {
        ObjectRefs refs = new ObjectRefs();
        var first = refs.set("default/a", "gw1", ObjectRefs.of(pod("a")));
        assertEquals(Set.of(CM, SECRET, FILES), first.watch());
        assertEquals(3, first.added().size());
        var second = refs.set("default/b", "gw1", Set.of(CM));
        assertTrue(second.added().isEmpty() && second.watch().isEmpty(), "gw1 has it already: " + second);
        var other = refs.set("default/c", "gw2", Set.of(CM));
        assertEquals(List.of(new NodeRef("gw2", CM)), other.added());
        assertEquals(Set.of("gw1", "gw2"), refs.nodes(CM));
        var again = refs.set("default/a", "gw1", ObjectRefs.of(pod("a")));
        assertTrue(again.added().isEmpty() && again.removed().isEmpty() && again.watch().isEmpty() && again.unwatch().isEmpty());
        var gone = refs.set("default/a", "", Set.of());
        assertEquals(Set.of(new NodeRef("gw1", SECRET), new NodeRef("gw1", FILES)), Set.copyOf(gone.removed()), "gw1's pod b still uses settings");
        assertEquals(Set.of(SECRET, FILES), gone.unwatch());
        refs.set("default/b", "", Set.of());
        var last = refs.set("default/c", "", Set.of());
        assertEquals(List.of(new NodeRef("gw2", CM)), last.removed());
        assertEquals(Set.of(CM), last.unwatch());
        assertEquals(Set.of(), refs.refs("gw1"));
    }

    @Test
    void sizesAreCountedLikeKubernetes() throws Exception {
        assertEquals(2 + 5, ObjectRefs.dataSize(JSON.readTree("{\"data\":{\"ab\":\"hello\"}}")));
        var m = ObjectRefs.downstream("insert", CM, JSON.readTree("{\"metadata\":{\"resourceVersion\":\"12\"}}"));
        assertEquals("default/configmap/settings", m.resource());
        assertEquals("12", m.resourceVersion());
        assertEquals("resource", m.group());
        var d = ObjectRefs.downstream("delete", SECRET, JSON.readTree("{\"metadata\":{\"uid\":\"u\",\"resourceVersion\":\"13\"},\"data\":{\"password\":\"czNjcjN0\"}}"));
        assertEquals("{\"metadata\":{\"namespace\":\"default\",\"name\":\"creds\",\"uid\":\"u\",\"resourceVersion\":\"13\"}}", d.content().toString(),
                "a delete carries no data");
    }
}
