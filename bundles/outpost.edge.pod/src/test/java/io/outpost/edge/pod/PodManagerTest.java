package io.outpost.edge.pod;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.outpost.edge.meta.SqliteMetaStore;
import io.outpost.hub.api.Message;
import io.outpost.runtime.api.ContainerConfig;
import io.outpost.runtime.api.ContainerStatus;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PodManagerTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private SqliteMetaStore store;
    private FakeRuntime runtime;
    /** What the manager sends upstream, without its events (those are in {@link #events}). */
    private final List<Message> upstream = new ArrayList<>();
    private final List<Message> events = new ArrayList<>();
    private boolean online = true;
    private final MutableClock clock = new MutableClock();
    private PodManager manager;

    static final class MutableClock extends Clock {
        Instant now = Instant.parse("2026-11-27T10:00:00Z");

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }
    }

    @BeforeEach
    void setUp() {
        store = new SqliteMetaStore(dir.resolve("meta.db"));
        runtime = new FakeRuntime(clock);
        manager = newManager();
    }

    private PodManager newManager() {
        return new PodManager(store, runtime, m -> online && route(m), clock,
                new PodManager.Capacity(110, 4000, 8L << 30, "192.0.2.10"), dir.resolve("pods"));
    }

    private boolean route(Message m) {
        return "meta".equals(m.group()) ? events.add(m) : upstream.add(m);
    }

    /** @return the reasons of the events sent about a pod, in order, with their counts ("BackOff×3") */
    private List<String> eventReasons(String pod) {
        List<String> out = new ArrayList<>();
        for (Message m : events) {
            JsonNode e = m.content();
            if (pod.equals(e.at("/involvedObject/name").asText())) {
                int n = e.path("count").asInt();
                out.add(e.path("reason").asText() + (n > 1 ? "×" + n : ""));
            }
        }
        return out;
    }

    @AfterEach
    void tearDown() {
        store.close();
    }

    static ObjectNode pod(String name, String policy, String... command) throws Exception {
        ObjectNode p = (ObjectNode) JSON.readTree(("{'apiVersion':'v1','kind':'Pod','metadata':{'namespace':'default','name':'" + name
                + "','uid':'uid-" + name + "','resourceVersion':'5'},'spec':{'nodeName':'gw1','restartPolicy':'" + policy
                + "','terminationGracePeriodSeconds':7,'containers':[{'name':'main','image':'outpost.local/busybox:1.0',"
                + "'env':[{'name':'GREETING','value':'hello'},{'name':'FROM_CM','valueFrom':{'configMapKeyRef':{'name':'x','key':'y','optional':true}}}],"
                + "'resources':{'limits':{'cpu':'500m','memory':'64Mi'}}}]}}").replace('\'', '"'));
        ObjectNode c = (ObjectNode) p.path("spec").path("containers").get(0);
        c.putArray("command").add(command.length > 0 ? command[0] : "sleep");
        c.putArray("args").add("3600");
        return p;
    }

    private static Message msg(String op, JsonNode pod, String rv) {
        return Message.builder().source("edgecontroller").group("resource").operation(op)
                .resource("default/pod/" + pod.path("metadata").path("name").asText()).resourceVersion(rv).content(pod).build();
    }

    private JsonNode lastStatus(String name) {
        for (int i = upstream.size() - 1; i >= 0; i--) {
            Message m = upstream.get(i);
            if (m.resource().equals("default/podstatus/" + name)) {
                return m.content().path("Status");
            }
        }
        throw new AssertionError("no status of " + name + " was sent: " + upstream);
    }

    private static JsonNode condition(JsonNode status, String type) {
        for (JsonNode c : status.path("conditions")) {
            if (type.equals(c.path("type").asText())) {
                return c;
            }
        }
        throw new AssertionError("no condition " + type + " in " + status);
    }

    @Test
    void runsAPodAndReportsItsRealStatus() throws Exception {
        assertTrue(manager.accept("gw1", msg("insert", pod("web", "Always"), "5")));
        assertTrue(store.get(PodManager.KIND, "default/web").isPresent(), "stored before the ACK");
        manager.reconcile();

        ContainerStatus c = runtime.running("main");
        ContainerConfig cfg = runtime.configs.get(c.id());
        assertEquals(List.of("sleep"), cfg.command());
        assertEquals(List.of("3600"), cfg.args());
        assertEquals(List.of(new ContainerConfig.EnvVar("GREETING", "hello")), cfg.env());
        assertEquals(new ContainerConfig.Resources(512, 50_000, 100_000, 64L * 1024 * 1024), cfg.resources());
        assertEquals("uid-web", cfg.labels().get(PodSpecs.LABEL_UID));

        JsonNode st = lastStatus("web");
        Message sent = upstream.get(upstream.size() - 1);
        assertEquals("update", sent.operation());
        assertEquals("uid-web", sent.content().path("UID").asText());
        assertEquals("Running", st.path("phase").asText());
        assertTrue(st.path("podIP").asText().startsWith("10.88.64."), st.toString());
        assertEquals("2026-11-27T10:00:00Z", st.path("startTime").asText());
        for (String t : List.of("PodScheduled", "Initialized", "ContainersReady", "Ready")) {
            assertEquals("True", condition(st, t).path("status").asText(), t);
        }
        JsonNode cs = st.path("containerStatuses").get(0);
        assertEquals("fake://" + c.id(), cs.path("containerID").asText());
        assertEquals(c.imageRef(), cs.path("imageID").asText());
        assertEquals(0, cs.path("restartCount").asInt());
        assertTrue(cs.path("ready").asBoolean());
        assertEquals("2026-11-27T10:00:00Z", cs.path("state").path("running").path("startedAt").asText());

        int before = upstream.size();
        manager.reconcile();
        assertEquals(before, upstream.size(), "an unchanged status is not sent again");
    }

    @Test
    void aRestartedGatewayAdoptsRunningContainers() throws Exception {
        manager.accept("gw1", msg("insert", pod("web", "Always"), "5"));
        manager.reconcile();
        String id = runtime.running("main").id();
        long created = runtime.count("createContainer");

        manager = newManager(); // a new gateway process: nothing in memory, same store and runtime
        manager.reconcile();
        assertEquals(created, runtime.count("createContainer"));
        assertEquals(1, runtime.count("runPodSandbox"));
        assertEquals(id, runtime.running("main").id());
        assertEquals("Running", lastStatus("web").path("phase").asText());
    }

    @Test
    void exitedContainersRestartWithBackOff() throws Exception {
        manager.accept("gw1", msg("insert", pod("web", "Always"), "5"));
        manager.reconcile();
        runtime.exit(runtime.running("main").id(), 1);
        manager.reconcile();
        JsonNode cs = lastStatus("web").path("containerStatuses").get(0);
        assertEquals(1, cs.path("restartCount").asInt());
        assertEquals(1, cs.path("lastState").path("terminated").path("exitCode").asInt());
        assertTrue(cs.path("state").has("running"));

        runtime.exit(runtime.running("main").id(), 2);
        manager.reconcile();
        cs = lastStatus("web").path("containerStatuses").get(0);
        assertEquals("CrashLoopBackOff", cs.path("state").path("waiting").path("reason").asText(), cs.toString());
        assertEquals(2, cs.path("lastState").path("terminated").path("exitCode").asInt());
        assertEquals("Running", lastStatus("web").path("phase").asText());
        assertEquals("False", condition(lastStatus("web"), "Ready").path("status").asText());

        clock.advance(Duration.ofSeconds(11));
        manager.reconcile();
        cs = lastStatus("web").path("containerStatuses").get(0);
        assertEquals(2, cs.path("restartCount").asInt());
        assertTrue(cs.path("state").has("running"), cs.toString());
        assertEquals(1, runtime.count("runPodSandbox"), "the sandbox stays");
        assertEquals(List.of("Pulled", "Created", "Started", "Pulled×2", "Created×2", "Started×2", "BackOff", "Pulled×3", "Created×3",
                "Started×3"), eventReasons("web"), "a repeat is the same event with a higher count");
        Message backOff = events.stream().filter(m -> m.content().path("reason").asText().equals("BackOff")).findFirst().orElseThrow();
        assertEquals("Back-off restarting failed container main in pod web_default(uid-web)", backOff.content().path("message").asText());
        assertEquals("Warning", backOff.content().path("type").asText());
    }

    @Test
    void aCompletedPodWithRestartPolicyNeverSucceeds() throws Exception {
        manager.accept("gw1", msg("insert", pod("job", "Never", "true"), "5"));
        manager.reconcile();
        runtime.exit(runtime.running("main").id(), 0);
        manager.reconcile();
        manager.reconcile();
        JsonNode st = lastStatus("job");
        assertEquals("Succeeded", st.path("phase").asText());
        assertEquals("PodCompleted", condition(st, "Ready").path("reason").asText());
        assertEquals(1, runtime.count("createContainer"));
        assertEquals("Completed", st.path("containerStatuses").get(0).path("state").path("terminated").path("reason").asText());
    }

    @Test
    void aGracefulDeleteStopsWithTheGracePeriodThenAsksTheCloudToRemoveTheObject() throws Exception {
        ObjectNode p = pod("web", "Always");
        manager.accept("gw1", msg("insert", p, "5"));
        manager.reconcile();
        String id = runtime.running("main").id();
        ObjectNode deleting = p.deepCopy();
        ((ObjectNode) deleting.get("metadata")).put("deletionTimestamp", "2026-11-27T10:00:30Z").put("resourceVersion", "6");
        manager.accept("gw1", msg("update", deleting, "6"));
        manager.reconcile();
        assertEquals(Duration.ofSeconds(7), runtime.stopGrace.get(id));
        assertTrue(runtime.sandboxes.isEmpty());
        assertTrue(store.get(PodManager.KIND, "default/web").isEmpty());
        Message last = upstream.get(upstream.size() - 1);
        assertEquals("delete", last.operation());
        assertEquals("default/pod/web", last.resource());
        assertEquals("uid-web", last.content().path("UID").asText());
    }

    @Test
    void aDeleteFromTheCloudStopsThePodWithoutAskingBack() throws Exception {
        ObjectNode p = pod("web", "Always");
        manager.accept("gw1", msg("insert", p, "5"));
        manager.reconcile();
        manager.accept("gw1", msg("delete", p, "5"));
        assertTrue(store.get(PodManager.KIND, "default/web").isPresent(), "kept, marked, until it is stopped");
        int before = upstream.size();
        manager.reconcile();
        assertTrue(runtime.sandboxes.isEmpty());
        assertTrue(store.get(PodManager.KIND, "default/web").isEmpty());
        assertEquals(before, upstream.size());
    }

    @Test
    void sandboxesOfPodsTheGatewayNoLongerHasAreRemoved() throws Exception {
        manager.accept("gw1", msg("insert", pod("web", "Always"), "5"));
        manager.reconcile();
        store.delete(PodManager.KIND, "default/web");
        manager.reconcile();
        assertTrue(runtime.sandboxes.isEmpty());
        assertTrue(runtime.containers.isEmpty());
    }

    @Test
    void sandboxesOfAnotherNodeOnTheSameContainerdAreLeftAlone() throws Exception {
        ObjectNode other = pod("theirs", "Always");
        ((ObjectNode) other.get("spec")).put("nodeName", "gw2");
        runtime.runPodSandbox(PodSpecs.sandbox(other, 0));
        manager.accept("gw1", msg("insert", pod("web", "Always"), "5"));
        manager.reconcile();
        manager.reconcile();
        assertEquals(2, runtime.sandboxes.size(), "gw2's sandbox stays: " + runtime.calls);
    }

    @Test
    void badAndStaleMessagesAreRefusedOrIgnored() throws Exception {
        var e = assertThrows(IllegalArgumentException.class, () -> manager.accept("gw2", msg("insert", pod("web", "Always"), "5")));
        assertTrue(e.getMessage().contains("bound to node 'gw1'"), e.getMessage());
        ObjectNode noContainers = pod("web", "Always");
        ((ObjectNode) noContainers.get("spec")).putArray("containers");
        e = assertThrows(IllegalArgumentException.class, () -> manager.accept("gw1", msg("insert", noContainers, "5")));
        assertTrue(e.getMessage().contains("spec.containers"), e.getMessage());
        ObjectNode badCpu = pod("web", "Always");
        ((ObjectNode) badCpu.at("/spec/containers/0/resources/limits")).put("cpu", "lots");
        e = assertThrows(IllegalArgumentException.class, () -> manager.accept("gw1", msg("insert", badCpu, "5")));
        assertTrue(e.getMessage().contains("CPU quantity 'lots'"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> manager.accept("gw1", Message.builder().operation("insert")
                .resource("default/pod").content(pod("web", "Always")).build()));
        assertThrows(IllegalArgumentException.class, () -> manager.accept("gw1", msg("patch", pod("web", "Always"), "5")));

        assertTrue(manager.accept("gw1", msg("insert", pod("web", "Always"), "9")));
        assertFalse(manager.accept("gw1", msg("update", pod("web", "Always"), "8")), "older resourceVersion");
        assertFalse(manager.accept("gw1", msg("update", pod("web", "Always"), "9")), "duplicate");
        assertEquals("9", store.get(PodManager.KIND, "default/web").orElseThrow().resourceVersion());
    }

    /** A cloud that is still starting answers a status with an error: it goes out again within seconds, not after a minute. */
    @Test
    void aStatusTheCloudRefusedIsSentAgainSoon() throws Exception {
        assertTrue(manager.accept("gw1", msg("insert", pod("web", "Always"), "5")));
        manager.reconcile();
        lastStatus("web");
        int before = upstream.size();
        manager.accept("gw1", Message.builder().source("cloudhub").group("resource").operation("error")
                .resource("default/podstatus/web").content(TextNode.valueOf("no handler for group 'resource'")).build());
        manager.reconcile();
        assertEquals(before, upstream.size(), "not at once: the next try waits a little");
        clock.advance(PodManager.RESEND_AFTER_ERROR.plusSeconds(1));
        manager.reconcile();
        assertEquals(before + 1, upstream.size(), "sent again after the refusal");
        manager.accept("gw1", Message.builder().source("cloudhub").group("resource").operation("error")
                .resource("default/podstatus/nosuchpod").content(TextNode.valueOf("x")).build());
        manager.accept("gw1", Message.builder().source("cloudhub").group("resource").operation("error")
                .resource("").content(TextNode.valueOf("refused a frame")).build());
    }

    @Test
    void aMissingRuntimeIsAStatusNotACrash() throws Exception {
        runtime.available = false;
        manager.accept("gw1", msg("insert", pod("web", "Always"), "5"));
        manager.reconcile();
        JsonNode st = lastStatus("web");
        assertEquals("Pending", st.path("phase").asText());
        assertEquals("ContainerRuntimeUnavailable", condition(st, "Ready").path("reason").asText());
        assertTrue(condition(st, "Ready").path("message").asText().contains("socket missing"), st.toString());

        runtime.available = true;
        manager.reconcile();
        assertEquals("Running", lastStatus("web").path("phase").asText());
        runtime.available = false;
        manager.reconcile();
        st = lastStatus("web");
        assertEquals("Running", st.path("phase").asText(), "last known phase stays");
        assertEquals("ContainerRuntimeUnavailable", condition(st, "Ready").path("reason").asText());
    }

    @Test
    void aMissingImageIsErrImagePullThenImagePullBackOff() throws Exception {
        ObjectNode p = pod("web", "Always");
        ((ObjectNode) p.at("/spec/containers/0")).put("image", "registry.invalid/nope:1");
        manager.accept("gw1", msg("insert", p, "5"));
        manager.reconcile();
        JsonNode cs = lastStatus("web").path("containerStatuses").get(0);
        assertEquals("ErrImagePull", cs.path("state").path("waiting").path("reason").asText());
        assertTrue(cs.path("state").path("waiting").path("message").asText().contains("not found"));
        assertEquals("Pending", lastStatus("web").path("phase").asText());
        manager.reconcile();
        cs = lastStatus("web").path("containerStatuses").get(0);
        assertEquals("ImagePullBackOff", cs.path("state").path("waiting").path("reason").asText());
        assertEquals(1, runtime.count("pullImage"));
        assertEquals(List.of("Pulling", "Failed", "Failed", "BackOff", "Failed"), eventReasons("web"));
        assertTrue(events.get(1).content().path("message").asText().startsWith("Failed to pull image \"registry.invalid/nope:1\": "),
                events.get(1).content().toString());
        assertEquals("Error: ErrImagePull", events.get(2).content().path("message").asText());
        assertEquals("Error: ImagePullBackOff", events.get(4).content().path("message").asText());
    }

    @Test
    void statusesWaitForTheLinkAndAreSentWhenItReturns() throws Exception {
        online = false;
        manager.accept("gw1", msg("insert", pod("web", "Always"), "5"));
        manager.reconcile();
        assertTrue(upstream.isEmpty());
        assertNotNull(manager.status("uid-web"));
        online = true;
        manager.reconcile();
        assertEquals("Running", lastStatus("web").path("phase").asText());
        int n = upstream.size();
        manager.resendAll();
        manager.reconcile();
        assertEquals(n + 1, upstream.size());
    }

    @Test
    void podsMissingFromTheCloudsListAreStopped() throws Exception {
        manager.accept("gw1", msg("insert", pod("kept", "Always"), "5"));
        manager.accept("gw1", msg("insert", pod("gone", "Always"), "5"));
        manager.reconcile();
        assertEquals(2, runtime.sandboxes.size());
        JsonNode list = JSON.readTree("[{\"namespace\":\"default\",\"name\":\"kept\",\"uid\":\"uid-kept\"}]");
        Message m = Message.builder().operation("update").group("resource").resource("_/podlist").content(list).build();
        assertTrue(manager.accept("gw1", m));
        assertFalse(manager.accept("gw1", m), "a second list changes nothing");
        int before = upstream.size();
        manager.reconcile();
        assertTrue(store.get(PodManager.KIND, "default/gone").isEmpty());
        assertTrue(store.get(PodManager.KIND, "default/kept").isPresent());
        assertEquals(1, runtime.sandboxes.size());
        assertTrue(upstream.subList(before, upstream.size()).stream().noneMatch(x -> x.operation().equals("delete")),
                "the cloud deleted it already");
        var e = assertThrows(IllegalArgumentException.class, () -> manager.accept("gw1",
                Message.builder().operation("update").resource("_/podlist").content(JSON.createObjectNode()).build()));
        assertTrue(e.getMessage().contains("array"), e.getMessage());
    }

    @Test
    void answersFromTheCloudAreNotStoredAndThePodListQueryIsKubeEdgeShaped() throws Exception {
        Message insert = msg("insert", pod("web", "Always"), "5");
        assertFalse(manager.accept("gw1", insert.response(com.fasterxml.jackson.databind.node.TextNode.valueOf("OK"))));
        assertFalse(manager.accept("gw1", Message.builder().operation("error").resource("default/pod/web").build()));
        assertTrue(store.list(PodManager.KIND).isEmpty());
        Message q = PodManager.podListQuery();
        assertEquals("query", q.operation());
        assertEquals("_/podlist", q.resource());
        assertEquals("resource", q.group());
    }

    @Test
    void theBackOffStartsOverAfterALongRun() throws Exception {
        manager.accept("gw1", msg("insert", pod("web", "Always"), "5"));
        manager.reconcile();
        runtime.exit(runtime.running("main").id(), 1);
        manager.reconcile(); // restarted at once, back-off 10 s from now
        clock.advance(Duration.ofMinutes(11));
        manager.reconcile(); // ran 11 minutes: the back-off is forgotten
        runtime.exit(runtime.running("main").id(), 1);
        manager.reconcile(); // restarted; without the reset its next back-off would be 20 s, with it 10 s
        runtime.exit(runtime.running("main").id(), 1);
        clock.advance(Duration.ofSeconds(11));
        manager.reconcile();
        JsonNode cs = lastStatus("web").path("containerStatuses").get(0);
        assertTrue(cs.path("state").has("running"), "back-off started over at 10 s: " + cs);
        assertEquals(3, cs.path("restartCount").asInt());
    }

    @Test
    void theDownwardApiFillsEnvironmentVariables() throws Exception {
        ObjectNode p = pod("web", "Always");
        ((ObjectNode) p.get("metadata")).putObject("labels").put("app", "demo");
        var env = ((ObjectNode) p.at("/spec/containers/0")).putArray("env");
        for (String[] f : new String[][] {{"POD", "metadata.name"}, {"NS", "metadata.namespace"}, {"NODE", "spec.nodeName"},
                {"IP", "status.podIP"}, {"APP", "metadata.labels['app']"}, {"X", "status.nope"}}) {
            env.addObject().put("name", f[0]).putObject("valueFrom").putObject("fieldRef").put("fieldPath", f[1]);
        }
        manager.accept("gw1", msg("insert", p, "5"));
        manager.reconcile();
        ContainerConfig cfg = runtime.configs.get(runtime.running("main").id());
        String ip = lastStatus("web").path("podIP").asText();
        assertEquals(List.of(new ContainerConfig.EnvVar("POD", "web"), new ContainerConfig.EnvVar("NS", "default"),
                new ContainerConfig.EnvVar("NODE", "gw1"), new ContainerConfig.EnvVar("IP", ip),
                new ContainerConfig.EnvVar("APP", "demo")), cfg.env());
    }

    static Message object(String op, String kind, String name, String rv, String dataJson) throws Exception {
        ObjectNode o = (ObjectNode) JSON.readTree(("{'apiVersion':'v1','kind':'" + ("secret".equals(kind) ? "Secret" : "ConfigMap")
                + "','metadata':{'namespace':'default','name':'" + name + "','uid':'uid-" + kind + "-" + name + "','resourceVersion':'" + rv
                + "'},'data':" + dataJson + "}").replace('\'', '"'));
        return Message.builder().source("edgecontroller").group("resource").operation(op).resource("default/" + kind + "/" + name)
                .resourceVersion(rv).content(o).build();
    }

    @Test
    void configMapsAndSecretsFillTheEnvironmentAndAMissingOneKeepsTheContainerWaiting() throws Exception {
        ObjectNode p = pod("web", "Always");
        ObjectNode c = (ObjectNode) p.at("/spec/containers/0");
        var env = c.putArray("env");
        env.addObject().put("name", "COLOR").putObject("valueFrom").putObject("configMapKeyRef").put("name", "settings").put("key", "color");
        env.addObject().put("name", "PASSWORD").putObject("valueFrom").putObject("secretKeyRef").put("name", "creds").put("key", "password");
        env.addObject().put("name", "MSG").put("value", "$(COLOR) and $$(COLOR)");
        env.addObject().put("name", "OPT").putObject("valueFrom").putObject("secretKeyRef").put("name", "nope").put("key", "k").put("optional", true);
        env.addObject().put("name", "MEM").putObject("valueFrom").putObject("resourceFieldRef").put("resource", "limits.memory").put("divisor", "1Mi");
        c.putArray("envFrom").addObject().put("prefix", "S_").putObject("configMapRef").put("name", "settings");
        manager.accept("gw1", msg("insert", p, "5"));
        manager.reconcile();
        JsonNode waiting = lastStatus("web").at("/containerStatuses/0/state/waiting");
        assertEquals("CreateContainerConfigError", waiting.path("reason").asText());
        assertEquals("configmap \"settings\" not found", waiting.path("message").asText());
        assertEquals("Pending", lastStatus("web").path("phase").asText());

        manager.accept("gw1", object("insert", "configmap", "settings", "7", "{'color':'blue','bad key':'x'}"));
        manager.reconcile();
        assertEquals("secret \"creds\" not found", lastStatus("web").at("/containerStatuses/0/state/waiting/message").asText());
        manager.accept("gw1", object("insert", "secret", "creds", "8", "{'user':'YWRtaW4='}"));
        manager.reconcile();
        assertEquals("couldn't find key password in Secret default/creds",
                lastStatus("web").at("/containerStatuses/0/state/waiting/message").asText());
        manager.accept("gw1", object("update", "secret", "creds", "9", "{'password':'czNjcjN0'}"));
        manager.reconcile();
        assertEquals("Running", lastStatus("web").path("phase").asText());
        ContainerConfig cfg = runtime.configs.get(runtime.running("main").id());
        assertEquals(List.of(new ContainerConfig.EnvVar("S_color", "blue"), new ContainerConfig.EnvVar("COLOR", "blue"),
                new ContainerConfig.EnvVar("PASSWORD", "s3cr3t"), new ContainerConfig.EnvVar("MSG", "blue and $(COLOR)"),
                new ContainerConfig.EnvVar("MEM", "64")), cfg.env());
        assertTrue(store.get("secret", "default/creds").isPresent(), "kept in the meta store");
    }

    @Test
    void configMapsOverTheCapAreRefusedAndUnusedOnesAreDroppedWithThePodList() throws Exception {
        String big = "{'k':'" + "x".repeat(PodSpecs.MAX_DATA_BYTES) + "'}";
        var e = assertThrows(IllegalArgumentException.class, () -> manager.accept("gw1", object("insert", "configmap", "big", "1", big)));
        assertTrue(e.getMessage().contains("at most 1048576"), e.getMessage());
        assertFalse(store.get("configmap", "default/big").isPresent());
        manager.accept("gw1", object("insert", "configmap", "old", "1", "{'a':'b'}"));
        assertFalse(manager.accept("gw1", object("insert", "configmap", "old", "1", "{'a':'c'}")), "same resourceVersion: ignored");
        manager.accept("gw1", Message.builder().source("edgecontroller").group("resource").operation("update").resource("_/podlist")
                .content(JSON.createArrayNode()).build());
        assertFalse(store.get("configmap", "default/old").isPresent(), "no pod uses it");
    }

    @Test
    void volumesAreMountedAndAnEditedConfigMapChangesTheFileAtomically() throws Exception {
        ObjectNode p = pod("web", "Always");
        var vols = ((ObjectNode) p.get("spec")).putArray("volumes");
        ObjectNode cmv = vols.addObject().put("name", "config");
        cmv.putObject("configMap").put("name", "settings").put("defaultMode", 0600).putArray("items").addObject()
                .put("key", "color").put("path", "conf/color.txt");
        vols.addObject().put("name", "creds").putObject("secret").put("secretName", "creds");
        vols.addObject().put("name", "scratch").putObject("emptyDir");
        vols.addObject().put("name", "host").putObject("hostPath").put("path", dir.resolve("host/data").toString()).put("type", "DirectoryOrCreate");
        var mounts = ((ObjectNode) p.at("/spec/containers/0")).putArray("volumeMounts");
        mounts.addObject().put("name", "config").put("mountPath", "/etc/app");
        mounts.addObject().put("name", "creds").put("mountPath", "/etc/creds");
        mounts.addObject().put("name", "scratch").put("mountPath", "/tmp/scratch");
        mounts.addObject().put("name", "host").put("mountPath", "/data").put("readOnly", true);
        manager.accept("gw1", msg("insert", p, "5"));
        manager.reconcile();
        JsonNode waiting = lastStatus("web").at("/containerStatuses/0/state/waiting");
        assertEquals("FailedMount", waiting.path("reason").asText());
        assertEquals("MountVolume.SetUp failed for volume \"config\" : configmap \"settings\" not found", waiting.path("message").asText());

        manager.accept("gw1", object("insert", "configmap", "settings", "7", "{'color':'blue','other':'x'}"));
        manager.accept("gw1", object("insert", "secret", "creds", "8", "{'password':'czNjcjN0'}"));
        manager.reconcile();
        assertEquals("Running", lastStatus("web").path("phase").asText());
        ContainerConfig cfg = runtime.configs.get(runtime.running("main").id());
        Path podDir = dir.resolve("pods/uid-web/volumes");
        Path cm = podDir.resolve("kubernetes.io~configmap/config");
        assertEquals(List.of(new ContainerConfig.Mount("/etc/app", cm.toString(), true),
                new ContainerConfig.Mount("/etc/creds", podDir.resolve("kubernetes.io~secret/creds").toString(), true),
                new ContainerConfig.Mount("/tmp/scratch", podDir.resolve("kubernetes.io~empty-dir/scratch").toString(), false),
                new ContainerConfig.Mount("/data", dir.resolve("host/data").toString(), true)), cfg.mounts());
        Path file = cm.resolve("conf/color.txt");
        assertEquals("blue", java.nio.file.Files.readString(file));
        assertFalse(java.nio.file.Files.exists(cm.resolve("other")), "only the listed item");
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(java.nio.file.Files.getPosixFilePermissions(file)));
        assertTrue(java.nio.file.Files.isSymbolicLink(cm.resolve("conf")) && java.nio.file.Files.isSymbolicLink(cm.resolve("..data")));
        assertEquals("s3cr3t", java.nio.file.Files.readString(podDir.resolve("kubernetes.io~secret/creds/password")));
        assertTrue(java.nio.file.Files.isDirectory(dir.resolve("host/data")));

        String before = java.nio.file.Files.readSymbolicLink(cm.resolve("..data")).toString();
        manager.accept("gw1", object("update", "configmap", "settings", "9", "{'color':'green'}"));
        manager.reconcile();
        assertEquals("green", java.nio.file.Files.readString(file), "the running container sees the edit");
        assertFalse(before.equals(java.nio.file.Files.readSymbolicLink(cm.resolve("..data")).toString()), "..data was swapped");
        try (var entries = java.nio.file.Files.list(cm)) {
            assertEquals(3, entries.count(), "..data, one timestamped folder, conf: the old folder is gone");
        }
        assertEquals(runtime.running("main").id(), runtime.running("main").id());
        assertEquals(0, lastStatus("web").at("/containerStatuses/0/restartCount").asInt(), "no restart for an edit");

        manager.accept("gw1", msg("delete", p, "6"));
        manager.reconcile();
        assertFalse(java.nio.file.Files.exists(dir.resolve("pods/uid-web")), "the pod's folder goes with it");
        assertTrue(java.nio.file.Files.isDirectory(dir.resolve("host/data")), "a hostPath stays");
    }

    @Test
    void invalidVolumesKeepThePodPendingWithAClearReason() throws Exception {
        ObjectNode p = pod("web", "Always");
        ((ObjectNode) p.get("spec")).putArray("volumes").addObject().put("name", "claim").putObject("persistentVolumeClaim").put("claimName", "x");
        manager.accept("gw1", msg("insert", p, "5"));
        manager.reconcile();
        JsonNode waiting = lastStatus("web").at("/containerStatuses/0/state/waiting");
        assertEquals("FailedMount", waiting.path("reason").asText());
        assertTrue(waiting.path("message").asText().contains("type 'persistentVolumeClaim' is not supported"), waiting.toString());
        assertEquals("Pending", lastStatus("web").path("phase").asText());

        ObjectNode q = pod("web2", "Always");
        ((ObjectNode) q.get("spec")).putArray("volumes").addObject().put("name", "h").putObject("hostPath").put("path", "/nonexistent/x").put("type", "Directory");
        ((ObjectNode) q.at("/spec/containers/0")).putArray("volumeMounts").addObject().put("name", "h").put("mountPath", "/h");
        manager.accept("gw1", msg("insert", q, "5"));
        manager.reconcile();
        assertEquals("MountVolume.SetUp failed for volume \"h\" : hostPath type check failed: /nonexistent/x is not a directory",
                lastStatus("web2").at("/containerStatuses/0/state/waiting/message").asText());
    }

    @Test
    void aFailingLivenessProbeRestartsTheContainerWithTheReason() throws Exception {
        ObjectNode p = pod("web", "Always");
        ObjectNode live = ((ObjectNode) p.at("/spec/containers/0")).putObject("livenessProbe");
        live.putObject("exec").putArray("command").add("cat").add("/tmp/healthy");
        live.put("periodSeconds", 5).put("failureThreshold", 2).put("initialDelaySeconds", 3);
        manager.accept("gw1", msg("insert", p, "5"));
        manager.reconcile();
        assertEquals(0, runtime.count("execSync"), "initial delay");
        String first = runtime.running("main").id();
        clock.advance(Duration.ofSeconds(3));
        manager.reconcile();
        assertEquals(1, runtime.count("execSync"));
        runtime.execExit = 1;
        clock.advance(Duration.ofSeconds(2));
        manager.reconcile();
        assertEquals(1, runtime.count("execSync"), "period 5 s");
        clock.advance(Duration.ofSeconds(3));
        manager.reconcile();
        assertTrue(lastStatus("web").at("/containerStatuses/0/state").has("running"), "one failure of two");
        clock.advance(Duration.ofSeconds(5));
        manager.reconcile();
        assertEquals(Duration.ofSeconds(7), runtime.stopGrace.get(first), "killed with the pod's grace period");
        manager.reconcile();
        JsonNode cs = lastStatus("web").at("/containerStatuses/0");
        assertTrue(cs.path("state").has("running"), cs.toString());
        assertEquals(1, cs.path("restartCount").asInt());
        assertEquals("Liveness probe failed: command [cat, /tmp/healthy] exited with 1: exit 1",
                cs.at("/lastState/terminated/message").asText(), cs.toString());
        List<String> reasons = eventReasons("web");
        assertTrue(reasons.containsAll(List.of("Unhealthy", "Unhealthy×2", "Killing")), reasons.toString());
        Message killing = events.stream().filter(m -> m.content().path("reason").asText().equals("Killing")).findFirst().orElseThrow();
        assertEquals("Container main failed liveness probe, will be restarted", killing.content().path("message").asText());
        Message unhealthy = events.stream().filter(m -> m.content().path("reason").asText().equals("Unhealthy")).findFirst().orElseThrow();
        assertEquals("Liveness probe failed: command [cat, /tmp/healthy] exited with 1: exit 1", unhealthy.content().path("message").asText());
    }

    @Test
    void readinessAndStartupProbesDecideReadyAndStarted() throws Exception {
        com.sun.net.httpserver.HttpServer http = com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("127.0.0.1", 0), 0);
        int[] code = {503};
        http.createContext("/healthz", x -> {
            x.sendResponseHeaders(code[0], -1);
            x.close();
        });
        http.start();
        try {
            ObjectNode p = pod("web", "Always");
            ObjectNode c = (ObjectNode) p.at("/spec/containers/0");
            c.putArray("ports").addObject().put("name", "http").put("containerPort", http.getAddress().getPort());
            ObjectNode ready = c.putObject("readinessProbe");
            ready.putObject("httpGet").put("path", "/healthz").put("port", "http").put("host", "127.0.0.1");
            ready.put("periodSeconds", 1).put("failureThreshold", 1);
            ObjectNode startup = c.putObject("startupProbe");
            startup.putObject("tcpSocket").put("port", http.getAddress().getPort()).put("host", "127.0.0.1");
            startup.put("periodSeconds", 1);
            manager.accept("gw1", msg("insert", p, "5"));
            manager.reconcile();
            assertFalse(lastStatus("web").at("/containerStatuses/0/started").asBoolean(), "not probed yet");
            manager.reconcile();
            JsonNode cs = lastStatus("web").at("/containerStatuses/0");
            assertTrue(cs.path("started").asBoolean(), "the startup probe connected: " + cs);
            assertFalse(cs.path("ready").asBoolean(), cs.toString());
            clock.advance(Duration.ofSeconds(1));
            manager.reconcile();
            assertEquals("False", condition(lastStatus("web"), "Ready").path("status").asText(), "503 is not ready");
            code[0] = 200;
            clock.advance(Duration.ofSeconds(1));
            manager.reconcile();
            assertEquals("True", condition(lastStatus("web"), "Ready").path("status").asText());
            assertEquals("True", condition(lastStatus("web"), "ContainersReady").path("status").asText());
            code[0] = 500;
            clock.advance(Duration.ofSeconds(1));
            manager.reconcile();
            JsonNode st = lastStatus("web");
            assertEquals("False", condition(st, "Ready").path("status").asText());
            assertEquals("Running", st.path("phase").asText(), "readiness never restarts");
            assertEquals(0, st.at("/containerStatuses/0/restartCount").asInt());
        } finally {
            http.stop(0);
        }
    }

    @Test
    void initContainersRunInOrderBeforeTheAppContainers() throws Exception {
        ObjectNode p = pod("web", "Always");
        var inits = ((ObjectNode) p.get("spec")).putArray("initContainers");
        inits.addObject().put("name", "one").put("image", "outpost.local/busybox:1.0");
        inits.addObject().put("name", "two").put("image", "outpost.local/busybox:1.0");
        manager.accept("gw1", msg("insert", p, "5"));
        manager.reconcile();
        JsonNode st = lastStatus("web");
        assertEquals("Pending", st.path("phase").asText());
        assertEquals("False", condition(st, "Initialized").path("status").asText());
        assertEquals("containers with incomplete status: [one two]", condition(st, "Initialized").path("message").asText());
        assertEquals("PodInitializing", st.at("/initContainerStatuses/1/state/waiting/reason").asText());
        assertEquals("PodInitializing", st.at("/containerStatuses/0/state/waiting/reason").asText());
        runtime.exit(runtime.running("one").id(), 1);
        manager.reconcile();
        assertTrue(lastStatus("web").at("/initContainerStatuses/0/state").has("running"), "a failed init container is restarted");
        runtime.exit(runtime.running("one").id(), 0);
        manager.reconcile();
        assertTrue(lastStatus("web").at("/initContainerStatuses/1/state").has("running"));
        runtime.exit(runtime.running("two").id(), 0);
        manager.reconcile();
        st = lastStatus("web");
        assertEquals("Running", st.path("phase").asText(), st.toString());
        assertEquals("True", condition(st, "Initialized").path("status").asText());
        assertEquals("Completed", st.at("/initContainerStatuses/0/state/terminated/reason").asText());
        assertEquals(1, st.at("/initContainerStatuses/0/restartCount").asInt());
        assertEquals("192.0.2.10", st.path("hostIP").asText());
        manager.reconcile();
        assertEquals(1, runtime.count("createContainer two"), "completed init containers do not run again");
    }

    @Test
    void podsThatDoNotFitAreRejectedLikeTheKubelet() throws Exception {
        ObjectNode big = pod("big", "Always");
        ((ObjectNode) big.at("/spec/containers/0/resources")).putObject("requests").put("cpu", "3").put("memory", "1Gi");
        ObjectNode bigger = pod("bigger", "Always");
        ((ObjectNode) bigger.at("/spec/containers/0/resources")).putObject("requests").put("cpu", "1500m");
        manager.accept("gw1", msg("insert", big, "5"));
        manager.accept("gw1", msg("insert", bigger, "5"));
        manager.reconcile();
        assertEquals("Running", lastStatus("big").path("phase").asText());
        JsonNode st = lastStatus("bigger");
        assertEquals("Failed", st.path("phase").asText());
        assertEquals("OutOfcpu", st.path("reason").asText());
        assertEquals("Pod was rejected: Node didn't have enough resource: cpu, requested: 1500, used: 3000, capacity: 4000",
                st.path("message").asText());
        assertEquals(1, runtime.sandboxes.size(), "nothing runs for a rejected pod");
        // A restarted gateway keeps the verdicts.
        manager = newManager();
        manager.reconcile();
        assertEquals("OutOfcpu", lastStatus("bigger").path("reason").asText());
        // Deleting the big pod frees its place; the rejected pod stays rejected, as with the kubelet.
        manager.accept("gw1", msg("delete", big, "6"));
        manager.reconcile();
        manager.reconcile();
        assertEquals("Failed", lastStatus("bigger").path("phase").asText());
    }

    @Test
    void aSlowStopDoesNotHoldTheOtherPods() throws Exception {
        List<Runnable> tasks = new ArrayList<>();
        int[] asked = {0};
        manager = new PodManager(store, runtime, this::route, clock, new PodManager.Capacity(110, 4000, 8L << 30, ""),
                dir.resolve("pods"), tasks::add, () -> asked[0]++);
        ObjectNode a = pod("a", "Always");
        manager.accept("gw1", msg("insert", a, "5"));
        manager.reconcile();
        manager.accept("gw1", msg("delete", a, "6"));
        manager.reconcile();
        assertEquals(1, tasks.size(), "the stop is a task of its own");
        ObjectNode b = pod("b", "Always");
        manager.accept("gw1", msg("insert", b, "5"));
        manager.reconcile();
        assertEquals("Running", lastStatus("b").path("phase").asText(), "pod b starts while a stops");
        assertEquals(1, tasks.size(), "a's stop is not started twice");
        tasks.remove(0).run();
        assertEquals(1, asked[0], "a finished task asks for a pass");
        assertFalse(store.get("pod", "default/a").isPresent());
    }

    @Test
    void eachPassHandsPodsToTheirWorkersAndAWaitingPodIsNotQueuedTwice() throws Exception {
        PodWorkersTest.Manual ex = new PodWorkersTest.Manual();
        manager = new PodManager(store, runtime, this::route, clock, new PodManager.Capacity(110, 4000, 8L << 30, ""),
                dir.resolve("pods"), Runnable::run, () -> { }, new PodWorkers(ex, 2));
        for (String n : List.of("a", "b", "c")) {
            manager.accept("gw1", msg("insert", pod(n, "Always"), "5"));
        }
        manager.reconcile();
        assertEquals(2, ex.tasks.size(), "two pods sync at once, the third waits");
        manager.reconcile();
        manager.reconcile();
        assertEquals(2, ex.tasks.size(), "passes meanwhile add no sync");
        while (!ex.tasks.isEmpty()) {
            ex.runFirst();
        }
        for (String n : List.of("a", "b", "c")) {
            assertEquals("Running", lastStatus(n).path("phase").asText(), n);
        }
        assertEquals(3, runtime.listPodSandboxes(java.util.Map.of()).size(), "one sandbox per pod, though synced again");
    }

    @Test
    void eventsAreKubernetesEventsInKubeEdgesFormat() throws Exception {
        manager.accept("gw1", msg("insert", pod("web", "Always"), "5"));
        manager.reconcile();
        assertEquals(List.of("Pulled", "Created", "Started"), eventReasons("web"));
        Message m = events.get(2);
        assertEquals("meta", m.group(), "edged sends events in group meta");
        assertEquals("edged", m.source());
        assertEquals("insert", m.operation());
        JsonNode e = m.content();
        assertEquals("default/event/" + e.at("/metadata/name").asText(), m.resource());
        assertTrue(e.at("/metadata/name").asText().startsWith("web."), e.toString());
        assertEquals("Pod", e.at("/involvedObject/kind").asText());
        assertEquals("uid-web", e.at("/involvedObject/uid").asText());
        assertEquals("spec.containers{main}", e.at("/involvedObject/fieldPath").asText());
        assertEquals("Started container main", e.path("message").asText());
        assertEquals("Normal", e.path("type").asText());
        assertEquals("kubelet", e.at("/source/component").asText());
        assertEquals("gw1", e.at("/source/host").asText());
        assertEquals(1, e.path("count").asInt());
        assertEquals("2026-11-27T10:00:00Z", e.path("firstTimestamp").asText());

        // Deleted: the kubelet's Killing for each running container.
        ObjectNode deleting = pod("web", "Always");
        ((ObjectNode) deleting.get("metadata")).put("deletionTimestamp", "2026-11-27T10:00:30Z").put("resourceVersion", "6");
        manager.accept("gw1", msg("update", deleting, "6"));
        manager.reconcile();
        assertEquals("Stopping container main", events.get(events.size() - 1).content().path("message").asText());
    }

    @Test
    void aMissingConfigMapAndARejectedPodAreWarnings() throws Exception {
        ObjectNode p = pod("cfg", "Always");
        ((ObjectNode) p.at("/spec/containers/0")).putArray("env").addObject().put("name", "X").putObject("valueFrom")
                .putObject("configMapKeyRef").put("name", "missing").put("key", "k");
        manager.accept("gw1", msg("insert", p, "5"));
        manager.reconcile();
        manager.reconcile();
        assertEquals(List.of("Failed", "Failed×2"), eventReasons("cfg"));
        assertEquals("Error: configmap \"missing\" not found", events.get(0).content().path("message").asText());
        assertEquals("Warning", events.get(0).content().path("type").asText());
        assertEquals("update", events.get(1).operation(), "a repeat updates the event");

        ObjectNode big = pod("big", "Always");
        ((ObjectNode) big.at("/spec/containers/0/resources/limits")).put("cpu", "64");
        manager.accept("gw1", msg("insert", big, "5"));
        manager.reconcile();
        manager.reconcile();
        assertEquals(List.of("OutOfcpu"), eventReasons("big"), "an admission verdict is one event, not one per pass");
        assertTrue(events.stream().filter(m -> m.content().at("/involvedObject/name").asText().equals("big")).findFirst().orElseThrow()
                .content().path("message").asText().startsWith("Pod was rejected: Node didn't have enough resource: cpu"));
    }

    @Test
    void aCrashLoopingPodCannotFloodTheLink() throws Exception {
        manager.accept("gw1", msg("insert", pod("loop", "Always"), "5"));
        manager.reconcile();
        for (int i = 0; i < 400; i++) {
            runtime.listContainers(null, java.util.Map.of()).stream().filter(c -> c.state() == ContainerStatus.State.RUNNING)
                    .forEach(c -> runtime.exit(c.id(), 1));
            clock.advance(Duration.ofSeconds(2));
            manager.reconcile();
        }
        assertTrue(events.size() <= PodEvents.POD_BURST + 3, "at most the pod's burst (and its refill), was " + events.size());
        JsonNode last = events.get(events.size() - 1).content();
        assertTrue(last.path("count").asInt() > 1, "the count carries the repeats: " + last);
    }

    @Test
    void eventsWaitForTheLinkBoundedAndGoWhenItReturns() throws Exception {
        online = false;
        manager.accept("gw1", msg("insert", pod("web", "Always"), "5"));
        manager.reconcile();
        assertTrue(events.isEmpty());
        online = true;
        manager.reconcile();
        assertEquals(List.of("Pulled", "Created", "Started"), eventReasons("web"), "sent in order once the link is back");
    }
}
