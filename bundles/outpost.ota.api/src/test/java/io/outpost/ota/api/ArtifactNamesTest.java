package io.outpost.ota.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ArtifactNamesTest {
    @ParameterizedTest
    @ValueSource(strings = {"hello", "outpost-mapper-modbus", "a.b_c-1", "X"})
    void goodNames(String n) {
        assertEquals(n, ArtifactNames.requireName(n));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "../etc", "a/b", "a\\b", "..", "a..b", "-rf", ".hidden", "a;reboot", "a$(id)", "a`id`", "a b", "a|b", "a&b",
        "a\nb", "a'b", "a\"b", "a>b", "a*", "~root", "é"})
    void badNames(String n) {
        var e = assertThrows(IllegalArgumentException.class, () -> ArtifactNames.requireName(n));
        assertTrue(e.getMessage().contains("use letters, digits"), e.getMessage());
    }

    @Test
    void longNamesAreRefused() {
        ArtifactNames.requireName("a".repeat(128));
        assertThrows(IllegalArgumentException.class, () -> ArtifactNames.requireName("a".repeat(129)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"1", "1.0", "1.2.3", "1.2.3.SNAPSHOT", "0.1.0.rc-1"})
    void goodVersions(String v) {
        assertEquals(v, ArtifactNames.requireVersion(v));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "v1", "1.2.3.4.5", "1..2", "01.0", "1.0;rm", "1.0/../..", "1.2.3.a.b", "1.0 ", "1.2.3.$(id)"})
    void badVersions(String v) {
        assertThrows(IllegalArgumentException.class, () -> ArtifactNames.requireVersion(v));
    }

    @Test
    void versionsCompareAsOsgiDoes() {
        assertTrue(ArtifactNames.compareVersions("1.10.0", "1.9.0") > 0);
        assertTrue(ArtifactNames.compareVersions("1.0", "1.0.0") == 0);
        assertTrue(ArtifactNames.compareVersions("1.0.0", "1.0.0.a") < 0);
        assertTrue(ArtifactNames.compareVersions("2", "1.99.99") > 0);
    }

    @Test
    void digestsAreHex() {
        ArtifactNames.requireSha256("0".repeat(64));
        assertThrows(IllegalArgumentException.class, () -> ArtifactNames.requireSha256("G".repeat(64)));
        assertThrows(IllegalArgumentException.class, () -> ArtifactNames.requireSha256("0".repeat(63)));
    }
}
