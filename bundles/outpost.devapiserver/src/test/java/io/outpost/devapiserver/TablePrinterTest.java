package io.outpost.devapiserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TablePrinterTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant NOW = Instant.parse("2025-03-01T12:00:00Z");
    private final TablePrinter printer = new TablePrinter(Clock.fixed(NOW, ZoneOffset.UTC));

    private static ObjectNode j(String text) throws Exception {
        return (ObjectNode) JSON.readTree(text.replace('\'', '"'));
    }

    private static ResourceType builtin(String plural) {
        return BuiltinResources.all().stream().filter(t -> t.plural().equals(plural)).findFirst().orElseThrow();
    }

    private List<String> cells(ResourceType type, ObjectNode o) {
        List<String> out = new ArrayList<>();
        printer.cells(type, o).forEach(c -> out.add(c.isNull() ? null : c.asText()));
        return out;
    }

    @Test
    void humanDurationsLikeKubectl() {
        assertEquals("0s", TablePrinter.humanDuration(Duration.ofMillis(-500)));
        assertEquals("<invalid>", TablePrinter.humanDuration(Duration.ofSeconds(-5)));
        assertEquals("5s", TablePrinter.humanDuration(Duration.ofSeconds(5)));
        assertEquals("119s", TablePrinter.humanDuration(Duration.ofSeconds(119)));
        assertEquals("3m12s", TablePrinter.humanDuration(Duration.ofSeconds(192)));
        assertEquals("5m", TablePrinter.humanDuration(Duration.ofMinutes(5)));
        assertEquals("45m", TablePrinter.humanDuration(Duration.ofMinutes(45).plusSeconds(30)));
        assertEquals("3h5m", TablePrinter.humanDuration(Duration.ofMinutes(185)));
        assertEquals("4h", TablePrinter.humanDuration(Duration.ofHours(4)));
        assertEquals("20h", TablePrinter.humanDuration(Duration.ofHours(20).plusMinutes(59)));
        assertEquals("2d4h", TablePrinter.humanDuration(Duration.ofHours(52)));
        assertEquals("3d", TablePrinter.humanDuration(Duration.ofDays(3)));
        assertEquals("45d", TablePrinter.humanDuration(Duration.ofDays(45)));
        assertEquals("2y10d", TablePrinter.humanDuration(Duration.ofDays(740)));
        assertEquals("9y", TablePrinter.humanDuration(Duration.ofDays(9 * 365 + 100)));
    }

    @Test
    void nodeColumnsAndCells() throws Exception {
        ResourceType nodes = builtin("nodes");
        ObjectNode node = j("{'metadata':{'name':'edge-1','creationTimestamp':'2025-03-01T11:56:48Z',"
                + "'labels':{'node-role.kubernetes.io/edge':'','node-role.kubernetes.io/agent':'','kubernetes.io/role':'worker'}},"
                + "'spec':{'unschedulable':true},"
                + "'status':{'conditions':[{'type':'MemoryPressure','status':'False'},{'type':'Ready','status':'False'}],"
                + "'addresses':[{'type':'Hostname','address':'edge-1'},{'type':'InternalIP','address':'10.1.2.3'}],"
                + "'nodeInfo':{'kubeletVersion':'v1.32.0','osImage':'Debian 12','kernelVersion':'6.1.0','containerRuntimeVersion':'containerd://1.7'}}}");
        assertEquals(List.of("edge-1", "NotReady,SchedulingDisabled", "agent,edge,worker", "3m12s", "v1.32.0",
                "10.1.2.3", "<none>", "Debian 12", "6.1.0", "containerd://1.7"), cells(nodes, node));

        ObjectNode table = printer.table(nodes, List.of(node), true, TablePrinter.IncludeObject.METADATA,
                "meta.k8s.io/v1", "42", null);
        assertEquals("Table", table.get("kind").asText());
        assertEquals("42", table.at("/metadata/resourceVersion").asText());
        JsonNode columns = table.get("columnDefinitions");
        assertEquals("Name", columns.get(0).get("name").asText());
        assertEquals("name", columns.get(0).get("format").asText());
        assertEquals(0, columns.get(4).get("priority").asInt());
        assertEquals("Internal-IP", columns.get(5).get("name").asText());
        assertEquals(1, columns.get(5).get("priority").asInt(), "wide-only columns have priority 1");
        assertEquals("PartialObjectMetadata", table.at("/rows/0/object/kind").asText());
        assertEquals("edge-1", table.at("/rows/0/object/metadata/name").asText());

        ObjectNode unknown = j("{'metadata':{'name':'n2'}}");
        List<String> c = cells(nodes, unknown);
        assertEquals("Unknown", c.get(1));
        assertEquals("<none>", c.get(2));
        assertEquals("<unknown>", c.get(3));
        assertEquals(0, printer.table(nodes, List.of(unknown), false, TablePrinter.IncludeObject.NONE, "meta.k8s.io/v1",
                null, null).get("columnDefinitions").size(), "no headers for later watch events");
    }

    @Test
    void podStatusReasons() throws Exception {
        ResourceType pods = builtin("pods");
        ObjectNode running = j("{'metadata':{'name':'p','creationTimestamp':'2025-03-01T11:00:00Z'},"
                + "'spec':{'nodeName':'edge-1','containers':[{'name':'a'},{'name':'b'}]},"
                + "'status':{'phase':'Running','podIP':'10.0.0.9','conditions':[{'type':'Ready','status':'False'}],"
                + "'containerStatuses':[{'name':'a','ready':true,'restartCount':0,'state':{'running':{}}},"
                + "{'name':'b','ready':false,'restartCount':4,'state':{'waiting':{'reason':'CrashLoopBackOff'}},"
                + "'lastState':{'terminated':{'exitCode':1,'finishedAt':'2025-03-01T11:58:00Z'}}}]}}");
        assertEquals(List.of("p", "1/2", "CrashLoopBackOff", "4 (2m ago)", "60m", "10.0.0.9", "edge-1", "<none>", "<none>"),
                cells(pods, running));

        ObjectNode terminating = j("{'metadata':{'name':'p','deletionTimestamp':'2025-03-01T12:00:30Z'},"
                + "'spec':{'containers':[{'name':'a'}]},'status':{'phase':'Running',"
                + "'containerStatuses':[{'name':'a','ready':true,'restartCount':0,'state':{'running':{}}}]}}");
        assertEquals("Terminating", cells(pods, terminating).get(2));

        ObjectNode pending = j("{'metadata':{'name':'p'},'spec':{'containers':[{'name':'a'}]}}");
        assertEquals(List.of("0/1", "Pending", "0"), cells(pods, pending).subList(1, 4));

        ObjectNode init = j("{'metadata':{'name':'p'},'spec':{'initContainers':[{'name':'i'}],'containers':[{'name':'a'}]},"
                + "'status':{'phase':'Pending','initContainerStatuses':[{'name':'i','state':{'waiting':{'reason':'ImagePullBackOff'}}}]}}");
        assertEquals("Init:ImagePullBackOff", cells(pods, init).get(2));

        ObjectNode failed = j("{'metadata':{'name':'p'},'spec':{'containers':[{'name':'a'}]},"
                + "'status':{'phase':'Failed','containerStatuses':[{'name':'a','state':{'terminated':{'exitCode':137}}}]}}");
        assertEquals("ExitCode:137", cells(pods, failed).get(2));
    }

    @Test
    void otherBuiltinPrinters() throws Exception {
        assertEquals(List.of("cfg", "2", "5s"), cells(builtin("configmaps"),
                j("{'metadata':{'name':'cfg','creationTimestamp':'2025-03-01T11:59:55Z'},'data':{'a':'1'},'binaryData':{'b':'AA=='}}")));
        assertEquals(List.of("s", "kubernetes.io/tls", "2", "<unknown>"), cells(builtin("secrets"),
                j("{'metadata':{'name':'s'},'type':'kubernetes.io/tls','data':{'tls.crt':'','tls.key':''}}")));
        assertEquals(List.of("web", "NodePort", "10.96.0.10", "<none>", "80:30080/TCP,53/UDP", "<unknown>", "app=web"),
                cells(builtin("services"), j("{'metadata':{'name':'web'},'spec':{'type':'NodePort','clusterIP':'10.96.0.10',"
                        + "'selector':{'app':'web'},'ports':[{'port':80,'nodePort':30080,'protocol':'TCP'},{'port':53,'protocol':'UDP'}]}}")));
        assertEquals(List.of("l", "edge-1", "<unknown>"), cells(builtin("leases"),
                j("{'metadata':{'name':'l'},'spec':{'holderIdentity':'edge-1'}}")));
        assertEquals(List.of("d", "1/3", "2", "1", "<unknown>", "app", "app:1", "app=web"), cells(builtin("deployments"),
                j("{'metadata':{'name':'d'},'spec':{'replicas':3,'selector':{'matchLabels':{'app':'web'}},"
                        + "'template':{'spec':{'containers':[{'name':'app','image':'app:1'}]}}},"
                        + "'status':{'readyReplicas':1,'updatedReplicas':2,'availableReplicas':1}}")));
        assertEquals(List.of("e", "1.2.3.4:80,1.2.3.4:443,5.6.7.8:80 + 1 more...", "<unknown>"), cells(builtin("endpoints"),
                j("{'metadata':{'name':'e'},'subsets':[{'addresses':[{'ip':'1.2.3.4'},{'ip':'5.6.7.8'}],'ports':[{'port':80},{'port':443}]}]}")));
        List<String> event = cells(builtin("events"), j("{'metadata':{'name':'ev1'},'type':'Warning','reason':'Failed',"
                + "'message':' boom ','involvedObject':{'kind':'Pod','name':'p1'},'source':{'component':'kubelet','host':'edge-1'},"
                + "'firstTimestamp':'2025-03-01T11:00:00Z','lastTimestamp':'2025-03-01T11:59:00Z','count':3}"));
        assertEquals(List.of("60s", "Warning", "Failed", "pod/p1", "", "kubelet, edge-1", "boom", "60m", "3", "ev1"), event);
        assertEquals(List.of("widgets.example.com", "2025-03-01T10:00:00Z"), cells(builtin("customresourcedefinitions"),
                j("{'metadata':{'name':'widgets.example.com','creationTimestamp':'2025-03-01T10:00:00Z'}}")));
        assertEquals(List.of("default", "Active", "<unknown>"), cells(builtin("namespaces"), j("{'metadata':{'name':'default'}}")));
    }

    @Test
    void customResourceColumnsFromJsonPath() throws Exception {
        ObjectNode crd = j("{'metadata':{'name':'widgets.example.com'},'spec':{'group':'example.com','scope':'Namespaced',"
                + "'names':{'plural':'widgets','kind':'Widget'},'versions':[{'name':'v1','served':true,'storage':true,"
                + "'additionalPrinterColumns':[{'name':'Size','type':'integer','jsonPath':'.spec.size'},"
                + "{'name':'Ready','type':'string','jsonPath':'.status.conditions[?(@.type==\\\"Ready\\\")].status'},"
                + "{'name':'Owner','type':'string','jsonPath':'.metadata.labels[\\\"example.com/owner\\\"]','priority':1},"
                + "{'name':'Age','type':'date','jsonPath':'.metadata.creationTimestamp'}]}]}}");
        ResourceType widgets = CustomResourceDefinitions.typesOf(crd).get(0);
        ObjectNode w = j("{'metadata':{'name':'w1','creationTimestamp':'2025-03-01T09:00:00Z','labels':{'example.com/owner':'me'}},"
                + "'spec':{'size':3},'status':{'conditions':[{'type':'Synced','status':'False'},{'type':'Ready','status':'True'}]}}");
        assertEquals(List.of("w1", "3", "True", "me", "3h"), cells(widgets, w));
        List<TablePrinter.Column> columns = printer.columns(widgets);
        assertEquals("integer", columns.get(1).type());
        assertEquals(1, columns.get(3).priority());
        List<String> empty = cells(widgets, j("{'metadata':{'name':'w2'}}"));
        assertEquals(null, empty.get(1), "missing values are null cells, which kubectl prints empty");

        ObjectNode plain = j("{'metadata':{'name':'gadgets.example.com'},'spec':{'group':'example.com','scope':'Cluster',"
                + "'names':{'plural':'gadgets','kind':'Gadget'},'versions':[{'name':'v1','served':true,'storage':true}]}}");
        ResourceType gadgets = CustomResourceDefinitions.typesOf(plain).get(0);
        assertEquals(List.of("Name", "Age"), printer.columns(gadgets).stream().map(TablePrinter.Column::name).toList());
        assertTrue(cells(gadgets, j("{'metadata':{'name':'g','creationTimestamp':'2025-03-01T11:59:00Z'}}")).contains("60s"));
    }
}
