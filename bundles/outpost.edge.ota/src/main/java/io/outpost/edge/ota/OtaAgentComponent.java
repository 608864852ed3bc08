package io.outpost.edge.ota;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.outpost.hub.api.EdgeHub;
import io.outpost.hub.api.Groups;
import io.outpost.hub.api.Message;
import io.outpost.hub.api.MessageContext;
import io.outpost.hub.api.MessageHandler;
import io.outpost.hub.api.Operations;
import io.outpost.hub.api.Resource;
import io.outpost.meta.api.MetaStore;
import io.outpost.ota.api.ArtifactSignature;
import io.outpost.ota.api.OtaAgent;
import io.outpost.ota.api.OtaMessages;
import io.outpost.ota.api.OtaRecord;
import io.outpost.ota.api.Phase;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import javax.net.ssl.SSLContext;
import org.apache.karaf.features.FeaturesService;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's OTA agent: takes rollout commands from the cloud (group {@code ota}), runs them
 * one at a time ({@link UpdateJob}), reports progress back, and after a restart finishes an
 * update the journal shows unfinished. Configuration (ConfigAdmin) is never touched by an update.
 */
@Component(configurationPid = OtaAgentComponent.PID, service = {MessageHandler.class, OtaAgent.class}, immediate = true,
        property = {MessageHandler.GROUP + "=" + Groups.OTA, MessageHandler.RESOURCE_TYPE + "=" + OtaMessages.ROLLOUT})
