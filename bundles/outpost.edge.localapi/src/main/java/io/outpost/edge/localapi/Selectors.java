package io.outpost.edge.localapi;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * Label and field selectors of list and watch requests: the equality forms Kubernetes clients
 * use ({@code k=v}, {@code k==v}, {@code k!=v}, and for labels also {@code k} and {@code !k}),
 * joined by commas. Set-based label forms ({@code in}, {@code notin}) are refused with a message,
 * never ignored: an app would otherwise see objects it did not ask for.
 */
final class Selectors {
    /** Longest selector accepted; longer ones are refused (a decoder cap like any other). */
    static final int MAX_LENGTH = 4096;

    private Selectors() {
    }

    /** @throws IllegalArgumentException saying what is wrong with the selector */
    static Predicate<JsonNode> labels(String text) {
        List<Predicate<JsonNode>> terms = new ArrayList<>();
        for (String raw : split(text, "label")) {
            String t = raw.trim();
            if (t.contains(" in ") || t.contains(" notin ") || t.contains("(")) {
                throw new IllegalArgumentException("label selector '" + t + "': set-based forms (in, notin) are not supported by the"
                        + " gateway's local API; use k=v, k!=v, k or !k");
            }
            int ne = t.indexOf("!=");
            int eq = t.indexOf('=');
            if (ne > 0) {
                String k = key(t.substring(0, ne), t);
                String v = t.substring(ne + 2).trim();
                terms.add(o -> !v.equals(label(o, k)));
            } else if (eq > 0) {
                String k = key(t.substring(0, eq), t);
                String v = t.substring(t.startsWith("==", eq) ? eq + 2 : eq + 1).trim();
                terms.add(o -> v.equals(label(o, k)));
            } else if (t.startsWith("!")) {
                String k = key(t.substring(1), t);
                terms.add(o -> label(o, k) == null);
            } else {
                String k = key(t, t);
                terms.add(o -> label(o, k) != null);
            }
        }
        return o -> terms.stream().allMatch(p -> p.test(o));
    }

    /**
     * Field selectors on any dotted path of the object ({@code metadata.name},
     * {@code spec.nodeName}, {@code status.phase}…); a missing field compares as "".
     *
     * @throws IllegalArgumentException saying what is wrong with the selector
     */
    static Predicate<JsonNode> fields(String text) {
        List<Predicate<JsonNode>> terms = new ArrayList<>();
        for (String raw : split(text, "field")) {
            String t = raw.trim();
            int ne = t.indexOf("!=");
            int eq = t.indexOf('=');
            if (ne > 0) {
                String path = key(t.substring(0, ne), t);
                String v = t.substring(ne + 2).trim();
                terms.add(o -> !v.equals(field(o, path)));
            } else if (eq > 0) {
                String path = key(t.substring(0, eq), t);
                String v = t.substring(t.startsWith("==", eq) ? eq + 2 : eq + 1).trim();
                terms.add(o -> v.equals(field(o, path)));
            } else {
                throw new IllegalArgumentException("field selector '" + t + "' needs an operator: field=value or field!=value");
            }
        }
        return o -> terms.stream().allMatch(p -> p.test(o));
    }

    private static List<String> split(String text, String what) {
        if (text.length() > MAX_LENGTH) {
            throw new IllegalArgumentException(what + " selector is " + text.length() + " characters; at most " + MAX_LENGTH);
        }
        List<String> out = new ArrayList<>();
        for (String s : text.split(",")) {
            if (!s.isBlank()) {
                out.add(s);
            }
        }
        return out;
    }

    private static String key(String k, String term) {
        String key = k.trim();
        if (key.isEmpty()) {
            throw new IllegalArgumentException("selector term '" + term + "' has no key");
        }
        return key;
    }

    private static String label(JsonNode o, String key) {
        JsonNode v = o.path("metadata").path("labels").get(key);
        return v == null || v.isNull() ? null : v.asText();
    }

    static String field(JsonNode o, String path) {
        JsonNode n = o;
        for (String part : path.split("\\.")) {
            n = n.path(part);
        }
        return n.isValueNode() ? n.asText() : "";
    }
}
