package io.outpost.devapiserver;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Label and field selectors as used in {@code ?labelSelector=} and {@code ?fieldSelector=}.
 *
 * <p>The label grammar is Kubernetes': {@code a=b}, {@code a==b}, {@code a!=b},
 * {@code a in (x,y)}, {@code a notin (x)}, {@code a}, {@code !a}, {@code a>1}, {@code a<1}, joined
 * by commas (all must hold). Field selectors support {@code =}, {@code ==} and {@code !=} on any
 * dotted path of the object; a missing field compares as the empty string, which is what makes
 * {@code involvedObject.namespace=} (used by {@code kubectl describe node}) match events of
 * cluster-scoped objects.
 */
final class Selectors {
    private Selectors() {
    }

    /** Something that decides whether an object is selected. */
    interface Selector {
        boolean matches(JsonNode object);

        boolean isEmpty();
    }

    static final Selector EVERYTHING = new Selector() {
        @Override
        public boolean matches(JsonNode object) {
            return true;
        }

        @Override
        public boolean isEmpty() {
            return true;
        }
    };

    /** Upper bound on selector length; a selector is a query parameter, not a document. */
    static final int MAX_SELECTOR_LENGTH = 16 * 1024;

    // ---- label selectors ---------------------------------------------------------------------

    enum Op { EQUALS, NOT_EQUALS, IN, NOT_IN, EXISTS, DOES_NOT_EXIST, GREATER_THAN, LESS_THAN }

    record Requirement(String key, Op op, Set<String> values) {
        boolean matches(JsonNode labels) {
            JsonNode v = labels == null ? null : labels.get(key);
            boolean present = v != null && !v.isNull();
            String value = present ? v.asText() : null;
            switch (op) {
                case EXISTS:
                    return present;
                case DOES_NOT_EXIST:
                    return !present;
                case EQUALS:
                case IN:
                    return present && values.contains(value);
                case NOT_EQUALS:
                case NOT_IN:
                    return !present || !values.contains(value);
                case GREATER_THAN:
                case LESS_THAN:
                    if (!present) {
                        return false;
                    }
                    try {
                        long actual = Long.parseLong(value);
                        long bound = Long.parseLong(values.iterator().next());
                        return op == Op.GREATER_THAN ? actual > bound : actual < bound;
                    } catch (NumberFormatException e) {
                        return false;
                    }
                default:
                    return false;
            }
        }
    }

    record LabelSelector(List<Requirement> requirements) implements Selector {
        @Override
        public boolean matches(JsonNode object) {
            JsonNode labels = object.path("metadata").get("labels");
            for (Requirement r : requirements) {
                if (!r.matches(labels)) {
                    return false;
                }
            }
            return true;
        }

        @Override
        public boolean isEmpty() {
            return requirements.isEmpty();
        }
    }

    static Selector parseLabelSelector(String text) {
        if (text == null || text.isBlank()) {
            return EVERYTHING;
        }
        if (text.length() > MAX_SELECTOR_LENGTH) {
            throw new IllegalArgumentException("label selector is too long");
        }
        return new LabelParser(text).parse();
    }

    private static final Pattern NAME_PART = Pattern.compile("([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]");
    private static final Pattern DNS_SUBDOMAIN = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");

    static boolean isQualifiedName(String key) {
        String name = key;
        int slash = key.indexOf('/');
        if (slash >= 0) {
            String prefix = key.substring(0, slash);
            name = key.substring(slash + 1);
            if (prefix.isEmpty() || prefix.length() > 253 || !DNS_SUBDOMAIN.matcher(prefix).matches()) {
                return false;
            }
        }
        return !name.isEmpty() && name.length() <= 63 && NAME_PART.matcher(name).matches();
    }

    static boolean isLabelValue(String value) {
        return value.isEmpty() || (value.length() <= 63 && NAME_PART.matcher(value).matches());
    }

    /** A small hand-written lexer/parser; the grammar is tiny and the error messages matter. */
    private static final class LabelParser {
        private final String text;
        private int pos;

        LabelParser(String text) {
            this.text = text;
        }

        LabelSelector parse() {
            List<Requirement> result = new ArrayList<>();
            while (true) {
                skipSpace();
                if (pos >= text.length()) {
                    if (!result.isEmpty()) {
                        throw error("found end of input, expected a requirement after ','");
                    }
                    break;
                }
                result.add(requirement());
                skipSpace();
                if (pos >= text.length()) {
                    break;
                }
                if (text.charAt(pos) != ',') {
                    throw error("found '" + text.charAt(pos) + "', expected ','");
                }
                pos++;
            }
            return new LabelSelector(List.copyOf(result));
        }

        private Requirement requirement() {
            if (peek() == '!') {
                pos++;
                String key = key();
                return new Requirement(key, Op.DOES_NOT_EXIST, Set.of());
            }
            String key = key();
            skipSpace();
            if (pos >= text.length() || peek() == ',') {
                return new Requirement(key, Op.EXISTS, Set.of());
            }
            if (text.startsWith("==", pos)) {
                pos += 2;
                return new Requirement(key, Op.EQUALS, Set.of(value()));
            }
            if (text.startsWith("!=", pos)) {
                pos += 2;
                return new Requirement(key, Op.NOT_EQUALS, Set.of(value()));
            }
            if (peek() == '=') {
                pos++;
                return new Requirement(key, Op.EQUALS, Set.of(value()));
            }
            if (peek() == '>' || peek() == '<') {
                Op op = peek() == '>' ? Op.GREATER_THAN : Op.LESS_THAN;
                pos++;
                String bound = value();
                try {
                    Long.parseLong(bound);
                } catch (NumberFormatException e) {
                    throw error("for 'Gt', 'Lt' operators, the value must be an integer: " + bound);
                }
                return new Requirement(key, op, Set.of(bound));
            }
            String word = word();
            String lower = word.toLowerCase(Locale.ROOT);
            if (lower.equals("in") || lower.equals("notin")) {
                return new Requirement(key, lower.equals("in") ? Op.IN : Op.NOT_IN, valueSet());
            }
            throw error("found '" + word + "', expected: in, notin, =, ==, !=, gt, lt");
        }

