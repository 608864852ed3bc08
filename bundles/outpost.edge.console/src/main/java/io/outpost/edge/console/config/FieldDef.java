package io.outpost.edge.console.config;

import java.util.List;

/**
 * One setting of a configurable component, as its OSGi Metatype attribute definition says.
 *
 * @param id the configuration key
 * @param name a label
 * @param description help text, or ""
 * @param type the value type
 * @param cardinality 0 for one value, otherwise the most values (|cardinality|; negative for a
 *     vector in Metatype's terms, treated like an array here)
 * @param min the smallest value (numbers) or shortest length (strings), or null
 * @param max the largest value or longest length, or null
 * @param optionLabels labels of the allowed values, empty when any value is allowed
 * @param optionValues the allowed values, empty when any value is allowed
 * @param defaults the default value(s), possibly empty
 */
public record FieldDef(String id, String name, String description, Type type, int cardinality, String min, String max,
        List<String> optionLabels, List<String> optionValues, List<String> defaults) {

    public FieldDef {
        optionLabels = List.copyOf(optionLabels);
        optionValues = List.copyOf(optionValues);
        defaults = List.copyOf(defaults);
    }

    /** Metatype's value types. */
    public enum Type {
        STRING, LONG, INTEGER, SHORT, BYTE, CHARACTER, DOUBLE, FLOAT, BOOLEAN, PASSWORD;

        boolean isNumber() {
            return this == LONG || this == INTEGER || this == SHORT || this == BYTE || this == DOUBLE || this == FLOAT;
        }
    }

    public boolean multiValued() {
        return cardinality != 0;
    }
}
