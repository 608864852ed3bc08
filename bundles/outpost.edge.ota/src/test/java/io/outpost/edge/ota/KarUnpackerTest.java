package io.outpost.edge.ota;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KarUnpackerTest {
    @TempDir
    Path dir;

    private Path write(byte[] b) throws IOException {
        Path f = dir.resolve("a.kar");
        Files.write(f, b);
        return f;
    }

    @Test
    void bundlesInTheArchivePointAtTheUnpackedJarsOthersStayMaven() throws Exception {
        Path kar = write(Kars.feature("hello", "1.0.0", "mvn:io.outpost/outpost.hub.api/0.1.0-SNAPSHOT"));
        KarUnpacker.Unpacked u = KarUnpacker.unpack(kar, dir.resolve("out"), 1 << 20, "hello", "1.0.0");
        assertTrue(u.declaresFeature());
        assertEquals(1, u.repositories().size());
        String xml = Files.readString(Path.of(u.repositories().get(0)));
        Path jar = dir.resolve("out/repository/io/outpost/examples/hello/1.0.0/hello-1.0.0.jar").toAbsolutePath();
        assertTrue(xml.contains(jar.toUri().toString()), xml);
        assertTrue(xml.contains("mvn:io.outpost/outpost.hub.api/0.1.0-SNAPSHOT"), xml);
        assertFalse(KarUnpacker.unpack(kar, dir.resolve("out"), 1 << 20, "hello", "2.0.0").declaresFeature());
    }

    @Test
    void entriesOutsideTheFolderAreRefused() throws Exception {
        for (String evil : new String[] {"repository/../../evil.jar", "repository/a/../../../evil", "/repository/x"}) {
            Path kar = write(Kars.zip(Map.of(evil, new byte[] {1}, "repository/f.xml", "<features/>".getBytes())));
            Path out = dir.resolve("out");
            IOException e = assertThrows(IOException.class, () -> KarUnpacker.unpack(kar, out, 1 << 20, "x", "1"), evil);
            assertTrue(e.getMessage().contains("outside"), e.getMessage());
            assertFalse(Files.exists(dir.resolve("evil.jar")));
            assertFalse(Files.exists(dir.getParent().resolve("evil")));
        }
    }

    @Test
    void aZipBombStopsAtTheCap() throws Exception {
        Path kar = write(Kars.zip(Map.of("repository/big.bin", new byte[2 << 20], "repository/f.xml", "<features/>".getBytes())));
        assertTrue(assertThrows(IOException.class, () -> KarUnpacker.unpack(kar, dir.resolve("out"), 1 << 20, "x", "1")).getMessage().contains("more than"));
    }

    @Test
    void doctypesAndExternalEntitiesAreRefused() throws Exception {
        String xxe = "<?xml version=\"1.0\"?><!DOCTYPE f [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><features>&x;</features>";
        Path kar = write(Kars.zip(Map.of("repository/f.xml", xxe.getBytes(StandardCharsets.UTF_8))));
        assertTrue(assertThrows(IOException.class, () -> KarUnpacker.unpack(kar, dir.resolve("out"), 1 << 20, "x", "1")).getMessage().contains("not valid XML"));
    }

    @Test
    void noFeaturesXmlSaysSo() throws Exception {
        Path kar = write(Kars.zip(Map.of("repository/a.jar", new byte[] {1})));
        assertTrue(assertThrows(IOException.class, () -> KarUnpacker.unpack(kar, dir.resolve("out"), 1 << 20, "x", "1")).getMessage().contains("no features XML"));
    }

    @Test
    void mavenLocationsMapIntoTheRepositoryOnly() {
        Path repo = dir.resolve("repository");
        assertEquals(repo.resolve("g/h/a/1/a-1.jar"), KarUnpacker.mavenPath(repo, "mvn:g.h/a/1"));
        assertEquals(repo.resolve("g/a/1/a-1-features.xml"), KarUnpacker.mavenPath(repo, "mvn:g/a/1/xml/features"));
        assertNull(KarUnpacker.mavenPath(repo, "mvn:../a/1"));
        assertNull(KarUnpacker.mavenPath(repo, "mvn:http://evil!g/a/1"));
        assertNull(KarUnpacker.mavenPath(repo, "file:/etc/passwd"));
        assertNull(KarUnpacker.mavenPath(repo, "mvn:g/a;x/1"));
    }
}
