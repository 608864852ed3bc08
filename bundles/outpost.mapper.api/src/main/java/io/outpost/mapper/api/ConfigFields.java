package io.outpost.mapper.api;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Locale;

/**
 * Readers for the fields of a device's {@code spec.protocol.configData} and its properties'
 * {@code visitors.configData}. Every mapper validates these KubeEdge shapes the same way: a field
 * may come as a JSON value or as a string (KubeEdge writes numbers both ways), an absent or empty
 * field takes its default, and a bad one adds a message that names the field and says what to fix
 * to {@code problems} instead of throwing, so that the user sees all problems of a device at once.
 * Each message starts with {@code where}, for example {@code "spec.protocol.configData"}.
 */
public final class ConfigFields {
    private ConfigFields() {
    }

    /** @return the field's value as trimmed text, or "" when it is absent or not a single value */
    public static String text(JsonNode n, String field) {
        JsonNode f = n.path(field);
        return f.isValueNode() ? f.asText("").trim() : "";
    }

    /** @return true for JSON true or the text "true" (any case), false for anything else, absent included */
    public static boolean bool(JsonNode n, String field) {
        JsonNode f = n.path(field);
        return f.isBoolean() ? f.booleanValue() : "true".equalsIgnoreCase(f.asText(""));
    }

    /**
     * A strict boolean: JSON true/false or the text "true"/"false" (any case); anything else is a
     * problem.
     *
     * @return the value, or {@code dflt} when the field is absent, empty or bad
     */
    public static boolean bool(JsonNode n, String field, boolean dflt, String where, List<String> problems) {
        JsonNode f = n.path(field);
        if (absent(f)) {
            return dflt;
        }
        if (f.isBoolean()) {
            return f.booleanValue();
        }
        return switch (f.asText().trim().toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> {
                problems.add(where + "." + field + " '" + f.asText() + "' is not true or false");
                yield dflt;
            }
        };
    }

    /**
     * A whole number in {@code min..max}, from a JSON number or a string.
     *
     * @return the value, or {@code dflt} when the field is absent, empty or bad
     */
    public static int integer(JsonNode n, String field, int dflt, int min, int max, String where, List<String> problems) {
        return integer(n, field, dflt, min, max, where, problems, "");
    }

    /**
     * As {@link #integer(JsonNode, String, int, int, int, String, List)}, with {@code hint}
     * appended to a problem's message (for example the unit the field is in).
     */
    public static int integer(JsonNode n, String field, int dflt, int min, int max, String where, List<String> problems, String hint) {
        JsonNode f = n.path(field);
        if (absent(f)) {
            return dflt;
        }
        long v;
        try {
            v = f.isNumber() && f.canConvertToExactIntegral() ? f.asLong() : Long.parseLong(f.asText().trim());
        } catch (NumberFormatException e) {
            problems.add(where + "." + field + " '" + f.asText() + "' is not a whole number" + hint);
            return dflt;
        }
        if (v < min || v > max) {
            problems.add(where + "." + field + " " + v + " is outside " + min + ".." + max + hint);
            return dflt;
        }
        return (int) v;
    }

    /**
     * A finite number, from a JSON number or a string.
     *
     * @return the value, or {@code dflt} when the field is absent, empty or bad
     */
    public static double number(JsonNode n, String field, double dflt, String where, List<String> problems) {
        JsonNode f = n.path(field);
        if (absent(f)) {
            return dflt;
        }
        try {
            double d = f.isNumber() ? f.asDouble() : Double.parseDouble(f.asText().trim());
            if (Double.isFinite(d)) {
                return d;
            }
        } catch (NumberFormatException e) {
            // NaN, infinities and text are all reported the same way below
        }
        problems.add(where + "." + field + " '" + f.asText() + "' is not a number");
        return dflt;
    }

    private static boolean absent(JsonNode f) {
        return f.isMissingNode() || f.isNull() || f.asText("").isEmpty();
    }
}
