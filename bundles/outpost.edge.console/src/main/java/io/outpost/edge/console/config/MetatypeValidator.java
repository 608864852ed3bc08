package io.outpost.edge.console.config;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Checks settings submitted from a form or a script against a component's Metatype: the type
 * (a number where a number is due, in that type's range), the cardinality, the allowed options,
 * and the min/max bounds. Every field is checked and each error names its field, so a form can
 * show the message next to it.
 */
public final class MetatypeValidator {
    /** Longest value accepted for one string setting. */
    public static final int MAX_STRING = 4096;
    /** Most values accepted for one multi-valued setting. */
    public static final int MAX_VALUES = 256;

    private MetatypeValidator() {
    }

    /**
     * @param def the component
     * @param input field id to a value: String, Number, Boolean, a List of those, or null (remove)
     */
    public static Validation validate(ComponentDef def, Map<String, ?> input) {
        Map<String, Object> values = new LinkedHashMap<>();
        Map<String, String> errors = new LinkedHashMap<>();
        for (Map.Entry<String, ?> e : input.entrySet()) {
            var field = def.field(e.getKey());
            if (field.isEmpty()) {
                errors.put(e.getKey(), "not a setting of " + def.pid());
                continue;
            }
            try {
                values.put(e.getKey(), convert(field.get(), e.getValue()));
            } catch (IllegalArgumentException ex) {
                errors.put(e.getKey(), ex.getMessage());
            }
        }
        return new Validation(values, errors);
    }

    /** Converts and checks one value; @throws IllegalArgumentException with a message for the user */
    static Object convert(FieldDef f, Object raw) {
        if (raw == null || (raw instanceof String s && s.isEmpty() && f.type() != FieldDef.Type.STRING && f.type() != FieldDef.Type.PASSWORD)) {
            return null; // unset: the component's default applies
        }
        if (!f.multiValued()) {
            if (raw instanceof List<?>) {
                throw new IllegalArgumentException("takes one value, not a list");
            }
            return one(f, raw);
        }
        List<?> list;
        if (raw instanceof List<?> l) {
            list = l;
        } else if (raw instanceof String s) {
            // a form's text area: one value per line
            list = s.isBlank() ? List.of() : List.of(s.split("\\r?\\n"));
        } else {
            list = List.of(raw);
        }
        int most = Math.min(Math.abs(f.cardinality()), MAX_VALUES);
        if (list.size() > most) {
            throw new IllegalArgumentException("takes at most " + most + " values, got " + list.size());
        }
        List<Object> out = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            try {
                out.add(one(f, list.get(i)));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("value " + (i + 1) + ": " + e.getMessage());
            }
        }
        return toArray(f.type(), out);
    }

    private static Object one(FieldDef f, Object raw) {
        String text = raw instanceof String s ? s.trim() : String.valueOf(raw);
        if (text.length() > MAX_STRING) {
            throw new IllegalArgumentException("is longer than " + MAX_STRING + " characters");
        }
        Object v = switch (f.type()) {
            case STRING, PASSWORD -> raw instanceof String s ? s : text;
            case BOOLEAN -> {
                if (raw instanceof Boolean b) {
                    yield b;
                }
                if (text.equalsIgnoreCase("true") || text.equalsIgnoreCase("false")) {
                    yield Boolean.parseBoolean(text);
                }
                throw new IllegalArgumentException("must be true or false, not '" + abbreviate(text) + "'");
            }
            case CHARACTER -> {
                if (text.length() != 1) {
                    throw new IllegalArgumentException("must be exactly one character");
                }
                yield text.charAt(0);
            }
            case LONG -> whole(text, Long.MIN_VALUE, Long.MAX_VALUE).longValue();
            case INTEGER -> whole(text, Integer.MIN_VALUE, Integer.MAX_VALUE).intValue();
            case SHORT -> whole(text, Short.MIN_VALUE, Short.MAX_VALUE).shortValue();
            case BYTE -> whole(text, Byte.MIN_VALUE, Byte.MAX_VALUE).byteValue();
            case DOUBLE -> decimal(text).doubleValue();
            case FLOAT -> decimal(text).floatValue();
        };
        if (!f.optionValues().isEmpty() && !f.optionValues().contains(String.valueOf(v))) {
            throw new IllegalArgumentException("must be one of " + String.join(", ", f.optionValues()));
        }
        checkBounds(f, v, text);
        return v;
    }

    private static BigDecimal whole(String text, long lo, long hi) {
        BigDecimal d;
        try {
            d = new BigDecimal(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("must be a whole number, not '" + abbreviate(text) + "'");
        }
        if (d.stripTrailingZeros().scale() > 0) {
            throw new IllegalArgumentException("must be a whole number, not '" + abbreviate(text) + "'");
        }
        if (d.compareTo(BigDecimal.valueOf(lo)) < 0 || d.compareTo(BigDecimal.valueOf(hi)) > 0) {
            throw new IllegalArgumentException("must be between " + lo + " and " + hi);
        }
        return d;
    }

    private static BigDecimal decimal(String text) {
        try {
            return new BigDecimal(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("must be a number, not '" + abbreviate(text) + "'");
        }
    }

    private static void checkBounds(FieldDef f, Object v, String text) {
        if (f.type().isNumber()) {
            BigDecimal d = new BigDecimal(text);
            BigDecimal min = bound(f.min());
            BigDecimal max = bound(f.max());
            if (min != null && d.compareTo(min) < 0) {
                throw new IllegalArgumentException("must be at least " + f.min().trim());
            }
            if (max != null && d.compareTo(max) > 0) {
                throw new IllegalArgumentException("must be at most " + f.max().trim());
            }
        } else if (v instanceof String s) {
            BigDecimal min = bound(f.min());
            BigDecimal max = bound(f.max());
            if (min != null && s.length() < min.intValue()) {
                throw new IllegalArgumentException("must have at least " + f.min().trim() + " characters");
            }
            if (max != null && s.length() > max.intValue()) {
                throw new IllegalArgumentException("must have at most " + f.max().trim() + " characters");
            }
        }
    }

    /** @return the bound, or null when there is none or the Metatype's text is not a number (then it cannot be enforced) */
    private static BigDecimal bound(String b) {
        if (b == null || b.isBlank()) {
            return null;
        }
        try {
            return new BigDecimal(b.trim());
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static Object toArray(FieldDef.Type t, List<Object> vals) {
        return switch (t) {
            case STRING, PASSWORD -> vals.toArray(new String[0]);
            case BOOLEAN -> vals.toArray(new Boolean[0]);
            case CHARACTER -> vals.toArray(new Character[0]);
            case LONG -> vals.toArray(new Long[0]);
            case INTEGER -> vals.toArray(new Integer[0]);
            case SHORT -> vals.toArray(new Short[0]);
            case BYTE -> vals.toArray(new Byte[0]);
            case DOUBLE -> vals.toArray(new Double[0]);
            case FLOAT -> vals.toArray(new Float[0]);
        };
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "…";
    }
}
