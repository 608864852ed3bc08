package io.outpost.mapper.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConfigFieldsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode json(String s) throws Exception {
        return JSON.readTree(s);
    }

    @Test
    void textTrimsValuesAndIgnoresObjects() throws Exception {
        JsonNode n = json("{\"a\":\" x \",\"b\":5,\"c\":{\"d\":1}}");
        assertEquals("x", ConfigFields.text(n, "a"));
        assertEquals("5", ConfigFields.text(n, "b"));
        assertEquals("", ConfigFields.text(n, "c"));
        assertEquals("", ConfigFields.text(n, "missing"));
    }

    @Test
    void lenientBoolIsTrueOnlyForTrue() throws Exception {
        JsonNode n = json("{\"a\":true,\"b\":\"TRUE\",\"c\":\"yes\",\"d\":false}");
        assertTrue(ConfigFields.bool(n, "a"));
        assertTrue(ConfigFields.bool(n, "b"));
        assertFalse(ConfigFields.bool(n, "c"));
        assertFalse(ConfigFields.bool(n, "d"));
        assertFalse(ConfigFields.bool(n, "missing"));
    }

    @Test
    void strictBoolReportsOtherText() throws Exception {
        JsonNode n = json("{\"a\":\"False\",\"b\":\"yes\"}");
        List<String> problems = new ArrayList<>();
        assertFalse(ConfigFields.bool(n, "a", true, "w", problems));
        assertTrue(ConfigFields.bool(n, "b", true, "w", problems));
        assertTrue(ConfigFields.bool(n, "missing", true, "w", problems));
        assertEquals(List.of("w.b 'yes' is not true or false"), problems);
    }

    @Test
    void integerTakesNumbersAndStringsAndReportsAllProblems() throws Exception {
        JsonNode n = json("{\"a\":\"5020\",\"b\":7,\"c\":\"x\",\"d\":70000,\"e\":1.5,\"f\":\"\"}");
        List<String> problems = new ArrayList<>();
        assertEquals(5020, ConfigFields.integer(n, "a", 1, 1, 65535, "w", problems));
        assertEquals(7, ConfigFields.integer(n, "b", 1, 1, 65535, "w", problems));
        assertEquals(1, ConfigFields.integer(n, "c", 1, 1, 65535, "w", problems));
        assertEquals(1, ConfigFields.integer(n, "d", 1, 1, 65535, "w", problems, " (a TCP port)"));
        assertEquals(1, ConfigFields.integer(n, "e", 1, 1, 65535, "w", problems));
        assertEquals(9, ConfigFields.integer(n, "f", 9, 1, 65535, "w", problems));
        assertEquals(List.of("w.c 'x' is not a whole number", "w.d 70000 is outside 1..65535 (a TCP port)",
                "w.e '1.5' is not a whole number"), problems);
    }

    @Test
    void numberRejectsTextAndNonFinite() throws Exception {
        JsonNode n = json("{\"a\":\"0.5\",\"b\":2,\"c\":\"NaN\",\"d\":\"abc\"}");
        List<String> problems = new ArrayList<>();
        assertEquals(0.5, ConfigFields.number(n, "a", 1, "w", problems));
        assertEquals(2, ConfigFields.number(n, "b", 1, "w", problems));
        assertEquals(1, ConfigFields.number(n, "c", 1, "w", problems));
        assertEquals(1, ConfigFields.number(n, "d", 1, "w", problems));
        assertEquals(3, ConfigFields.number(n, "missing", 3, "w", problems));
        assertEquals(List.of("w.c 'NaN' is not a number", "w.d 'abc' is not a number"), problems);
    }
}
