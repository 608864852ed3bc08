package io.outpost.twin.api;

import java.util.Locale;
import java.util.Optional;

/**
 * The value types of a DeviceModel property ({@code spec.properties[].type} in KubeEdge's v1beta1
 * API). Twin values travel as strings, as in KubeEdge; the type says how to read them.
 *
 * @since 0.2
 */
public enum PropertyType {
    INT, FLOAT, DOUBLE, BOOLEAN, STRING, BYTES;

    /**
     * @param name a model's type name, any case ({@code int}, {@code float}, …); null or empty
     *     means {@code string}
     * @return the type, or empty when the name is none of KubeEdge's types
     */
    public static Optional<PropertyType> parse(String name) {
        if (name == null || name.isEmpty()) {
            return Optional.of(STRING);
        }
        try {
            return Optional.of(valueOf(name.toUpperCase(Locale.ROOT)));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** @return the name as KubeEdge writes it in twins' {@code metadata.type}: lower case */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Parses a twin value of this type.
     *
     * @param value a twin value, never null
     * @return a Long (INT), a Double (FLOAT, DOUBLE), a Boolean, or the string itself
     * @throws IllegalArgumentException with a message that says what is expected
     */
    public Object parseValue(String value) {
        String v = value.trim();
        try {
            switch (this) {
                case INT:
                    return Long.parseLong(v);
                case FLOAT:
                case DOUBLE: {
                    double d = Double.parseDouble(v);
                    if (Double.isNaN(d) || Double.isInfinite(d)) {
                        throw new NumberFormatException();
                    }
                    return d;
                }
                case BOOLEAN:
                    if (v.equalsIgnoreCase("true") || v.equalsIgnoreCase("false")) {
                        return Boolean.parseBoolean(v);
                    }
                    throw new NumberFormatException();
                default:
                    return value;
            }
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + value + "' is not " + (this == INT ? "an " : "a ") + wireName()
                    + (this == BOOLEAN ? " (true or false)" : this == INT ? " (a whole number)" : " (a number)"));
        }
    }
}
