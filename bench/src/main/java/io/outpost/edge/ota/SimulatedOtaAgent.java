package io.outpost.edge.ota;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.outpost.hub.api.Groups;
import io.outpost.hub.api.Message;
import io.outpost.hub.api.Operations;
import io.outpost.hub.api.Resource;
import io.outpost.ota.api.OtaMessages;
import io.outpost.ota.api.OtaRecord;
import io.outpost.ota.api.Phase;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.security.PublicKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.function.Predicate;
import javax.net.ssl.SSLContext;

/**
 * A gateway's OTA agent for the rollout benchmark: the real {@link UpdateJob} (HTTPS Range
 * download with the node's client certificate, SHA-256, Ed25519, KAR unpacking, journal) with
 * the container simulated — installing waits {@code installMillis}, health is immediate. Lives
 * in the agent's package because the state machine is package-private in its bundle.
 */
public final class SimulatedOtaAgent {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dir;
    private final URI cloud;
    private final SSLContext tls;
    private final List<PublicKey> trusted;
    private final long installMillis;
    private final Executor executor;
    private final Predicate<Message> send;
    private final Map<String, String> installed = new HashMap<>();
    private final List<OtaRecord> history = new ArrayList<>();
    private JsonNode journal;

    public SimulatedOtaAgent(Path dir, URI cloud, SSLContext tls, List<PublicKey> trusted, long installMillis, Executor executor, Predicate<Message> send) {
        this.dir = dir;
        this.cloud = cloud;
        this.tls = tls;
        this.trusted = trusted;
        this.installMillis = installMillis;
        this.executor = executor;
        this.send = send;
    }

    /** Takes a rollout command (group ota, type gatewayrollout); runs it on the executor. */
    public void handle(Message m) {
        Resource r = Resource.parse(m.resource());
        String rollout = r.namespace() + "/" + r.name();
        UpdateJob.Command c = UpdateJob.Command.parse(rollout, m.content(), 1L << 30);
        synchronized (this) {
            for (OtaRecord h : history) {
                if (h.rollout().equals(rollout) && h.revision().equals(c.revision()) && h.phase().terminal()) {
                    report(c, h.phase(), h.reason(), h.millis());
                    return;
                }
            }
        }
        executor.execute(() -> {
            synchronized (this) {
                job().run(c);
            }
        });
    }

    private UpdateJob job() {
        HttpClient http = HttpClient.newBuilder().sslContext(tls).version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
        Features features = new Features() {
            @Override
            public Optional<String> installedVersion(String name) {
                return Optional.ofNullable(installed.get(name));
            }

            @Override
            public void install(List<URI> repositories, String name, String version) throws InterruptedException {
                Thread.sleep(installMillis);
                installed.put(name, version);
            }

            @Override
            public void restore(String name, String previousVersion, String failedVersion, List<URI> repositories) {
                installed.put(name, previousVersion);
            }

            @Override
            public Optional<String> unhealthy(String name, String version) {
                return Optional.empty();
            }

            @Override
            public Checks runChecks(String name, Duration timeout) {
                return Checks.passed(); // a simulated feature ships no health check
            }

            @Override
            public void forget(List<URI> repositories) {
            }
        };
        Journal j = new Journal() {
            @Override
            public void write(JsonNode entry) {
                journal = entry;
            }

            @Override
            public Optional<JsonNode> read() {
                return Optional.ofNullable(journal);
            }

            @Override
            public void clear() {
                journal = null;
            }

            @Override
            public void record(OtaRecord r) {
                history.add(0, r);
            }

            @Override
            public List<OtaRecord> history() {
                return history;
            }
        };
        return new UpdateJob(new UpdateJob.Settings(dir, cloud, 0, 1L << 30, Duration.ofSeconds(30)),
                new Downloader(http, 1024 * 1024, Duration.ofSeconds(60)), () -> trusted, features, j, this::report);
    }

    private void report(UpdateJob.Command c, Phase phase, String reason, Map<String, Long> millis) {
        ObjectNode content = JSON.createObjectNode().put("uid", c.uid()).put("revision", c.revision()).put("phase", phase.name()).put("reason", reason);
        content.set("millis", JSON.valueToTree(millis));
        String[] nsName = c.rollout().split("/", 2);
        send.test(Message.builder().source(OtaMessages.AGENT).group(Groups.OTA).operation(Operations.UPDATE)
                .resource(nsName[0] + "/" + OtaMessages.STATUS + "/" + nsName[1]).content(content).build());
    }
}
