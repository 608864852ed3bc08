package io.outpost.edge.console.config;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MetatypeValidatorTest {
    private static FieldDef f(String id, FieldDef.Type t, int card, String min, String max, List<String> options) {
        return new FieldDef(id, id, "", t, card, min, max, options, options, List.of());
    }

    private final ComponentDef def = new ComponentDef("io.test", "Test", "", "test.bundle", List.of(
            f("port", FieldDef.Type.INTEGER, 0, "1", "65535", List.of()),
            f("ratio", FieldDef.Type.DOUBLE, 0, "0", "1", List.of()),
            f("big", FieldDef.Type.LONG, 0, null, null, List.of()),
            f("small", FieldDef.Type.BYTE, 0, null, null, List.of()),
            f("enabled", FieldDef.Type.BOOLEAN, 0, null, null, List.of()),
            f("mode", FieldDef.Type.STRING, 0, null, null, List.of("fast", "safe")),
            f("name", FieldDef.Type.STRING, 0, "2", "5", List.of()),
            f("labels", FieldDef.Type.STRING, 10, null, null, List.of()),
            f("ports", FieldDef.Type.INTEGER, -2, "1", null, List.of()),
            f("secret", FieldDef.Type.PASSWORD, 0, null, null, List.of()),
            f("sep", FieldDef.Type.CHARACTER, 0, null, null, List.of())));

    private Validation v(Object... kv) {
        Map<String, Object> m = new HashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return MetatypeValidator.validate(def, m);
    }

    @Test
    void convertsToTheMetatypeTypes() {
        Validation r = v("port", "8443", "ratio", 0.5, "big", "9000000000", "small", 7, "enabled", "true", "mode", "safe", "name", "abc",
                "labels", List.of("a", "b"), "ports", "80\n443", "secret", "s3cret", "sep", ";");
        assertTrue(r.ok(), () -> r.errors().toString());
        assertEquals(8443, r.values().get("port"));
        assertEquals(0.5, r.values().get("ratio"));
        assertEquals(9_000_000_000L, r.values().get("big"));
        assertEquals((byte) 7, r.values().get("small"));
        assertEquals(Boolean.TRUE, r.values().get("enabled"));
        assertArrayEquals(new String[] {"a", "b"}, (String[]) r.values().get("labels"));
        assertArrayEquals(new Integer[] {80, 443}, (Integer[]) r.values().get("ports"));
        assertEquals(';', r.values().get("sep"));
    }

    @Test
    void typeErrorsSayWhatIsExpected() {
        Validation r = v("port", "abc", "ratio", "x", "enabled", "yes", "big", "1.5", "sep", "ab");
        assertFalse(r.ok());
        assertEquals("must be a whole number, not 'abc'", r.errors().get("port"));
        assertEquals("must be a number, not 'x'", r.errors().get("ratio"));
        assertEquals("must be true or false, not 'yes'", r.errors().get("enabled"));
        assertEquals("must be a whole number, not '1.5'", r.errors().get("big"));
        assertEquals("must be exactly one character", r.errors().get("sep"));
        assertTrue(r.values().isEmpty() || !r.values().containsKey("port"));
    }

    @Test
    void rangesAreEnforced() {
        assertEquals("must be at least 1", v("port", "0").errors().get("port"));
        assertEquals("must be at most 65535", v("port", 70000).errors().get("port"));
        assertEquals("must be at most 1", v("ratio", "1.01").errors().get("ratio"));
        assertEquals("must be between -128 and 127", v("small", 300).errors().get("small"));
        assertEquals("must be between -2147483648 and 2147483647", v("ports", List.of("99999999999")).errors().get("ports").replace("value 1: ", ""));
        assertEquals("must have at least 2 characters", v("name", "a").errors().get("name"));
        assertEquals("must have at most 5 characters", v("name", "abcdef").errors().get("name"));
        assertTrue(v("port", "1").ok());
        assertTrue(v("port", "65535").ok());
    }

    @Test
    void optionsAndCardinalityAreEnforced() {
        assertEquals("must be one of fast, safe", v("mode", "turbo").errors().get("mode"));
        assertEquals("takes at most 2 values, got 3", v("ports", List.of(1, 2, 3)).errors().get("ports"));
        assertEquals("value 2: must be at least 1", v("ports", List.of(1, 0)).errors().get("ports"));
        assertEquals("takes one value, not a list", v("port", List.of(1)).errors().get("port"));
    }

    @Test
    void everyFieldIsReportedAndUnknownOnesAreRefused() {
        Validation r = v("port", "x", "mode", "y", "nosuch", 1);
        assertEquals(3, r.errors().size());
        assertEquals("not a setting of io.test", r.errors().get("nosuch"));
    }

    @Test
    void emptyOrNullMeansUnsetForNonStrings() {
        Validation r = v("port", "", "name", "", "big", null);
        assertTrue(r.values().containsKey("port"));
        assertNull(r.values().get("port"));
        assertNull(r.values().get("big"));
        assertEquals("must have at least 2 characters", r.errors().get("name"), "an empty string is a value for strings");
    }

    @Test
    void aBoundThatIsNotANumberIsIgnoredRatherThanBlamedOnTheValue() {
        ComponentDef odd = new ComponentDef("io.odd", "Odd", "", "b", List.of(f("n", FieldDef.Type.INTEGER, 0, "${low}", "ten", List.of())));
        assertTrue(MetatypeValidator.validate(odd, Map.of("n", "5")).ok());
    }

    @Test
    void hugeValuesAreRefused() {
        assertTrue(v("mode", "x".repeat(MetatypeValidator.MAX_STRING + 1)).errors().get("mode").contains("longer than"));
    }
}
