package io.outpost.edge.console.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PasswordTest {
    @TempDir
    Path dir;

    @Test
    void policyRefusesShortSameAndUserNamePasswords() {
        assertTrue(PasswordPolicy.check("karaf", "old", "short").orElseThrow().contains("at least 10"));
        assertTrue(PasswordPolicy.check("karaf", "samesamesame", "samesamesame").orElseThrow().contains("differ"));
        assertTrue(PasswordPolicy.check("administrator", "x", "Administrator").orElseThrow().contains("user name"));
        assertTrue(PasswordPolicy.check("karaf", "x", "has,a,comma!!").orElseThrow().contains("commas"));
        assertTrue(PasswordPolicy.check("karaf", "x", "a".repeat(129)).orElseThrow().contains("at most"));
        assertTrue(PasswordPolicy.check("karaf", "x", "a long enough one").isEmpty());
    }

    @Test
    void onlyThePasswordChosenInTheConsoleCountsAsChosen() throws Exception {
        PasswordRecords r = new PasswordRecords(dir.resolve("console/passwords.properties"));
        assertFalse(r.isChosen("karaf", "anything".toCharArray()), "nothing recorded yet");
        r.record("karaf", "correct horse battery".toCharArray());
        assertTrue(r.isChosen("karaf", "correct horse battery".toCharArray()));
        assertFalse(r.isChosen("karaf", "karaf".toCharArray()), "a password set elsewhere (a reset, a default) is not chosen");
        assertFalse(r.isChosen("other", "correct horse battery".toCharArray()));
        Path f = dir.resolve("console/passwords.properties");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
        assertFalse(Files.readString(f).contains("correct horse"), "only a salted hash is stored");
        assertTrue(new PasswordRecords(f).isChosen("karaf", "correct horse battery".toCharArray()), "kept across restarts");
    }

    @Test
    void aCorruptRecordMeansNotChosen() throws Exception {
        Path f = dir.resolve("p.properties");
        Files.writeString(f, "karaf=garbage\nother=@@@:###\n");
        PasswordRecords r = new PasswordRecords(f);
        assertFalse(r.isChosen("karaf", "x".toCharArray()));
        assertFalse(r.isChosen("other", "x".toCharArray()));
    }
}
