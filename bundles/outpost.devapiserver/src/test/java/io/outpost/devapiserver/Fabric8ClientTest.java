package io.outpost.devapiserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.NodeConditionBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfigBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The fabric8 kubernetes-client, unchanged, against the server: the way Outpost components use it. */
class Fabric8ClientTest {
    private static DevApiServer server;
    private static KubernetesClient client;

    @BeforeAll
    static void start() throws Exception {
        server = DevApiServer.start("--port", "0");
        client = clientFor(server);
    }

    @AfterAll
    static void stop() {
        client.close();
        server.close();
    }

    static KubernetesClient clientFor(DevApiServer s) {
        Config config = new ConfigBuilder().withMasterUrl(s.url()).withNamespace("default")
                .withRequestTimeout(10_000).withConnectionTimeout(5_000).withWatchReconnectInterval(200).build();
        return new KubernetesClientBuilder().withConfig(config).build();
    }

    private static NodeCondition ready(String status) {
        return new NodeConditionBuilder().withType("Ready").withStatus(status).withReason("KubeletReady")
                .withLastHeartbeatTime(now()).withLastTransitionTime(now()).build();
    }

    private static String now() {
        return ZonedDateTime.now().format(DateTimeFormatter.ISO_INSTANT);
    }

    @Test
    void nodesCrudPatchApplyAndStatus() {
        Node created = client.nodes().resource(new NodeBuilder().withNewMetadata().withName("f8-node")
                .addToLabels("outpost.io/edge", "true").endMetadata()
                .withNewStatus().withConditions(ready("True")).endStatus().build()).create();
        assertNotNull(created.getMetadata().getUid());
        assertEquals("True", created.getStatus().getConditions().get(0).getStatus());

        assertEquals(1, client.nodes().withLabel("outpost.io/edge", "true").list().getItems().size());
        assertEquals(0, client.nodes().withLabel("outpost.io/edge", "false").list().getItems().size());
        assertTrue(client.nodes().withLabelIn("outpost.io/edge", "true", "x").list().getItems().size() >= 1);

        Node fetched = client.nodes().withName("f8-node").get();
        fetched.getMetadata().getLabels().put("zone", "a");
        Node updated = client.nodes().resource(fetched).update();
        assertEquals("a", updated.getMetadata().getLabels().get("zone"));
        assertNotEquals(created.getMetadata().getResourceVersion(), updated.getMetadata().getResourceVersion());

        Node stale = client.nodes().withName("f8-node").get();
        stale.getMetadata().setResourceVersion(created.getMetadata().getResourceVersion());
        KubernetesClientException conflict = assertThrows(KubernetesClientException.class,
                () -> client.nodes().resource(stale).update());
        assertEquals(409, conflict.getCode());

        Node merged = client.nodes().withName("f8-node").patch(PatchContext.of(PatchType.JSON_MERGE),
                "{\"spec\":{\"unschedulable\":true}}");
        assertTrue(merged.getSpec().getUnschedulable());
        Node edited = client.nodes().withName("f8-node").edit(n -> new NodeBuilder(n).editMetadata()
                .addToAnnotations("edited", "yes").endMetadata().build());
        assertEquals("yes", edited.getMetadata().getAnnotations().get("edited"));

        Node applied = client.nodes().resource(new NodeBuilder().withNewMetadata().withName("f8-node")
                .addToLabels("applied", "1").endMetadata().build()).fieldManager("outpost-test").forceConflicts().serverSideApply();
        assertEquals("1", applied.getMetadata().getLabels().get("applied"));
        assertEquals("a", applied.getMetadata().getLabels().get("zone"), "apply merges into the live object");
        assertTrue(applied.getMetadata().getManagedFields().stream().anyMatch(f -> "outpost-test".equals(f.getManager())));

        Node forStatus = client.nodes().withName("f8-node").get();
        forStatus.getStatus().setConditions(List.of(ready("False")));
        forStatus.getMetadata().getLabels().put("ignored-by-status", "x");
        Node statusPatched = client.nodes().resource(forStatus).patchStatus();
        assertEquals("False", statusPatched.getStatus().getConditions().get(0).getStatus());
        assertNull(statusPatched.getMetadata().getLabels().get("ignored-by-status"));

        Node forUpdateStatus = client.nodes().withName("f8-node").get();
        forUpdateStatus.getStatus().setConditions(List.of(ready("True")));
        assertEquals("True", client.nodes().resource(forUpdateStatus).updateStatus().getStatus().getConditions().get(0).getStatus());

        Node replacedSpec = client.nodes().withName("f8-node").get();
        replacedSpec.getStatus().setConditions(List.of(ready("Unknown")));
        assertEquals("True", client.nodes().resource(replacedSpec).update().getStatus().getConditions().get(0).getStatus(),
                "the main endpoint does not change status");

        assertEquals(1, client.nodes().withName("f8-node").delete().size());
        assertNull(client.nodes().withName("f8-node").get());
    }

