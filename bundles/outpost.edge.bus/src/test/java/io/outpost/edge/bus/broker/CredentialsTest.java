package io.outpost.edge.bus.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CredentialsTest {
    private static final byte[] SECRET = "s3cret".getBytes(StandardCharsets.UTF_8);

    @Test
    void plainAndHashedPasswords() throws Exception {
        String hash = HexFormat.of().formatHex(Credentials.sha256(SECRET));
        Credentials c = Credentials.parse(new String[] {"mapper:s3cret", "modbus:sha256:" + hash + ":plant/*,lab/t1"}, false);
        InetAddress lan = InetAddress.getByName("10.1.2.3");
        assertTrue(c.authenticate("c1", "mapper", SECRET, lan).isPresent());
        assertFalse(c.authenticate("c1", "mapper", "S3cret".getBytes(StandardCharsets.UTF_8), lan).isPresent());
        ClientIdentity m = c.authenticate("c2", "modbus", SECRET, lan).orElseThrow();
        assertEquals(Set.of("plant/*", "lab/t1"), m.devices());
        assertTrue(m.mayActFor("plant", "anything"));
        assertTrue(m.mayActFor("lab", "t1"));
        assertFalse(m.mayActFor("lab", "t2"));
        assertFalse(c.authenticate("c3", "nobody", SECRET, lan).isPresent());
    }

    @Test
    void anonymousOnlyOnLoopbackAndOnlyWhenAllowed() throws Exception {
        InetAddress lo = InetAddress.getLoopbackAddress();
        InetAddress lan = InetAddress.getByName("192.168.1.9");
        assertTrue(Credentials.parse(new String[0], true).authenticate("c", null, null, lo).isPresent());
        assertFalse(Credentials.parse(new String[0], true).authenticate("c", null, null, lan).isPresent());
        assertFalse(Credentials.parse(new String[0], false).authenticate("c", null, null, lo).isPresent());
    }

    @Test
    void malformedEntriesSayWhatToFix() {
        var e = assertThrows(IllegalArgumentException.class, () -> Credentials.parse(new String[] {"justaname"}, true));
        assertTrue(e.getMessage().contains("user:password"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Credentials.parse(new String[] {"u:sha256:abcd"}, true));
        assertTrue(e.getMessage().contains("64 hex digits"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Credentials.parse(new String[] {"u:p:t1"}, true));
        assertTrue(e.getMessage().contains("<namespace>/<name>"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Credentials.parse(new String[] {"u:p", "u:q"}, true));
        assertTrue(e.getMessage().contains("twice"), e.getMessage());
    }
}
