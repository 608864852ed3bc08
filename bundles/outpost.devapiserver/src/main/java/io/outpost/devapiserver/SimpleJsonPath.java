package io.outpost.devapiserver;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * The "simple JSONPath" subset used by CRD {@code additionalPrinterColumns}: {@code .a.b},
 * {@code .a['b.c']}, {@code .a[0]}, {@code .a[*]}, escaped dots ({@code .labels.app\.io/name}),
 * and equality filters such as {@code .status.conditions[?(@.type=="Ready")].status}. The first
 * match is returned, as the API server prints only one value per cell.
 */
final class SimpleJsonPath {
    private SimpleJsonPath() {
    }

    /** Checks the expression can be evaluated; returns an error message or null. */
    static String validate(String expression) {
        try {
            parse(expression);
            return null;
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
    }

    /** The first value the expression selects, or null. */
    static JsonNode first(JsonNode root, String expression) {
        List<Step> steps;
        try {
            steps = parse(expression);
        } catch (IllegalArgumentException e) {
            return null;
        }
        List<JsonNode> current = List.of(root);
        for (Step step : steps) {
            List<JsonNode> next = new ArrayList<>();
            for (JsonNode node : current) {
                step.apply(node, next);
            }
            if (next.isEmpty()) {
                return null;
            }
            current = next;
        }
        JsonNode result = current.get(0);
        return result == null || result.isNull() || result.isMissingNode() ? null : result;
    }

    private interface Step {
        void apply(JsonNode node, List<JsonNode> out);
    }

    private record Field(String name) implements Step {
        @Override
        public void apply(JsonNode node, List<JsonNode> out) {
            if (node.isObject() && node.has(name)) {
                out.add(node.get(name));
            }
        }
    }

    private record Index(int index, boolean all) implements Step {
        @Override
        public void apply(JsonNode node, List<JsonNode> out) {
            if (!node.isArray()) {
                if (all && node.isObject()) {
                    node.forEach(out::add);
                }
                return;
            }
            if (all) {
                node.forEach(out::add);
            } else {
                int i = index < 0 ? node.size() + index : index;
                if (i >= 0 && i < node.size()) {
                    out.add(node.get(i));
                }
            }
        }
    }

    private record Filter(List<String> path, boolean equal, String value) implements Step {
        @Override
        public void apply(JsonNode node, List<JsonNode> out) {
            if (!node.isArray()) {
                return;
            }
            for (JsonNode element : node) {
                JsonNode v = element;
                for (String p : path) {
                    v = v == null ? null : v.get(p);
                }
                String actual = v == null || v.isNull() ? null : v.asText();
                if (equal == value.equals(actual)) {
                    out.add(element);
                }
            }
        }
    }

    private static List<Step> parse(String expression) {
        String text = expression.trim();
        if (text.startsWith("{") && text.endsWith("}")) {
            text = text.substring(1, text.length() - 1).trim();
        }
        if (text.startsWith("$")) {
            text = text.substring(1);
        }
        if (text.isEmpty() || (text.charAt(0) != '.' && text.charAt(0) != '[')) {
            throw new IllegalArgumentException("JSON path must start with '.'");
        }
        List<Step> steps = new ArrayList<>();
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c == '.') {
                i++;
                StringBuilder name = new StringBuilder();
                while (i < text.length() && text.charAt(i) != '.' && text.charAt(i) != '[') {
                    if (text.charAt(i) == '\\' && i + 1 < text.length()) {
                        i++;
                    }
                    name.append(text.charAt(i++));
                }
                if (name.length() == 0) {
                    throw new IllegalArgumentException("empty field name in JSON path " + expression);
                }
                steps.add(new Field(name.toString()));
            } else if (c == '[') {
                int end = closingBracket(text, i);
                String inner = text.substring(i + 1, end).trim();
                i = end + 1;
                steps.add(bracket(inner, expression));
            } else {
                throw new IllegalArgumentException("unexpected '" + c + "' in JSON path " + expression);
            }
        }
        return steps;
    }

    private static int closingBracket(String text, int open) {
        char quote = 0;
        for (int i = open + 1; i < text.length(); i++) {
            char c = text.charAt(i);
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
            } else if (c == ']') {
                return i;
            }
        }
        throw new IllegalArgumentException("unclosed '[' in JSON path");
    }

    private static Step bracket(String inner, String expression) {
        if (inner.equals("*")) {
            return new Index(0, true);
        }
        if ((inner.startsWith("'") && inner.endsWith("'") || inner.startsWith("\"") && inner.endsWith("\""))
                && inner.length() >= 2) {
            return new Field(inner.substring(1, inner.length() - 1));
        }
        if (inner.startsWith("?(") && inner.endsWith(")")) {
            String condition = inner.substring(2, inner.length() - 1).trim();
            boolean equal = !condition.contains("!=");
            String[] sides = condition.split(equal ? "==" : "!=", 2);
            if (sides.length != 2 || !sides[0].trim().startsWith("@.")) {
                throw new IllegalArgumentException("unsupported filter in JSON path " + expression);
            }
            List<String> path = List.of(sides[0].trim().substring(2).split("\\."));
            String value = sides[1].trim();
            if (value.length() >= 2 && (value.startsWith("\"") || value.startsWith("'"))) {
                value = value.substring(1, value.length() - 1);
            }
            return new Filter(path, equal, value);
        }
        try {
            return new Index(Integer.parseInt(inner), false);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("unsupported index [" + inner + "] in JSON path " + expression);
        }
    }
}
