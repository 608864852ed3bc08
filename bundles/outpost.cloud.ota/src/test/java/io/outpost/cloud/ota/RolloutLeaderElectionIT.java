package io.outpost.cloud.ota;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.outpost.cloud.kube.crd.OutpostCrds;
import io.outpost.devapiserver.DevApiServer;
import io.outpost.hub.api.CloudHub;
import io.outpost.hub.api.Message;
import io.outpost.hub.api.MessageContext;
import io.outpost.hub.api.NodeSession;
import io.outpost.ota.api.Artifact;
import io.outpost.ota.api.ArtifactRepository;
import io.outpost.ota.api.OtaMessages;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two cloud replicas' rollout controllers against the project's development API server: one
 * holds the Lease and drives the rollout (status, Events), each delivers commands to the gateway
 * whose link it holds, the follower relays its gateway's reports to the leader; when the leader
 * stops, the other takes over and finishes what was started. The link is an in-memory hub per
 * replica that holds one gateway each (the link itself is tested in outpost.link).
 */
class RolloutLeaderElectionIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private DevApiServer server;
    private KubernetesClient admin;
    private final Replica a = new Replica("replica-a", "gw-a");
    private final Replica b = new Replica("replica-b", "gw-b");

    /** One cloud replica: its own client, its own hub holding one gateway, its own controller. */
    final class Replica {
        final String id;
        final String gateway;
        final List<Message> sent = new CopyOnWriteArrayList<>();
        final RolloutController controller = new RolloutController();
        KubernetesClient kube;

        Replica(String id, String gateway) {
            this.id = id;
            this.gateway = gateway;
        }

        void start() {
            kube = client();
            CloudHub hub = new CloudHub() {
                @Override
                public boolean send(String node, Message m) {
                    if (!node.equals(gateway)) {
                        return false;
                    }
                    sent.add(m);
                    return true;
                }

                @Override
                public Collection<NodeSession> sessions() {
                    return List.of(session());
                }

                @Override
                public Optional<NodeSession> session(String node) {
                    return node.equals(gateway) ? Optional.of(session()) : Optional.empty();
                }

                private NodeSession session() {
                    return new NodeSession(gateway, "127.0.0.1", Instant.now(), Instant.now(), Instant.now().plusSeconds(3600));
                }
            };
            controller.start(kube, hub, new NoRepository(), new RolloutController.Election("outpost-system", "outpost-rollout-controller", id,
                    Duration.ofSeconds(2), Duration.ofMillis(1500), Duration.ofMillis(200)));
        }

        /** The gateway's agent answers over this replica's link. */
        void report(String rollout, String phase) {
            Message cmd = sent.get(sent.size() - 1);
            JsonNode c = cmd.content();
            controller.handle(new MessageContext() {
                @Override
                public String nodeName() {
                    return gateway;
                }

                @Override
                public boolean reply(Message m) {
                    return true;
                }
            }, Message.builder().source(OtaMessages.AGENT).group("ota").operation("update").resource("default/" + OtaMessages.STATUS + "/" + rollout)
                    .content(JSON.createObjectNode().put("uid", c.path("uid").asText()).put("revision", c.path("revision").asText()).put("phase", phase)
                            .put("reason", phase.equals("Succeeded") ? "installed hello=1.1.0" : "")).build());
        }

        void stop() {
            controller.deactivate();
            kube.close();
        }
    }

    /** Artifacts come with sha256, size, signature and url in the spec: no repository lookup matters. */
    static final class NoRepository implements ArtifactRepository {
        @Override
        public Artifact publish(Path file, String name, String version, Path signingKey, boolean unsigned) {
            throw new UnsupportedOperationException();
        }

        @Override
        public List<Artifact> list() {
            return List.of();
        }

        @Override
        public Optional<Artifact> find(String name, String version) {
            return Optional.empty();
        }

        @Override
        public boolean delete(String name, String version) {
            return false;
        }
    }

    private KubernetesClient client() {
        Config config = new ConfigBuilder().withMasterUrl(server.url()).withNamespace("default").withRequestTimeout(10_000)
                .withWatchReconnectInterval(200).build();
        return new KubernetesClientBuilder().withConfig(config).build();
    }

    @BeforeEach
    void start() throws Exception {
        server = DevApiServer.start("--port", "0");
        admin = client();
        OutpostCrds.apply(admin, RolloutController.class.getClassLoader(), "crds/outpost.io_gatewayrollouts.yaml");
        admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("outpost-system").endMetadata().build()).create();
        for (String n : List.of("gw-a", "gw-b")) {
            admin.nodes().resource(new NodeBuilder().withNewMetadata().withName(n).addToLabels("site", "plant-a").endMetadata().build()).create();
        }
        a.start();
        b.start();
    }

    @AfterEach
    void stop() throws Exception {
        for (Replica r : List.of(a, b)) {
            try {
                r.stop();
            } catch (RuntimeException e) {
                // already stopped by the test
            }
        }
        admin.close();
        server.close();
    }

    /** Created with its spec in one request (an edit after the create would race the controller's status write). */
    private void rollout(String name, String version) {
        com.fasterxml.jackson.databind.node.ObjectNode o = JSON.createObjectNode().put("apiVersion", "outpost.io/v1alpha1").put("kind", "GatewayRollout");
        o.putObject("metadata").put("name", name).put("namespace", "default");
        com.fasterxml.jackson.databind.node.ObjectNode spec = o.putObject("spec");
        spec.putObject("gateways").putObject("selector").putObject("matchLabels").put("site", "plant-a");
        spec.putArray("artifacts").addObject().put("name", "hello").put("version", version).put("sha256", "ab".repeat(32)).put("size", 100)
                .put("signature", "c2ln").put("url", "/artifacts/hello/" + version);
        spec.putObject("strategy").put("canary", 0).put("batchSize", 2);
        admin.genericKubernetesResources(RolloutController.ROLLOUTS).inNamespace("default").resource(JSON.convertValue(o, GenericKubernetesResource.class)).create();
    }

    private JsonNode status(String name) {
        GenericKubernetesResource o = admin.genericKubernetesResources(RolloutController.ROLLOUTS).inNamespace("default").withName(name).get();
        return JSON.valueToTree(o.getAdditionalProperties().getOrDefault("status", JSON.createObjectNode()));
    }

    private static void await(String what, BooleanSupplier cond) throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!cond.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("not within 20 s: " + what);
            }
            Thread.sleep(50);
        }
    }

    private String holder() {
        var l = admin.leases().inNamespace("outpost-system").withName("outpost-rollout-controller").get();
        return l == null || l.getSpec() == null ? null : l.getSpec().getHolderIdentity();
    }

    private long events(String rollout, String reason) {
        return admin.v1().events().inNamespace("default").list().getItems().stream()
                .filter(e -> rollout.equals(e.getInvolvedObject().getName()) && reason.equals(e.getReason())).count();
    }

    @Test
    void oneReplicaDrivesTheRolloutEachDeliversToItsGatewaysAndTheOtherTakesOverWhenTheLeaderStops() throws Exception {
        await("one replica leads", () -> a.controller.leading() ^ b.controller.leading());
        Replica leader = a.controller.leading() ? a : b;
        Replica follower = leader == a ? b : a;
        assertEquals(leader.id, holder(), "the Lease names the leader");

        rollout("hello-1-1", "1.1.0");
        await("each replica sends the command to the gateway it holds", () -> !a.sent.isEmpty() && !b.sent.isEmpty());
        follower.report("hello-1-1", "Downloading");
        await("the follower's report reaches the status through the leader", () -> status("hello-1-1").path("summary").asText().contains(follower.gateway + " Downloading"));
        leader.report("hello-1-1", "Succeeded");
        follower.report("hello-1-1", "Succeeded");
        await("Succeeded on both gateways", () -> "Succeeded".equals(status("hello-1-1").path("phase").asText()));
        assertEquals(2, status("hello-1-1").path("counts").path("succeeded").asInt());
        Thread.sleep(500); // a second writer would show up as more events
        assertEquals(1, events("hello-1-1", "GatewaysStarted"), "one replica emits the Events");
        assertEquals(2, events("hello-1-1", "GatewaySucceeded"), "one GatewaySucceeded per gateway");
        assertTrue(follower.sent.size() <= 2, "the follower sends its gateway the command once per change, not in a loop: " + follower.sent.size());

        leader.stop();
        await("the other replica takes over", () -> follower.controller.leading());
        assertEquals(follower.id, holder());
        int before = follower.sent.size();
        rollout("hello-1-2", "1.2.0");
        await("the new leader starts its own gateway", () -> follower.sent.size() > before);
        follower.report("hello-1-2", "Succeeded");
        await("and writes the status", () -> "1/2 done".equals(status("hello-1-2").path("summary").asText().split(";")[0]));
        assertEquals(Set.of(leader.gateway + " Pending"), Set.of(status("hello-1-2").path("summary").asText().split("; ")[1]),
                "the stopped replica's gateway waits for a replica that holds its link");
    }
}
