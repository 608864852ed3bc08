package io.outpost.edge.console.osgi;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class KarafFeaturesTest {
    @Test
    void theUpdateIsTheHighestVersionAboveTheInstalledOne() {
        assertEquals(Optional.of("1.10.0"), KarafFeatures.newer("1.1.0", List.of("1.2.0", "1.10.0", "1.9.0", "1.0.0")),
                "compared as versions, not as text (1.10 > 1.9)");
        assertEquals(Optional.of("1.1.0"), KarafFeatures.newer("1.0.0", List.of("1.0.0", "1.1.0")));
        assertEquals(Optional.of("2.0.0.rc1"), KarafFeatures.newer("2.0.0", List.of("2.0.0.rc1")), "a qualifier sorts above the bare version in OSGi");
        assertEquals(Optional.of("1.2"), KarafFeatures.newer("1.1.9", List.of("1.2")), "short forms count");
    }

    @Test
    void nothingOlderSameOrUnparseableIsOffered() {
        assertEquals(Optional.empty(), KarafFeatures.newer("1.1.0", List.of("1.0.0", "1.1.0", "0.9")));
        assertEquals(Optional.empty(), KarafFeatures.newer("1.1.0", List.of("latest", "2.x.0")), "not OSGi versions");
        assertEquals(Optional.empty(), KarafFeatures.newer("1.1.0", List.of()));
        assertEquals(Optional.of("1.2.0"), KarafFeatures.newer("1.1.0", List.of("garbage", "1.2.0")));
    }
}