    @Test
    void leasesLikeLeaderElection() throws Exception {
        Lease lease = client.leases().inNamespace("kube-node-lease").resource(new LeaseBuilder().withNewMetadata()
                .withName("edge-1").addToLabels("kind", "node").endMetadata().withNewSpec().withHolderIdentity("edge-1")
                .withLeaseDurationSeconds(40).withRenewTime(ZonedDateTime.now()).endSpec().build()).create();
        assertEquals("edge-1", lease.getSpec().getHolderIdentity());
        assertEquals(1, client.leases().inNamespace("kube-node-lease").withLabel("kind", "node").list().getItems().size());
        assertEquals(1, client.leases().inAnyNamespace().withLabel("kind").list().getItems().size());

        lease.getSpec().setRenewTime(ZonedDateTime.now().plusSeconds(1));
        Lease renewed = client.leases().inNamespace("kube-node-lease").resource(lease).update();
        assertNotNull(renewed.getSpec().getRenewTime());
        assertThrows(KubernetesClientException.class, () -> client.leases().inNamespace("kube-node-lease").resource(lease).update());

        Lease patched = client.leases().inNamespace("kube-node-lease").withName("edge-1")
                .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"leaseDurationSeconds\":10}}");
        assertEquals(10, patched.getSpec().getLeaseDurationSeconds());
        Lease applied = client.leases().inNamespace("kube-node-lease").resource(new LeaseBuilder().withNewMetadata()
                .withName("edge-2").endMetadata().withNewSpec().withHolderIdentity("edge-2").endSpec().build())
                .fieldManager("node-agent").forceConflicts().serverSideApply();
        assertEquals("edge-2", applied.getSpec().getHolderIdentity());

