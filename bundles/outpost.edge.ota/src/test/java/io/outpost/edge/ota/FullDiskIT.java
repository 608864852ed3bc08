package io.outpost.edge.ota;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.outpost.ota.api.ArtifactSignature;
import io.outpost.ota.api.OtaRecord;
import io.outpost.ota.api.Phase;
import java.io.IOException;
import java.io.OutputStream;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A genuinely full disk in the middle of a download: a 4 MiB tmpfs mounted over the agent's
 * download folder (needs root, as CI runs; never skipped), enough room when the update checks
 * its free space, then filled by "another process" after the first range arrived. The update
 * must end Failed with a reason that says so, leave no partial file, and change nothing.
 */
class FullDiskIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;
    Path downloads;
    RangeServer server;
    boolean mounted;

    @BeforeEach
    void mountSmallDisk() throws Exception {
        downloads = Files.createDirectories(dir.resolve("ota/downloads"));
        Process p = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=4m", "outpost-ota-it", downloads.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0,
                "mounting a 4 MiB tmpfs over " + downloads + " failed (" + out.trim() + "): this test needs root, as .ci/run has");
        mounted = true;
        server = new RangeServer();
    }

    @AfterEach
    void unmount() throws Exception {
        if (server != null) {
            server.close();
        }
        if (mounted) {
            new ProcessBuilder("umount", "-l", downloads.toString()).inheritIO().start().waitFor(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void aDiskThatFillsUpMidDownloadFailsTheUpdateAndLeavesNothingBehind() throws Exception {
        KeyPair publisher = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        // 512 KiB of noise in the KAR, so it does not compress: eight 64 KiB ranges.
        byte[] noise = new byte[512 * 1024];
        new Random(7).nextBytes(noise);
        Map<String, byte[]> entries = new LinkedHashMap<>();
        String base = "repository/io/outpost/examples/hello/1.1.0/";
        entries.put(base + "hello-1.1.0-features.xml", ("<features xmlns=\"http://karaf.apache.org/xmlns/features/v1.6.0\" name=\"h\"><feature name=\"hello\" "
                + "version=\"1.1.0\"><bundle>mvn:io.outpost.examples/hello/1.1.0</bundle></feature></features>").getBytes());
        entries.put(base + "hello-1.1.0.jar", noise);
        byte[] kar = Kars.zip(entries);
        server.files.put("/artifacts/hello/1.1.0", kar);
        String sha = ArtifactSignature.sha256(kar);
        ObjectNode c = JSON.createObjectNode().put("uid", "u-1").put("revision", "abc123");
        c.putArray("artifacts").addObject().put("name", "hello").put("version", "1.1.0").put("sha256", sha).put("size", kar.length)
                .put("signature", ArtifactSignature.sign(publisher.getPrivate(), "hello", "1.1.0", sha, kar.length)).put("url", "/artifacts/hello/1.1.0");
        UpdateJob.Command cmd = UpdateJob.Command.parse("default/hello", c, 1 << 24);

        // After the first range: another process takes every byte left on the disk.
        server.beforeSecondRequest = () -> {
            try (OutputStream o = Files.newOutputStream(downloads.resolve("filler"))) {
                byte[] buf = new byte[64 * 1024];
                while (true) {
                    o.write(buf);
                }
            } catch (IOException full) {
                // the disk is full now
            }
        };
        UpdateJobTest.InMemoryFeatures features = new UpdateJobTest.InMemoryFeatures();
        features.installed.put("hello", "1.0.0");
        List<String> reports = new ArrayList<>();
        UpdateJob job = new UpdateJob(new UpdateJob.Settings(dir.resolve("ota"), server.uri("/"), 0, 1 << 24, Duration.ofSeconds(2)),
                new Downloader(HttpClient.newHttpClient(), 64 * 1024, Duration.ofSeconds(5)), () -> List.of(publisher.getPublic()), features,
                new UpdateJobTest.InMemoryJournal(), (x, phase, reason, millis) -> reports.add(phase.name()));
        OtaRecord r = job.run(cmd);

        assertEquals(Phase.Failed, r.phase(), r.reason());
        assertTrue(r.reason().contains("No space left on device") && r.reason().contains("the partial download was deleted")
                && r.reason().contains("the installed version stays"), r.reason());
        assertTrue(server.requests.get() >= 2, "the space check passed and the download had started");
        try (var l = Files.list(downloads)) {
            assertEquals(List.of("filler"), l.map(p -> p.getFileName().toString()).toList(), "no .part or .kar left behind");
        }
        assertEquals("1.0.0", features.installed.get("hello"), "the old version stays");
        assertFalse(features.calls.stream().anyMatch(x -> x.startsWith("install")), "nothing was installed");
        assertFalse(Files.exists(dir.resolve("ota/repo")) && Files.list(dir.resolve("ota/repo")).findAny().isPresent(), "nothing was unpacked");
        assertEquals(List.of("Downloading", "Failed"), reports);
    }
}
