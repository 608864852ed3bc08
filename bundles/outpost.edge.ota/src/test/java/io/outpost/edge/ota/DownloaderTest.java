package io.outpost.edge.ota;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DownloaderTest {
    @TempDir
    Path dir;

    private static byte[] data(int n) {
        byte[] b = new byte[n];
        new Random(n).nextBytes(b);
        return b;
    }

    private static Downloader downloader(int chunk) {
        return new Downloader(HttpClient.newHttpClient(), chunk, Duration.ofSeconds(10));
    }

    @Test
    void downloadsInRanges() throws Exception {
        try (RangeServer s = new RangeServer()) {
            byte[] f = data(100_000);
            s.files.put("/a", f);
            Path part = dir.resolve("a.part");
            downloader(16 * 1024).fetch(s.uri("/a"), part, f.length);
            assertArrayEquals(f, Files.readAllBytes(part));
            assertTrue(s.requests.get() >= 7, "ranges of 16 KiB: " + s.requests.get() + " requests");
        }
    }

    @Test
    void resumesWhereItStopped() throws Exception {
        try (RangeServer s = new RangeServer()) {
            byte[] f = data(50_000);
            s.files.put("/a", f);
            Path part = dir.resolve("a.part");
            Files.write(part, Arrays.copyOf(f, 20_000)); // what an interrupted attempt left
            int before = s.requests.get();
            downloader(1 << 20).fetch(s.uri("/a"), part, f.length);
            assertArrayEquals(f, Files.readAllBytes(part));
            assertTrue(s.requests.get() - before == 1, "one request for the remaining 30000 bytes");
        }
    }

    @Test
    void aBrokenConnectionLeavesWhatArrivedForTheNextAttempt() throws Exception {
        try (RangeServer s = new RangeServer()) {
            byte[] f = data(200_000);
            s.files.put("/a", f);
            s.breakAfter = 70_000;
            Path part = dir.resolve("a.part");
            assertThrows(IOException.class, () -> downloader(1 << 20).fetch(s.uri("/a"), part, f.length));
            long kept = Files.size(part);
            assertTrue(kept > 0 && kept < f.length, "kept " + kept);
            downloader(1 << 20).fetch(s.uri("/a"), part, f.length);
            assertArrayEquals(f, Files.readAllBytes(part));
        }
    }

    @Test
    void anArtifactLargerThanDeclaredIsAborted() throws Exception {
        try (RangeServer s = new RangeServer()) {
            byte[] f = data(50_000);
            s.files.put("/a", f);
            Path part = dir.resolve("a.part");
            var e = assertThrows(Downloader.DownloadException.class, () -> downloader(1 << 20).fetch(s.uri("/a"), part, 40_000));
            assertTrue(e.getMessage().contains("not the declared 40000"), e.getMessage());
            s.noRanges = true; // a server that ignores Range and sends it all
            Files.deleteIfExists(part);
            e = assertThrows(Downloader.DownloadException.class, () -> downloader(1 << 20).fetch(s.uri("/a"), part, 40_000));
            assertTrue(e.getMessage().contains("more than the declared size"), e.getMessage());
            assertTrue(Files.size(part) <= 40_000, "never more than declared on disk");
        }
    }

    @Test
    void serverErrorsSayWhat() throws Exception {
        try (RangeServer s = new RangeServer()) {
            var e = assertThrows(Downloader.DownloadException.class, () -> downloader(1 << 20).fetch(s.uri("/none"), dir.resolve("x.part"), 10));
            assertTrue(e.getMessage().contains("HTTP 404") && e.getMessage().contains("no such artifact"), e.getMessage());
            assertFalse(Files.exists(dir.resolve("y")));
        }
    }
}
