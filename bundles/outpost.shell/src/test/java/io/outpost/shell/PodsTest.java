package io.outpost.shell;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class PodsTest {
    @Test
    void agesAsKubectlPrintsThem() {
        assertEquals("0s", Pods.age(Duration.ZERO));
        assertEquals("119s", Pods.age(Duration.ofSeconds(119)));
        assertEquals("2m", Pods.age(Duration.ofSeconds(120)));
        assertEquals("119m", Pods.age(Duration.ofMinutes(119)));
        assertEquals("2h", Pods.age(Duration.ofHours(2)));
        assertEquals("47h", Pods.age(Duration.ofHours(47)));
        assertEquals("2d", Pods.age(Duration.ofHours(48)));
        assertEquals("0s", Pods.age(Duration.ofSeconds(-5)), "a clock ahead of the pod's creation");
    }

    @Test
    void podNames() {
        assertArrayEquals(new String[] {"default", "web"}, Pods.split("web"));
        assertArrayEquals(new String[] {"apps", "web"}, Pods.split("apps/web"));
        for (String bad : new String[] {"/web", "apps/", "a/b/c"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Pods.split(bad));
            assertTrue(e.getMessage().contains("outpost:pods"), e.getMessage());
        }
    }
}
