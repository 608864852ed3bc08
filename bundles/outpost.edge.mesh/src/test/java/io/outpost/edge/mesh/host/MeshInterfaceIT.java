package io.outpost.edge.mesh.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The mesh interface with the real iproute2, inside a network namespace the test makes and removes
 * (so the host's own network is never touched). Needs root, as the mesh itself does; without it
 * the test fails saying so.
 */
class MeshInterfaceIT {
    private final String ns = "outpost-mesh-it-" + ProcessHandle.current().pid();

    private static void run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new IOException(String.join(" ", cmd) + ": " + out
                    + " (this test needs root and iproute2, like the mesh: run it as root)");
        }
    }

    @BeforeEach
    void makeNamespace() throws Exception {
        run("ip", "netns", "add", ns);
    }

    @AfterEach
    void removeNamespace() throws Exception {
        run("ip", "netns", "del", ns);
    }

    @Test
    void createsHoldsExactlyTheWantedAddressesAndRemovesEverything() throws Exception {
        MeshInterface m = new MeshInterface(List.of("ip", "netns", "exec", ns), "outpost-mesh0");
        assertFalse(m.exists());
        m.create();
        m.create(); // idempotent
        assertTrue(m.exists());
        m.sync(Set.of("169.254.96.16", "10.96.0.10", "10.96.0.11"));
        assertEquals(Set.of("169.254.96.16", "10.96.0.10", "10.96.0.11"), m.addresses());
        m.sync(Set.of("169.254.96.16", "10.96.0.12"));
        assertEquals(Set.of("169.254.96.16", "10.96.0.12"), m.addresses());
        assertThrows(IllegalArgumentException.class, () -> m.sync(Set.of("10.96.0.1; reboot")));
        m.remove();
        assertFalse(m.exists());
        m.remove(); // nothing to remove: no error
    }

    @Test
    void badNamesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new MeshInterface(List.of(), "a-name-that-is-too-long"));
        assertThrows(IllegalArgumentException.class, () -> new MeshInterface(List.of(), "bad name"));
    }
}
