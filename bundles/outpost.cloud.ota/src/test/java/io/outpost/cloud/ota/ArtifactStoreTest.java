package io.outpost.cloud.ota;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.outpost.hub.api.CloudHttpRoute;
import io.outpost.ota.api.Artifact;
import io.outpost.ota.api.ArtifactSignature;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ArtifactStoreTest {
    @TempDir
    Path dir;

    private Path kar(String name, int padding) throws Exception {
        Path f = dir.resolve(name + ".kar");
        try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(f))) {
            z.putNextEntry(new ZipEntry("repository/x/" + name + "/1.0.0/" + name + "-1.0.0-features.xml"));
            z.write("<features/>".getBytes());
            z.putNextEntry(new ZipEntry("repository/x/" + name + "/1.0.0/pad.bin"));
            byte[] pad = new byte[padding];
            new java.util.Random(1).nextBytes(pad);
            z.write(pad);
        }
        return f;
    }

    private static CloudHttpRoute.Request get(String path, String node, String range) {
        return new CloudHttpRoute.Request("GET", path, range == null ? Map.of() : Map.of("range", range), node);
    }

    @Test
    void publishesSignsAndServesInRanges() throws Exception {
        KeyPair k = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        ArtifactStore store = new ArtifactStore(dir.resolve("repo"), 1 << 20, 64 * 1024);
        Path f = kar("hello", 100_000);
        Artifact a = store.publish(f, "hello", "1.0.0", k.getPrivate(), "id");
        assertEquals(ArtifactSignature.sha256(Files.readAllBytes(f)), a.sha256());
        ArtifactSignature.verify(List.of(k.getPublic()), "hello", "1.0.0", a.sha256(), a.size(), a.signature());
        assertEquals("/artifacts/hello/1.0.0", a.path());

        assertEquals(401, store.serve(get(a.path(), null, null)).status(), "no client certificate, no artifact");
        assertEquals(413, store.serve(get(a.path(), "gw", null)).status(), "larger than one response: use ranges");
        var r = store.serve(get(a.path(), "gw", "bytes=10-"));
        assertEquals(206, r.status());
        assertEquals(64 * 1024, r.body().length, "capped at maxResponseBytes");
        assertEquals("bytes 10-65545/" + a.size(), r.headers().get("Content-Range"));
        assertArrayEquals(Arrays.copyOfRange(Files.readAllBytes(f), 10, 10 + 64 * 1024), r.body());
        assertEquals(416, store.serve(get(a.path(), "gw", "bytes=" + a.size() + "-")).status());
        assertEquals(400, store.serve(get(a.path(), "gw", "bytes=1-2,5-6")).status());
        assertEquals(404, store.serve(get("/artifacts/hello/2.0.0", "gw", null)).status());
        assertEquals(400, store.serve(get("/artifacts/../1.0.0", "gw", null)).status());
        assertEquals(404, store.serve(get("/artifacts/a/b/c", "gw", null)).status());

        // durable: a new store over the same folder knows it
        assertEquals(a, new ArtifactStore(dir.resolve("repo"), 1 << 20, 64 * 1024).find("hello", "1.0.0").orElseThrow());
    }

    @Test
    void refusesBadInputSayingWhatToFix() throws Exception {
        ArtifactStore store = new ArtifactStore(dir.resolve("repo"), 200_000, 64 * 1024);
        Path f = kar("hello", 10);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> store.publish(f, "../hello", "1.0.0", null, "")).getMessage().contains("invalid artifact name"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> store.publish(f, "hello", "1.0;rm", null, "")).getMessage().contains("invalid version"));
        Path notZip = dir.resolve("x.kar");
        Files.writeString(notZip, "hello");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> store.publish(notZip, "hello", "1.0.0", null, "")).getMessage().contains("features XML"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> store.publish(kar("big", 300_000), "big", "1.0.0", null, "")).getMessage().contains("at most"));
        store.publish(f, "hello", "1.0.0", null, "");
        store.publish(f, "hello", "1.0.0", null, ""); // same bytes again: fine
        Path other = kar("hello", 20);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> store.publish(other, "hello", "1.0.0", null, "")).getMessage().contains("already published"));
        assertTrue(store.delete("hello", "1.0.0"));
        store.publish(other, "hello", "1.0.0", null, "");
    }
}
