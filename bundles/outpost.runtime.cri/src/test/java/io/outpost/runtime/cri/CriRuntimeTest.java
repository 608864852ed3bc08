package io.outpost.runtime.cri;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.outpost.runtime.api.ContainerRuntimeException;
import io.outpost.runtime.api.ContainerRuntimeException.Category;
import io.outpost.runtime.api.RuntimeHealth;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the runtime does without a containerd: clear errors and a health that says why. */
class CriRuntimeTest {
    @TempDir
    Path dir;

    CriRuntime runtime(Path socket) {
        return new CriRuntime(new CriRuntime.Settings(socket, Duration.ofSeconds(1), Duration.ofSeconds(2), 1 << 20));
    }

    @Test
    void aMissingSocketIsUnavailableNamingTheSocket() {
        Path socket = dir.resolve("containerd.sock");
        try (CriRuntime runtime = runtime(socket)) {
            ContainerRuntimeException e = assertThrows(ContainerRuntimeException.class, runtime::version);
            assertEquals(Category.UNAVAILABLE, e.category());
            assertTrue(e.getMessage().startsWith("Version: ") && e.getMessage().contains(socket.toString()), e.getMessage());

            RuntimeHealth health = runtime.health();
            assertFalse(health.ready());
            assertEquals("RuntimeUnreachable", health.conditions().get(0).reason());
            assertTrue(health.problems().contains(socket.toString()), health.problems());
        }
    }

    @Test
    void callerBugsAreRefusedBeforeAnyCall() {
        try (CriRuntime runtime = runtime(dir.resolve("containerd.sock"))) {
            assertThrows(IllegalArgumentException.class, () -> runtime.stopContainer("c", Duration.ofSeconds(-1)));
            assertThrows(IllegalArgumentException.class, () -> runtime.execSync("c", List.of(), Duration.ofSeconds(1)));
            assertThrows(IllegalArgumentException.class, () -> runtime.containerStatus(" "));
            assertThrows(NullPointerException.class, () -> runtime.podSandboxStatus(null));
        }
    }

    @Test
    void settingsAreChecked() {
        assertThrows(IllegalArgumentException.class,
                () -> new CriRuntime.Settings(dir, Duration.ZERO, Duration.ofSeconds(1), 1 << 20));
        assertThrows(IllegalArgumentException.class,
                () -> new CriRuntime.Settings(dir, Duration.ofSeconds(1), Duration.ofSeconds(1), 10));
    }
}
