package io.outpost.edge.ota;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.outpost.ota.api.ArtifactSignature;
import io.outpost.ota.api.OtaRecord;
import io.outpost.ota.api.Phase;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The update's state machine against a real HTTP server with real KARs, real signatures and
 * the real unpacker; the container (FeaturesService) is {@link Features}, kept in memory here
 * with Karaf's semantics: an install that does not resolve changes nothing.
 */
class UpdateJobTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;
    RangeServer server;
    KeyPair publisher;
    List<PublicKey> trusted;
    InMemoryFeatures features = new InMemoryFeatures();
    InMemoryJournal journal = new InMemoryJournal();
    List<String> reports = new ArrayList<>();
    long minFree = 0;

    /** Karaf's behaviour, in memory: one version per feature name; failures leave the state as it was. */
    static final class InMemoryFeatures implements Features {
        final Map<String, String> installed = new HashMap<>();
        final Set<String> unresolvable = new HashSet<>();
        final Set<String> unhealthy = new HashSet<>();
        final List<String> calls = new ArrayList<>();

        @Override
        public Optional<String> installedVersion(String name) {
            return Optional.ofNullable(installed.get(name));
        }

        @Override
        public void install(List<URI> repositories, String name, String version) {
            calls.add("install " + name + " " + version);
            assertTrue(repositories.stream().allMatch(r -> Files.exists(Path.of(r))), "repositories exist on disk");
            if (unresolvable.contains(name + "/" + version)) {
                throw new IllegalStateException("Unable to resolve root: missing requirement osgi.wiring.package=nowhere");
            }
            installed.put(name, version);
        }

        @Override
        public void restore(String name, String previousVersion, String failedVersion, List<URI> repositories) {
            calls.add("restore " + name + " " + previousVersion + (repositories.isEmpty() ? "" : " with its repository"));
            assertTrue(repositories.stream().allMatch(r -> Files.exists(Path.of(r))), "repositories exist on disk");
            if (previousVersion.isEmpty()) {
                installed.remove(name);
            } else {
                installed.put(name, previousVersion);
            }
        }

        @Override
        public Optional<String> unhealthy(String name, String version) {
            return unhealthy.contains(name + "/" + version) ? Optional.of("component hello.Greeter has unsatisfied references: clock") : Optional.empty();
        }

        /** What the feature's own checks answer, one verdict per run (the last one repeats). */
        final Map<String, List<Checks>> checks = new HashMap<>();
        final List<URI> forgotten = new ArrayList<>();

        @Override
        public Checks runChecks(String name, Duration timeout) {
            List<Checks> answers = checks.getOrDefault(name, List.of());
            if (answers.isEmpty()) {
                return Checks.passed();
            }
            return answers.size() == 1 ? answers.get(0) : answers.remove(0);
        }

        @Override
        public void forget(List<URI> repositories) {
            forgotten.addAll(repositories);
        }
    }

    static final class InMemoryJournal implements Journal {
        JsonNode entry;
        final List<JsonNode> writes = new ArrayList<>();
        final List<OtaRecord> records = new ArrayList<>();

        @Override
        public void write(JsonNode e) {
            entry = e;
            writes.add(e);
        }

        @Override
        public Optional<JsonNode> read() {
            return Optional.ofNullable(entry);
        }

        @Override
        public void clear() {
            entry = null;
        }

        @Override
        public void record(OtaRecord r) {
            records.add(0, r);
        }

        @Override
        public List<OtaRecord> history() {
            return records;
        }
    }

    @BeforeEach
    void setUp() throws Exception {
        server = new RangeServer();
        publisher = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        trusted = List.of(publisher.getPublic());
    }

    @AfterEach
    void tearDown() {
        server.close();
    }

    /** Publishes a KAR on the server, signed by {@code key} (null: unsigned); returns the command's artifact entry. */
    private ObjectNode publish(String name, String version, byte[] kar, KeyPair key) throws Exception {
        String path = "/artifacts/" + name + "/" + version;
        server.files.put(path, kar);
        String sha = ArtifactSignature.sha256(kar);
        return JSON.createObjectNode().put("name", name).put("version", version).put("sha256", sha).put("size", kar.length)
                .put("signature", key == null ? "" : ArtifactSignature.sign(key.getPrivate(), name, version, sha, kar.length)).put("url", path);
    }

    private UpdateJob.Command command(boolean downgrade, ObjectNode... arts) {
        ObjectNode c = JSON.createObjectNode().put("uid", "u-1").put("revision", "abc123").put("allowDowngrade", downgrade);
        c.putArray("artifacts").addAll(List.of(arts));
        return UpdateJob.Command.parse("default/hello-rollout", c, 1 << 20);
    }

    private UpdateJob job() {
        return new UpdateJob(new UpdateJob.Settings(dir.resolve("ota"), server.uri("/"), minFree, 1 << 20, Duration.ofMillis(600)),
                new Downloader(HttpClient.newHttpClient(), 4096, Duration.ofSeconds(5)), () -> trusted, features, journal,
                (c, phase, reason, millis) -> reports.add(phase.name()));
    }

    @Test
    void aSignedFeatureIsInstalledThroughEveryPhase() throws Exception {
        OtaRecord r = job().run(command(false, publish("hello", "1.0.0", Kars.feature("hello", "1.0.0"), publisher)));
        assertEquals(Phase.Succeeded, r.phase(), r.reason());
        assertEquals(List.of("Downloading", "Verifying", "Installing", "HealthChecking", "Succeeded"), reports);
        assertEquals("1.0.0", features.installed.get("hello"));
        assertEquals(List.of("Downloading", "Verifying", "Installing", "HealthChecking"), journal.writes.stream().map(j -> j.path("step").asText()).toList(),
                "the journal is written before each step");
        assertTrue(journal.read().isEmpty(), "and cleared at the end");
        assertTrue(r.millis().keySet().containsAll(List.of("download", "verify", "install", "health")));
        assertTrue(Files.exists(dir.resolve("ota/repo")), "unpacked inside the agent's folder");
    }

    @Test
    void anUpgradeReplacesTheVersionAndTheSameVersionAgainIsANoOp() throws Exception {
        features.installed.put("hello", "1.0.0");
        assertEquals(Phase.Succeeded, job().run(command(false, publish("hello", "1.1.0", Kars.feature("hello", "1.1.0"), publisher))).phase());
        assertEquals("1.1.0", features.installed.get("hello"));
        reports.clear();
        OtaRecord again = job().run(command(false, publish("hello", "1.1.0", Kars.feature("hello", "1.1.0"), publisher)));
        assertEquals(Phase.Succeeded, again.phase());
        assertTrue(again.reason().contains("already installed"));
        assertEquals(List.of("Succeeded"), reports);
    }

    @Test
    void aTamperedArtifactFailsOnItsHashAndChangesNothing() throws Exception {
        features.installed.put("hello", "1.0.0");
        ObjectNode a = publish("hello", "1.1.0", Kars.feature("hello", "1.1.0"), publisher);
        byte[] tampered = server.files.get("/artifacts/hello/1.1.0").clone();
        tampered[tampered.length / 2] ^= 1;
        server.files.put("/artifacts/hello/1.1.0", tampered);
        OtaRecord r = job().run(command(false, a));
        assertEquals(Phase.Failed, r.phase());
        assertTrue(r.reason().contains("sha256 mismatch"), r.reason());
        assertEquals("1.0.0", features.installed.get("hello"));
        assertFalse(features.calls.stream().anyMatch(c -> c.startsWith("install")));
    }

    @Test
    void anUntrustedKeyIsRefused() throws Exception {
        KeyPair stranger = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        OtaRecord r = job().run(command(false, publish("hello", "1.0.0", Kars.feature("hello", "1.0.0"), stranger)));
        assertEquals(Phase.Failed, r.phase());
        assertTrue(r.reason().contains("not made by a key this gateway trusts"), r.reason());
        assertTrue(features.installed.isEmpty());
    }

    @Test
    void anUnsignedArtifactIsRefused() throws Exception {
        OtaRecord r = job().run(command(false, publish("hello", "1.0.0", Kars.feature("hello", "1.0.0"), null)));
        assertEquals(Phase.Failed, r.phase());
        assertTrue(r.reason().contains("not signed"), r.reason());
    }

    @Test
    void aDowngradeIsRefusedUnlessAllowed() throws Exception {
        features.installed.put("hello", "1.1.0");
        ObjectNode a = publish("hello", "1.0.0", Kars.feature("hello", "1.0.0"), publisher);
        OtaRecord r = job().run(command(false, a));
        assertEquals(Phase.Failed, r.phase());
        assertTrue(r.reason().contains("downgrade of hello from 1.1.0 to 1.0.0 refused"), r.reason());
        assertEquals(0, server.requests.get(), "refused before downloading");
        assertEquals(Phase.Succeeded, job().run(command(true, a)).phase());
        assertEquals("1.0.0", features.installed.get("hello"));
    }

    @Test
    void aFeatureThatDoesNotResolveIsRolledBack() throws Exception {
        features.installed.put("hello", "1.0.0");
        features.unresolvable.add("hello/1.2.0");
        OtaRecord r = job().run(command(false, publish("hello", "1.2.0", Kars.feature("hello", "1.2.0", "mvn:io.outpost.examples/missing/1.0"), publisher)));
        assertEquals(Phase.RolledBack, r.phase());
        assertTrue(r.reason().contains("did not install") && r.reason().contains("missing requirement") && r.reason().contains("previous versions restored (hello=1.0.0)"), r.reason());
        assertEquals("1.0.0", features.installed.get("hello"));
    }

    @Test
    void karafsNestedResolutionErrorIsCutToWhatIsMissing() {
        String karaf = "Unable to resolve root: missing requirement [root] osgi.identity; osgi.identity=ota-hello; type=karaf.feature; "
                + "version=\"[1.2.0,1.2.0]\" [caused by: Unable to resolve ota-hello/1.2.0: missing requirement [ota-hello/1.2.0] osgi.identity; "
                + "osgi.identity=io.outpost.examples.ota-hello [caused by: Unable to resolve io.outpost.examples.ota-hello/1.2.0: missing requirement "
                + "[io.outpost.examples.ota-hello/1.2.0] osgi.wiring.package; filter:=\"(osgi.wiring.package=io.outpost.examples.nowhere)\"]]";
        assertEquals("missing requirement [io.outpost.examples.ota-hello/1.2.0] osgi.wiring.package; filter:=\"(osgi.wiring.package=io.outpost.examples.nowhere)\"",
                UpdateJob.rootCause(karaf));
    }

    @Test
    void anUnhealthyFeatureIsRolledBackToThePreviousVersion() throws Exception {
        features.installed.put("hello", "1.0.0");
        features.unhealthy.add("hello/1.1.0");
        OtaRecord r = job().run(command(false, publish("hello", "1.1.0", Kars.feature("hello", "1.1.0"), publisher)));
        assertEquals(Phase.RolledBack, r.phase());
        assertTrue(r.reason().contains("health check failed") && r.reason().contains("unsatisfied references"), r.reason());
        assertEquals("1.0.0", features.installed.get("hello"));
        assertEquals(List.of("install hello 1.1.0", "restore hello 1.0.0"), features.calls);
    }

    @Test
    void aRollbackToAVersionThatCameOverTheAirAddsItsRepositoryAgain() throws Exception {
        assertEquals(Phase.Succeeded, job().run(command(false, publish("hello", "1.0.0", Kars.feature("hello", "1.0.0"), publisher))).phase());
        features.unhealthy.add("hello/1.1.0");
        features.calls.clear();
        assertEquals(Phase.RolledBack, job().run(command(false, publish("hello", "1.1.0", Kars.feature("hello", "1.1.0"), publisher))).phase());
        assertEquals(List.of("install hello 1.1.0", "restore hello 1.0.0 with its repository"), features.calls);
    }

    @Test
    void aFeatureNewToTheGatewayIsUninstalledOnRollback() throws Exception {
        features.unhealthy.add("hello/1.0.0");
        assertEquals(Phase.RolledBack, job().run(command(false, publish("hello", "1.0.0", Kars.feature("hello", "1.0.0"), publisher))).phase());
        assertFalse(features.installed.containsKey("hello"));
    }

    @Test
    void aFailingHealthCheckOfTheFeatureRollsBackAtOnceWithTheChecksMessage() throws Exception {
        features.installed.put("hello", "1.0.0");
        features.checks.put("hello", new ArrayList<>(List.of(new Features.Checks(Features.Verdict.FAILED,
                "health check 'hello greets' is CRITICAL: greeting table is empty"))));
        long t = System.nanoTime();
        OtaRecord r = job().run(command(false, publish("hello", "1.1.0", Kars.feature("hello", "1.1.0"), publisher)));
        assertEquals(Phase.RolledBack, r.phase());
        assertTrue(r.reason().startsWith("hello 1.1.0: health check 'hello greets' is CRITICAL: greeting table is empty; previous versions restored (hello=1.0.0)"),
                r.reason());
        assertTrue(System.nanoTime() - t < Duration.ofMillis(600).toNanos(), "a CRITICAL check does not wait for the health timeout");
        assertEquals("1.0.0", features.installed.get("hello"));
    }

    @Test
    void aTemporarilyUnavailableCheckIsAskedAgainUntilItPasses() throws Exception {
        features.checks.put("hello", new ArrayList<>(List.of(new Features.Checks(Features.Verdict.RETRY, "warming up"), Features.Checks.passed())));
        assertEquals(Phase.Succeeded, job().run(command(false, publish("hello", "1.0.0", Kars.feature("hello", "1.0.0"), publisher))).phase());
    }

    @Test
    void aCheckThatStaysUnavailableRollsBackAtTheHealthTimeoutWithItsMessage() throws Exception {
        features.checks.put("hello", new ArrayList<>(List.of(new Features.Checks(Features.Verdict.RETRY, "health check 'db' did not answer in 600 ms"))));
        OtaRecord r = job().run(command(false, publish("hello", "1.0.0", Kars.feature("hello", "1.0.0"), publisher)));
        assertEquals(Phase.RolledBack, r.phase());
        assertTrue(r.reason().contains("health check failed after") && r.reason().contains("'db' did not answer"), r.reason());
        assertFalse(features.installed.containsKey("hello"));
    }

    @Test
    void onlyTheInstalledAndThePreviousVersionAreKept() throws Exception {
        for (String v : List.of("1.0.0", "1.1.0", "1.2.0", "1.3.0")) {
            assertEquals(Phase.Succeeded, job().run(command(false, publish("hello", v, Kars.feature("hello", v), publisher))).phase());
        }
        assertEquals(List.of("hello-1.2.0", "hello-1.3.0"), unpacked(), "current and previous (the rollback target) stay");
        assertEquals(2, features.forgotten.size(), "the pruned versions' repositories are removed from the container first");
        assertTrue(features.forgotten.stream().allMatch(u -> u.toString().contains("hello-1.0.0-") || u.toString().contains("hello-1.1.0-")), features.forgotten.toString());
        assertFalse(Files.list(dir.resolve("ota/downloads")).anyMatch(f -> f.toString().endsWith(".kar")), "downloaded KARs are deleted once unpacked and installed");
        // A failed update removes only what it unpacked; the rollback target stays.
        features.unhealthy.add("hello/1.4.0");
        assertEquals(Phase.RolledBack, job().run(command(false, publish("hello", "1.4.0", Kars.feature("hello", "1.4.0"), publisher))).phase());
        assertEquals(List.of("hello-1.2.0", "hello-1.3.0"), unpacked());
        // A refused downgrade to the rollback target does not take the target away.
        assertEquals(Phase.Failed, job().run(command(false, publish("hello", "1.2.0", Kars.feature("hello", "1.2.0"), publisher))).phase());
        assertEquals(List.of("hello-1.2.0", "hello-1.3.0"), unpacked());
        // A feature whose name starts with another's is not touched by the other's pruning.
        assertEquals(Phase.Succeeded, job().run(command(false, publish("hello-extra", "1.0.0", Kars.feature("hello-extra", "1.0.0"), publisher))).phase());
        assertEquals(Phase.Succeeded, job().run(command(false, publish("hello", "1.5.0", Kars.feature("hello", "1.5.0"), publisher))).phase());
        assertEquals(List.of("hello-1.3.0", "hello-1.5.0", "hello-extra-1.0.0"), unpacked());
    }

    private List<String> unpacked() throws java.io.IOException {
        try (var l = Files.list(dir.resolve("ota/repo"))) {
            return l.map(p -> p.getFileName().toString().replaceAll("-[0-9a-f]{12}$", "")).sorted().toList();
        }
    }

    @Test
    void anArtifactThatDoesNotProvideTheFeatureFails() throws Exception {
        OtaRecord r = job().run(command(false, publish("hello", "1.0.0", Kars.feature("other", "1.0.0"), publisher)));
        assertEquals(Phase.Failed, r.phase());
        assertTrue(r.reason().contains("declares no feature hello"), r.reason());
    }

    @Test
    void aFullDiskFailsBeforeDownloading() throws Exception {
        minFree = Long.MAX_VALUE / 4;
        OtaRecord r = job().run(command(false, publish("hello", "1.0.0", Kars.feature("hello", "1.0.0"), publisher)));
        assertEquals(Phase.Failed, r.phase());
        assertTrue(r.reason().contains("not enough disk space"), r.reason());
        assertEquals(0, server.requests.get());
    }

    @Test
    void anArtifactLargerThanDeclaredIsAborted() throws Exception {
        ObjectNode a = publish("hello", "1.0.0", Kars.feature("hello", "1.0.0"), publisher);
        a.put("size", a.path("size").asLong() - 100);
        OtaRecord r = job().run(command(false, a));
        assertEquals(Phase.Failed, r.phase());
        assertTrue(r.reason().contains("not the declared"), r.reason());
        assertFalse(Files.list(dir.resolve("ota/downloads")).findAny().isPresent(), "the partial download is deleted");
    }

    @Test
    void namesWithShellMetacharactersOrTraversalNeverReachAnything() {
        for (String[] bad : new String[][] {{"../../etc", "1.0.0"}, {"hello;reboot", "1.0.0"}, {"hello", "1.0.0/../../x"}, {"$(id)", "1"}, {"hello", "1.0`id`"}}) {
            ObjectNode c = JSON.createObjectNode().put("uid", "u").put("revision", "ab");
            c.putArray("artifacts").addObject().put("name", bad[0]).put("version", bad[1]).put("sha256", "0".repeat(64)).put("size", 10).put("url", "/artifacts/x/1");
            try {
                UpdateJob.Command.parse("default/r", c, 1 << 20);
                throw new AssertionError("accepted " + String.join(" ", bad));
            } catch (IllegalArgumentException e) {
                assertTrue(e.getMessage().startsWith("invalid"), e.getMessage());
            }
        }
        ObjectNode c = JSON.createObjectNode().put("uid", "u").put("revision", "ab");
        c.putArray("artifacts").addObject().put("name", "hello").put("version", "1").put("sha256", "0".repeat(64)).put("size", 10).put("url", "file:///etc/passwd");
        try {
            UpdateJob.Command.parse("default/r", c, 1 << 20);
            throw new AssertionError("accepted a file: URL");
        } catch (IllegalArgumentException e) {
            assertTrue(e.getMessage().contains("https://"), e.getMessage());
        }
    }

    @Test
    void aRestartWhileInstallingRestoresThePreviousVersion() throws Exception {
        features.installed.put("hello", "1.0.0");
        // The state a crash during Installing leaves: journal says Installing, Karaf has the new version.
        ObjectNode j = JSON.createObjectNode().put("rollout", "default/hello-rollout").put("uid", "u-1").put("revision", "abc123").put("step", "Installing").put("started", 1);
        j.putArray("artifacts").addObject().put("name", "hello").put("version", "1.1.0").put("previous", "1.0.0");
        journal.write(j);
        features.installed.put("hello", "1.1.0");
        OtaRecord r = job().recover().orElseThrow();
        assertEquals(Phase.RolledBack, r.phase());
        assertTrue(r.reason().contains("restarted while Installing") && r.reason().contains("hello=1.0.0"), r.reason());
        assertEquals("1.0.0", features.installed.get("hello"));
        assertTrue(journal.read().isEmpty());
        assertEquals(List.of("RolledBack"), reports, "and reports which version it ended with");
    }

    @Test
    void aRestartWhileDownloadingChangesNothingAndResumes() throws Exception {
        ObjectNode j = JSON.createObjectNode().put("rollout", "default/hello-rollout").put("uid", "u-1").put("revision", "abc123").put("step", "Downloading").put("started", 1);
        j.putArray("artifacts").addObject().put("name", "hello").put("version", "1.1.0").put("previous", "");
        journal.write(j);
        OtaRecord r = job().recover().orElseThrow();
        assertEquals(Phase.Pending, r.phase());
        assertTrue(features.calls.isEmpty());
        assertTrue(job().recover().isEmpty(), "nothing left to recover");
    }
}