@Designate(ocd = OtaAgentComponent.Cfg.class)
public class OtaAgentComponent implements MessageHandler, OtaAgent {
    static final String PID = "io.outpost.edge.ota";
    private static final Logger LOG = LoggerFactory.getLogger(OtaAgentComponent.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    @ObjectClassDefinition(name = "Outpost gateway: OTA agent", description = "Signed feature updates from the cloud.")
    public @interface Cfg {
        @AttributeDefinition(description = "Trusted Ed25519 public keys (PEM, or the base64 of the key); artifacts must be signed by one of them.")
        String[] trustedKeys() default {};

        @AttributeDefinition(description = "Folder of trusted public keys (*.pem); empty for <karaf.etc>/outpost-ota-trusted.")
        String trustedKeyDir() default "";

        @AttributeDefinition(description = "The agent's folder (downloads, unpacked artifacts); empty for <karaf.data>/outpost/ota. It writes nowhere else.")
        String dir() default "";

        @AttributeDefinition(description = "Largest artifact accepted, in bytes.", min = "1024")
        long maxArtifactBytes() default 256L * 1024 * 1024;

        @AttributeDefinition(description = "Most bytes an artifact may unpack to.", min = "1024")
        long maxUnpackedBytes() default 1024L * 1024 * 1024;

        @AttributeDefinition(description = "Size of one Range request, in bytes.", min = "4096")
        int chunkBytes() default 1024 * 1024;

        @AttributeDefinition(description = "Free disk space to keep besides three times the artifacts' size, in bytes.", min = "0")
        long minFreeBytes() default 16L * 1024 * 1024;

        @AttributeDefinition(description = "How long the installed features may take to become healthy, in seconds.", min = "1")
        int healthTimeoutSeconds() default 30;
    }

    @Reference
    private EdgeHub hub;

    @Reference
    private MetaStore meta;

    @Reference
    private FeaturesService featuresService;

    @Reference
    private ServiceComponentRuntime scr;

    private Cfg cfg;
    private BundleContext context;
    private Journal journal;
    private Path dir;
    /** Updates run one at a time, in arrival order, on this thread; stopped in deactivate. */
    private ExecutorService worker;
    private final Set<String> queued = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** The running update: rollout/revision → its latest report, for a cloud that asks again. */
    private volatile String running = "";
    private volatile ObjectNode runningReport;

    @Activate
    void activate(BundleContext bc, Cfg cfg) {
        this.cfg = cfg;
        this.context = bc;
        this.journal = new MetaJournal(meta);
        this.dir = Path.of(cfg.dir().isBlank() ? System.getProperty("karaf.data", "data") + "/outpost/ota" : cfg.dir());
        worker = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "outpost-ota");
            t.setDaemon(true);
            return t;
        });
        // A restart in the middle of an update: put the gateway back into a consistent state first.
        worker.execute(() -> job(null).recover().ifPresent(r -> LOG.warn("OTA: {} → {}: {}", r.rollout(), r.phase(), r.reason())));
    }

    @Deactivate
    void deactivate() {
        worker.shutdownNow();
    }

    @Override
    public List<OtaRecord> history() {
        return journal.history();
    }

    @Override
    public void handle(MessageContext ctx, Message m) {
        Resource r = Resource.parse(m.resource());
        if (!OtaMessages.ROLLOUT.equals(r.type()) || !r.namespace().matches("[a-z0-9-]{1,63}") || !r.name().matches("[a-z0-9.-]{1,253}")) {
            throw new IllegalArgumentException("unsupported OTA resource '" + m.resource() + "': expected <namespace>/" + OtaMessages.ROLLOUT + "/<name>");
        }
        String rollout = r.namespace() + "/" + r.name();
        JsonNode c = m.content();
        String uid = c.path("uid").asText("");
        String revision = c.path("revision").asText("");
        UpdateJob.Command cmd;
        try {
            cmd = UpdateJob.Command.parse(rollout, c, cfg.maxArtifactBytes());
        } catch (IllegalArgumentException e) {
            LOG.warn("OTA command for {} refused: {}", rollout, e.getMessage());
            send(rollout, uid, revision, Phase.Failed, "refused: " + e.getMessage(), Map.of());
            return;
        }
        String key = rollout + "@" + revision;
        if (key.equals(running) && runningReport != null) {
            hub.send(report(rollout, runningReport));
            return;
        }
        if (!queued.add(key)) {
            return;
        }
        // Reading the history is a disk read: on the worker, not on the link's I/O thread.
        worker.execute(() -> {
            for (OtaRecord h : journal.history()) {
                if (h.rollout().equals(rollout) && h.revision().equals(revision) && h.phase().terminal()) {
                    // Already done: the cloud asks again (a reconnect, a lost report); answer with the result.
                    queued.remove(key);
                    send(rollout, uid, revision, h.phase(), h.reason(), h.millis());
                    return;
                }
            }
            running = key;
            try {
                job(cmd).run(cmd);
            } catch (RuntimeException e) {
                LOG.error("OTA update {} crashed", key, e);
                send(rollout, uid, revision, Phase.Failed, "the agent failed: " + e, Map.of());
            } finally {
                running = "";
                runningReport = null;
                queued.remove(key);
            }
        });
    }

    private UpdateJob job(UpdateJob.Command cmd) {
        URI cloud = hub.cloudHttps().orElse(URI.create("https://cloud.invalid/"));
        HttpClient http = HttpClient.newBuilder().sslContext(hub.cloudTls().orElseGet(OtaAgentComponent::noTls)).connectTimeout(Duration.ofSeconds(10))
                .version(HttpClient.Version.HTTP_1_1).build();
        return new UpdateJob(new UpdateJob.Settings(dir, cloud, cfg.minFreeBytes(), cfg.maxUnpackedBytes(), Duration.ofSeconds(cfg.healthTimeoutSeconds())),
                new Downloader(http, cfg.chunkBytes(), Duration.ofSeconds(60)), this::trustedKeys, new KarafFeatures(featuresService, context, scr),
                journal, (c, phase, reason, millis) -> send(c.rollout(), c.uid(), c.revision(), phase, reason, millis));
    }

    /** A gateway that has not joined has no client certificate: its downloads fail with a TLS error that says so. */
    private static SSLContext noTls() {
        try {
            return SSLContext.getDefault();
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private List<PublicKey> trustedKeys() {
        List<PublicKey> keys = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (String k : cfg.trustedKeys()) {
            ArtifactSignature.tryPublicKey(k).ifPresentOrElse(p -> {
                if (seen.add(ArtifactSignature.keyId(p))) {
                    keys.add(p);
                }
            }, () -> LOG.warn("a trustedKeys entry of pid {} is not an Ed25519 public key; ignored", PID));
        }
        Path keyDir = Path.of(cfg.trustedKeyDir().isBlank() ? System.getProperty("karaf.etc", "etc") + "/outpost-ota-trusted" : cfg.trustedKeyDir());
        if (Files.isDirectory(keyDir)) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(keyDir, "*.pem")) {
                for (Path p : ds) {
                    if (Files.size(p) > ArtifactSignature.MAX_PEM_CHARS) {
                        continue;
                    }
                    ArtifactSignature.tryPublicKey(Files.readString(p, StandardCharsets.US_ASCII)).ifPresentOrElse(k -> {
                        if (seen.add(ArtifactSignature.keyId(k))) {
                            keys.add(k);
                        }
                    }, () -> LOG.warn("{} is not an Ed25519 public key; ignored", p));
                }
            } catch (IOException e) {
                LOG.warn("trusted keys in {} not read: {}", keyDir, e.getMessage());
            }
        }
        return keys;
    }

    private void send(String rollout, String uid, String revision, Phase phase, String reason, Map<String, Long> millis) {
        ObjectNode c = JSON.createObjectNode().put("uid", uid).put("revision", revision).put("phase", phase.name()).put("reason", reason);
        c.set("millis", JSON.valueToTree(millis));
        if (rollout.equals(running.split("@")[0])) {
            runningReport = c;
        }
        LOG.info("OTA {}: {} {}", rollout, phase, reason);
        hub.send(report(rollout, c));
    }

    private static Message report(String rollout, ObjectNode content) {
        String[] nsName = rollout.split("/", 2);
        return Message.builder().source(OtaMessages.AGENT).group(Groups.OTA).operation(Operations.UPDATE)
                .resource(nsName[0] + "/" + OtaMessages.STATUS + "/" + nsName[1]).content(content).build();
    }
}
