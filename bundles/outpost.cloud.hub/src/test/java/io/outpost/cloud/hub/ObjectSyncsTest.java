package io.outpost.cloud.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.TextNode;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.outpost.devapiserver.DevApiServer;
import io.outpost.hub.api.Message;
import io.outpost.hub.api.Operations;
import io.outpost.link.delivery.DeliveryQueues;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The durable record against the project's real development API server, through a cloud "restart". */
class ObjectSyncsTest {
    private DevApiServer server;
    private KubernetesClient kube;
    private final ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(2);
    private final BlockingQueue<Message> wire = new LinkedBlockingQueue<>();

    @BeforeEach
    void start() throws Exception {
        server = DevApiServer.start("--port", "0");
        Config config = new ConfigBuilder().withMasterUrl(server.url()).withNamespace("default").withRequestTimeout(10_000).build();
        kube = new KubernetesClientBuilder().withConfig(config).build();
        kube.nodes().resource(new NodeBuilder().withNewMetadata().withName("gw1").endMetadata().build()).create();
    }

    @AfterEach
    void stop() {
        scheduler.shutdownNow();
        kube.close();
        server.close();
    }

    private Pod pod(String name) {
        return kube.pods().inNamespace("default").resource(new PodBuilder().withNewMetadata().withName(name).endMetadata()
                .withNewSpec().withNodeName("gw1").addNewContainer().withName("c").withImage("busybox").endContainer().endSpec().build())
                .create();
    }

    private Message insert(Pod p) {
        return Message.builder().source("edgecontroller").group("resource").operation(Operations.INSERT)
                .resource("default/pod/" + p.getMetadata().getName()).resourceVersion(p.getMetadata().getResourceVersion())
                .content(kube.getKubernetesSerialization().convertValue(p, com.fasterxml.jackson.databind.JsonNode.class)).build();
    }

    private DeliveryQueues queues(ObjectSyncs record) {
        return new DeliveryQueues(scheduler, (n, m) -> wire.add(m), record,
                new DeliveryQueues.Settings(Duration.ofSeconds(30), Duration.ofSeconds(30), 16, 1000));
    }

    private Message next() throws InterruptedException {
        Message m = wire.poll(5, TimeUnit.SECONDS);
        if (m == null) {
            throw new AssertionError("nothing sent");
        }
        return m;
    }

    private GenericKubernetesResource record(String name) {
        return kube.genericKubernetesResources(ObjectSyncs.CONTEXT).inNamespace("default").withName(name).get();
    }

    private static void await(java.util.function.BooleanSupplier c, String what) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!c.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(20);
        }
    }

    @Test
    void acknowledgedObjectsSurviveARestartAndDeletesMissedWhileDownAreSent() throws Exception {
        ObjectSyncs syncs = new ObjectSyncs(kube, scheduler);
        syncs.installCrd();
        syncs.installCrd(); // idempotent
        DeliveryQueues before = queues(syncs);
        before.connected("gw1");
        Pod a = pod("a");
        Pod b = pod("b");
        before.enqueue("gw1", insert(a));
        before.enqueue("gw1", insert(b));
        before.answered("gw1", next().response(TextNode.valueOf("OK")));
        before.answered("gw1", next().response(TextNode.valueOf("OK")));
        String nameA = "gw1." + a.getMetadata().getUid();
        await(() -> record(nameA) != null && syncs.backlog() == 0, "the ObjectSync of pod a");
        GenericKubernetesResource rec = record(nameA);
        assertEquals("reliablesyncs.kubeedge.io/v1alpha1", rec.getApiVersion());
        assertEquals(Map.of("objectAPIVersion", "v1", "objectKind", "Pod", "objectName", "a"), rec.getAdditionalProperties().get("spec"));
        assertEquals(a.getMetadata().getResourceVersion(),
                ((Map<?, ?>) rec.getAdditionalProperties().get("status")).get("objectResourceVersion"));
        assertEquals("edgecontroller|resource|default/pod/a", rec.getMetadata().getAnnotations().get(ObjectSyncs.ROUTE_ANNOTATION));

        // The cloud goes down; pod b is deleted meanwhile.
        kube.pods().inNamespace("default").withName("b").withGracePeriod(0).delete();
        await(() -> kube.pods().inNamespace("default").withName("b").get() == null, "pod b gone");

        // A new cloud restores what the node acknowledged ...
        ObjectSyncs again = new ObjectSyncs(kube, scheduler);
        List<ObjectSyncs.Synced> restored = again.list();
        assertEquals(2, restored.size());
        DeliveryQueues after = queues(again);
        restored.forEach(s -> after.restore(s.node(), s.ref().uid(), s.ref().resourceVersion()));
        after.connected("gw1");
        assertFalse(after.enqueue("gw1", insert(a)), "pod a at the acknowledged version is not resent");

        // ... and sends the delete of pod b, whose record goes with the ACK.
        var stale = again.stale(restored);
        assertEquals(1, stale.get("objects").size());
        assertEquals("b", stale.get("objects").get(0).ref().name());
        assertTrue(stale.get("nodes").isEmpty());
        after.enqueue("gw1", ObjectSyncs.deleteFor(stale.get("objects").get(0).ref()));
        Message del = next();
        assertEquals(Operations.DELETE, del.operation());
        assertEquals("default/pod/b", del.resource());
        assertEquals(b.getMetadata().getUid(), del.content().path("metadata").path("uid").asText());
        after.answered("gw1", del.response(TextNode.valueOf("OK")));
        String nameB = "gw1." + b.getMetadata().getUid();
        await(() -> record(nameB) == null, "the ObjectSync of pod b removed");
        assertEquals(1, again.list().size());
    }

    @Test
    void recordsOfADeletedNodeAreStale() throws Exception {
        ObjectSyncs syncs = new ObjectSyncs(kube, scheduler);
        syncs.installCrd();
        DeliveryQueues q = queues(syncs);
        q.connected("gw1");
        q.enqueue("gw1", insert(pod("a")));
        q.answered("gw1", next().response(TextNode.valueOf("OK")));
        await(() -> syncs.list().size() == 1, "a record");
        kube.nodes().withName("gw1").delete();
        await(() -> kube.nodes().withName("gw1").get() == null, "node gone");
        var stale = syncs.stale(syncs.list());
        assertEquals(1, stale.get("nodes").size());
        stale.get("nodes").forEach(s -> syncs.remove(s.node(), s.ref()));
        await(() -> syncs.list().isEmpty(), "records removed");
        assertNull(q.acknowledgedVersion("gw2", "x"));
    }
}