        CountDownLatch leading = new CountDownLatch(1);
        CompletableFuture<?> election = client.leaderElector().withConfig(new LeaderElectionConfigBuilder()
                .withName("outpost-cloud").withLock(new LeaseLock("kube-system", "outpost-cloud", "me"))
                .withLeaseDuration(Duration.ofSeconds(3)).withRenewDeadline(Duration.ofSeconds(2))
                .withRetryPeriod(Duration.ofMillis(200))
                .withLeaderCallbacks(new LeaderCallbacks(leading::countDown, () -> { }, id -> { }))
                .build()).build().start();
        try {
            assertTrue(leading.await(10, TimeUnit.SECONDS), "leader election over leases works");
            assertEquals("me", client.leases().inNamespace("kube-system").withName("outpost-cloud").get().getSpec().getHolderIdentity());
        } finally {
            election.cancel(true);
        }
    }

    private record Seen(String type, String name, String value) {
    }

    @Test
    void informerSeesAddUpdateDelete() throws Exception {
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("informed").endMetadata().build()).create();
        client.configMaps().inNamespace("informed").resource(new ConfigMapBuilder().withNewMetadata().withName("existing")
                .endMetadata().addToData("v", "0").build()).create();
        BlockingQueue<Seen> events = new LinkedBlockingQueue<>();
        SharedIndexInformer<ConfigMap> informer = client.configMaps().inNamespace("informed").inform(new ResourceEventHandler<>() {
            @Override
            public void onAdd(ConfigMap cm) {
                events.add(new Seen("add", cm.getMetadata().getName(), cm.getData().get("v")));
            }

            @Override
            public void onUpdate(ConfigMap oldCm, ConfigMap cm) {
                if (!oldCm.getMetadata().getResourceVersion().equals(cm.getMetadata().getResourceVersion())) {
                    events.add(new Seen("update", cm.getMetadata().getName(), cm.getData().get("v")));
                }
            }

            @Override
            public void onDelete(ConfigMap cm, boolean unknownFinalState) {
                events.add(new Seen("delete", cm.getMetadata().getName(), null));
            }
        });
        try {
            assertTrue(informer.hasSynced());
            assertEquals(new Seen("add", "existing", "0"), events.poll(5, TimeUnit.SECONDS));
            client.configMaps().inNamespace("informed").resource(new ConfigMapBuilder().withNewMetadata().withName("new")
                    .endMetadata().addToData("v", "1").build()).create();
            assertEquals(new Seen("add", "new", "1"), events.poll(5, TimeUnit.SECONDS));
            client.configMaps().inNamespace("informed").withName("new").edit(cm -> new ConfigMapBuilder(cm).addToData("v", "2").build());
            assertEquals(new Seen("update", "new", "2"), events.poll(5, TimeUnit.SECONDS));
            client.configMaps().inNamespace("informed").withName("new").delete();
            assertEquals(new Seen("delete", "new", null), events.poll(5, TimeUnit.SECONDS));
            assertEquals(1, informer.getStore().list().size());
        } finally {
            informer.close();
        }
    }

    /**
     * Text outside ASCII (a status reason with an ellipsis, a device name in Japanese) must reach
     * watchers intact: a watch event is UTF-8 like the rest of the API.
     */
    @Test
    void watchEventsCarryTextOutsideAscii() throws Exception {
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("unicode").endMetadata().build()).create();
        BlockingQueue<String> values = new LinkedBlockingQueue<>();
        SharedIndexInformer<ConfigMap> informer = client.configMaps().inNamespace("unicode").inform(new ResourceEventHandler<>() {
            @Override
            public void onAdd(ConfigMap cm) {
                values.add(cm.getData().get("v"));
            }

            @Override
            public void onUpdate(ConfigMap oldCm, ConfigMap cm) {
                values.add(cm.getData().get("v"));
            }

            @Override
            public void onDelete(ConfigMap cm, boolean unknownFinalState) {
            }
        });
        try {
            String text = "did not install: \u2026 \u6e29\u5ea6\u30bb\u30f3\u30b5 \u00e9\u00e8 \ud83d\ude80";
            client.configMaps().inNamespace("unicode").resource(new ConfigMapBuilder().withNewMetadata().withName("u")
                    .endMetadata().addToData("v", text).build()).create();
            assertEquals(text, values.poll(5, TimeUnit.SECONDS));
            client.configMaps().inNamespace("unicode").withName("u").edit(cm -> new ConfigMapBuilder(cm).addToData("v", text + "!").build());
            assertEquals(text + "!", values.poll(5, TimeUnit.SECONDS));
        } finally {
            informer.close();
        }
    }

    /**
     * The cloud's pod informer: {@code spec.nodeName!=} (pods bound to some node). A pod created
     * unbound and bound later must be ADDED to the informer, as on a real server, and one that
     * leaves a field selector must be DELETED.
     */
    @Test
    void fieldSelectedInformerSeesObjectsThatStartAndStopMatching() throws Exception {
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("binding").endMetadata().build()).create();
        client.pods().inNamespace("binding").resource(new PodBuilder().withNewMetadata().withName("bound-at-create").endMetadata()
                .withNewSpec().withNodeName("edge-1").addNewContainer().withName("c").withImage("busybox").endContainer().endSpec()
                .build()).create();
        client.pods().inNamespace("binding").resource(new PodBuilder().withNewMetadata().withName("bound-later").endMetadata()
                .withNewSpec().addNewContainer().withName("c").withImage("busybox").endContainer().endSpec().build()).create();
        BlockingQueue<Seen> events = new LinkedBlockingQueue<>();
        SharedIndexInformer<Pod> informer = client.pods().inNamespace("binding").withoutField("spec.nodeName", "")
                .inform(new ResourceEventHandler<>() {
                    @Override
                    public void onAdd(Pod p) {
                        events.add(new Seen("add", p.getMetadata().getName(), p.getSpec().getNodeName()));
                    }

                    @Override
                    public void onUpdate(Pod before, Pod p) {
                        if (!before.getMetadata().getResourceVersion().equals(p.getMetadata().getResourceVersion())) {
                            events.add(new Seen("update", p.getMetadata().getName(), p.getSpec().getNodeName()));
                        }
                    }

                    @Override
                    public void onDelete(Pod p, boolean unknownFinalState) {
                        events.add(new Seen("delete", p.getMetadata().getName(), p.getSpec().getNodeName()));
                    }
                });
        try {
            assertEquals(new Seen("add", "bound-at-create", "edge-1"), events.poll(5, TimeUnit.SECONDS));
            assertNull(events.poll(300, TimeUnit.MILLISECONDS), "the unbound pod is not listed");
            // Bound after creation (a scheduler would post a Binding; a patch changes the object the same way).
            client.pods().inNamespace("binding").withName("bound-later").patch(PatchContext.of(PatchType.JSON_MERGE),
                    "{\"spec\":{\"nodeName\":\"edge-2\"}}");
            assertEquals(new Seen("add", "bound-later", "edge-2"), events.poll(5, TimeUnit.SECONDS), "starting to match is ADDED");
            assertEquals(2, informer.getStore().list().size());
        } finally {
            informer.close();
        }

        // Stops matching: DELETED with the last matching state.
        BlockingQueue<Seen> phases = new LinkedBlockingQueue<>();
        SharedIndexInformer<Pod> running = client.pods().inNamespace("binding").withoutField("status.phase", "Failed")
                .inform(new ResourceEventHandler<>() {
                    @Override
                    public void onAdd(Pod p) {
                        phases.add(new Seen("add", p.getMetadata().getName(), null));
                    }

                    @Override
                    public void onUpdate(Pod before, Pod p) {
                    }

                    @Override
                    public void onDelete(Pod p, boolean unknownFinalState) {
                        phases.add(new Seen("delete", p.getMetadata().getName(), p.getStatus() == null ? null : p.getStatus().getPhase()));
                    }
                });
        try {
            assertNotNull(phases.poll(5, TimeUnit.SECONDS));
            assertNotNull(phases.poll(5, TimeUnit.SECONDS));
            client.pods().inNamespace("binding").withName("bound-at-create").subresource("status").patch(PatchContext.of(PatchType.JSON_MERGE),
                    "{\"status\":{\"phase\":\"Failed\"}}");
            assertEquals(new Seen("delete", "bound-at-create", "Pending"), phases.poll(5, TimeUnit.SECONDS),
                    "stopping to match is DELETED, with the last state that matched");
            assertEquals(1, running.getStore().list().size());
        } finally {
            running.close();
        }
    }

    @Test
    void watchReconnectsAfterTheServerEndsIt() throws Exception {
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("reconnect").endMetadata().build()).create();
        BlockingQueue<String> seen = new LinkedBlockingQueue<>();
        try (Watch watch = client.configMaps().inNamespace("reconnect").watch(new Watcher<ConfigMap>() {
            @Override
            public void eventReceived(Action action, ConfigMap cm) {
                seen.add(action + " " + cm.getMetadata().getName());
            }

            @Override
            public void onClose(WatcherException cause) {
                seen.add("closed " + cause);
            }
        })) {
            assertNotNull(watch);
            create("reconnect", "first");
            assertEquals("ADDED first", seen.poll(5, TimeUnit.SECONDS));
            server.dropWatches();
            create("reconnect", "second");
            assertEquals("ADDED second", seen.poll(10, TimeUnit.SECONDS), "the watch resumed from its last resource version");
            assertNull(seen.poll(300, TimeUnit.MILLISECONDS), "no duplicates after resuming");
        }
    }

    @Test
    void informerRelistsWhenItsVersionIsTooOld() throws Exception {
        try (DevApiServer small = DevApiServer.start("--port", "0", "--watch-history", "5");
                KubernetesClient c = clientFor(small)) {
            SharedIndexInformer<ConfigMap> informer = c.configMaps().inNamespace("default").inform();
            try {
                assertTrue(informer.hasSynced());
                small.dropWatches();
                // Write more than the history holds before the informer re-watches.
                for (int i = 0; i < 12; i++) {
                    c.configMaps().inNamespace("default").resource(new ConfigMapBuilder().withNewMetadata()
                            .withName("burst-" + i).endMetadata().build()).create();
                }
                long deadline = System.currentTimeMillis() + 15_000;
                while (informer.getStore().list().size() < 12 && System.currentTimeMillis() < deadline) {
                    Thread.sleep(50);
                }
                assertEquals(12, informer.getStore().list().size(), "after 410 Expired the informer relisted");
            } finally {
                informer.close();
            }
        }
    }

    @Test
    void customResourcesThroughGenericClient() {
        CustomResourceDefinition crd = new CustomResourceDefinitionBuilder().withNewMetadata().withName("devices.iot.outpost.io")
                .endMetadata().withNewSpec().withGroup("iot.outpost.io").withScope("Namespaced")
                .withNewNames().withPlural("devices").withSingular("device").withKind("Device").withShortNames("dev").endNames()
                .addNewVersion().withName("v1alpha1").withServed(true).withStorage(true)
                .withNewSubresources().withNewStatus().endStatus().endSubresources()
                .withNewSchema().withNewOpenAPIV3Schema().withType("object").withXKubernetesPreserveUnknownFields(true)
                .endOpenAPIV3Schema().endSchema().endVersion().endSpec().build();
        CustomResourceDefinition stored = client.apiextensions().v1().customResourceDefinitions().resource(crd).create();
        assertTrue(stored.getStatus().getConditions().stream()
                .anyMatch(c -> c.getType().equals("Established") && c.getStatus().equals("True")));

        var devices = client.genericKubernetesResources("iot.outpost.io/v1alpha1", "Device");
        GenericKubernetesResource device = devices.inNamespace("default").resource(new GenericKubernetesResourceBuilder()
                .withApiVersion("iot.outpost.io/v1alpha1").withKind("Device").withNewMetadata().withName("thermo-1").endMetadata()
                .withAdditionalProperties(Map.of("spec", Map.of("model", "t100"))).build()).create();
        assertEquals("thermo-1", device.getMetadata().getName());
        device.setAdditionalProperty("status", Map.of("online", true));
        GenericKubernetesResource withStatus = devices.inNamespace("default").resource(device).updateStatus();
        assertEquals(Map.of("online", true), withStatus.getAdditionalProperties().get("status"));
        assertEquals(1, devices.inAnyNamespace().list().getItems().size());
        client.apiextensions().v1().customResourceDefinitions().withName("devices.iot.outpost.io").delete();
        assertNull(devices.inNamespace("default").withName("thermo-1").get(), "the resources went with their CRD");
        assertThrows(KubernetesClientException.class, () -> devices.inNamespace("default").resource(device).create());
    }

    private static void create(String namespace, String name) {
        client.configMaps().inNamespace(namespace).resource(new ConfigMapBuilder().withNewMetadata().withName(name)
                .endMetadata().build()).create();
    }
}
