package io.outpost.edge.localapi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CredentialsTest {
    @Test
    void tokenIsMadeOnceOwnerOnlyAndKept(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("localapi/token");
        Credentials first = Credentials.loadOrCreate(file);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent())));
        assertEquals(43, first.token().length());
        Credentials again = Credentials.loadOrCreate(file);
        assertEquals(first.token(), again.token(), "a restart keeps the token");
        assertTrue(again.accepts("Bearer " + first.token()));
        assertTrue(again.accepts("bearer " + first.token()));
        assertFalse(again.accepts("Bearer " + first.token() + "x"));
        assertFalse(again.accepts(null));
        assertFalse(again.accepts("Bearer "));
    }

    @Test
    void kubeconfigIsOwnerOnlyAndCarriesServerAndToken(@TempDir Path dir) throws Exception {
        Credentials c = Credentials.loadOrCreate(dir.resolve("token"));
        Path kc = dir.resolve("kubeconfig");
        c.writeKubeconfig(kc, "https://127.0.0.1:10550", "-----BEGIN CERTIFICATE-----\n", "gateway-1");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(kc)));
        String text = Files.readString(kc);
        assertTrue(text.contains("server: https://127.0.0.1:10550"));
        assertTrue(text.contains("certificate-authority-data: LS0tLS1CRUdJTi"));
        assertTrue(text.contains("token: " + c.token()));
        assertTrue(text.contains("current-context: outpost-local-gateway-1"));
        c.writeKubeconfig(kc, "https://127.0.0.1:10551", "x", "");
        assertTrue(Files.readString(kc).contains("10551"), "rewritten in place");
    }

    @Test
    void aDamagedTokenFileSaysWhatToDo(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("token");
        Files.writeString(file, "not a token!");
        IOException e = assertThrows(IOException.class, () -> Credentials.loadOrCreate(file));
        assertTrue(e.getMessage().contains("delete it"));
        Files.writeString(file, "x".repeat(5000));
        assertThrows(IOException.class, () -> Credentials.loadOrCreate(file));
    }
}