        private String key() {
            skipSpace();
            String key = word();
            if (key.isEmpty()) {
                throw error("expected a label key at position " + pos);
            }
            if (!isQualifiedName(key)) {
                throw error("invalid label key \"" + key + "\": must be a qualified name");
            }
            return key;
        }

        private String value() {
            skipSpace();
            String value = word();
            if (!isLabelValue(value)) {
                throw error("invalid label value: \"" + value + "\"");
            }
            return value;
        }

        private Set<String> valueSet() {
            skipSpace();
            if (peek() != '(') {
                throw error("expected '(' after set operator");
            }
            pos++;
            Set<String> values = new TreeSet<>();
            while (true) {
                values.add(value());
                skipSpace();
                char c = peek();
                pos++;
                if (c == ')') {
                    break;
                }
                if (c != ',') {
                    throw error("expected ',' or ')' in value set");
                }
            }
            return values;
        }

        private String word() {
            int start = pos;
            while (pos < text.length()) {
                char c = text.charAt(pos);
                if (Character.isWhitespace(c) || ",()=!<>".indexOf(c) >= 0) {
                    break;
                }
                pos++;
            }
            return text.substring(start, pos);
        }

        private char peek() {
            return pos < text.length() ? text.charAt(pos) : '\0';
        }

        private void skipSpace() {
            while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) {
                pos++;
            }
        }

        private IllegalArgumentException error(String detail) {
            return new IllegalArgumentException("unable to parse requirement: " + detail);
        }
    }

    // ---- field selectors ---------------------------------------------------------------------

    record FieldTerm(String path, boolean negated, String value) {
        boolean matches(JsonNode object) {
            boolean equal = fieldValue(object, path).equals(value);
            return negated != equal;
        }
    }

    record FieldSelector(List<FieldTerm> terms) implements Selector {
        @Override
        public boolean matches(JsonNode object) {
            for (FieldTerm t : terms) {
                if (!t.matches(object)) {
                    return false;
                }
            }
            return true;
        }

        @Override
        public boolean isEmpty() {
            return terms.isEmpty();
        }

        /** The value required by an {@code =} term on this path, if there is one. */
        String requiredValue(String path) {
            for (FieldTerm t : terms) {
                if (!t.negated() && t.path().equals(path)) {
                    return t.value();
                }
            }
            return null;
        }
    }

    static Selector parseFieldSelector(String text) {
        if (text == null || text.isBlank()) {
            return EVERYTHING;
        }
        if (text.length() > MAX_SELECTOR_LENGTH) {
            throw new IllegalArgumentException("field selector is too long");
        }
        List<FieldTerm> terms = new ArrayList<>();
        for (String raw : splitUnescaped(text, ',')) {
            if (raw.isEmpty()) {
                continue;
            }
            terms.add(parseTerm(raw));
        }
        return new FieldSelector(List.copyOf(terms));
    }

    private static FieldTerm parseTerm(String raw) {
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '\\') {
                i++;
                continue;
            }
            String op = null;
            if (raw.startsWith("!=", i)) {
                op = "!=";
            } else if (raw.startsWith("==", i)) {
                op = "==";
            } else if (c == '=') {
                op = "=";
            }
            if (op != null) {
                String key = raw.substring(0, i).trim();
                if (key.isEmpty()) {
                    throw new IllegalArgumentException("invalid field selector: '" + raw + "': field name is empty");
                }
                String value = unescape(raw.substring(i + op.length()));
                return new FieldTerm(key, op.equals("!="), value);
            }
        }
        throw new IllegalArgumentException("invalid selector: '" + raw + "'; can't understand '" + raw + "'");
    }

    private static List<String> splitUnescaped(String text, char separator) {
        List<String> parts = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\\' && i + 1 < text.length()) {
                current.append(c).append(text.charAt(++i));
            } else if (c == separator) {
                parts.add(current.toString());
                current.setLength(0);
            } else {
                current.append(c);
            }
        }
        parts.add(current.toString());
        return parts;
    }

    private static String unescape(String value) {
        StringBuilder out = new StringBuilder(value.length());
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\\' && i + 1 < value.length()) {
                c = value.charAt(++i);
            }
            out.append(c);
        }
        return out.toString();
    }

    /** The text of a dotted path, or "" when missing or null; scalars as their JSON text. */
    static String fieldValue(JsonNode object, String path) {
        JsonNode node = object;
        for (String part : path.split("\\.")) {
            if (node == null || !node.isObject()) {
                return "";
            }
            node = node.get(part);
        }
        if (node == null || node.isNull() || node.isMissingNode()) {
            return "";
        }
        if (node.isValueNode()) {
            return node.asText();
        }
        return node.toString();
    }

    /** Both selectors must hold. */
    static Selector and(Selector a, Selector b) {
        if (a.isEmpty()) {
            return b;
        }
        if (b.isEmpty()) {
            return a;
        }
        return new Selector() {
            @Override
            public boolean matches(JsonNode object) {
                return a.matches(object) && b.matches(object);
            }

            @Override
            public boolean isEmpty() {
                return false;
            }
        };
    }
}
