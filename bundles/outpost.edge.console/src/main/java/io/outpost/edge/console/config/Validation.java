package io.outpost.edge.console.config;

import java.util.Map;

/**
 * The outcome of checking submitted settings against a component's Metatype.
 *
 * @param values the settings converted to their Metatype types, ready for ConfigAdmin (only the
 *     fields that were submitted; a null value means "remove, use the default")
 * @param errors per field id, what is wrong and what to enter instead; empty when valid
 */
public record Validation(Map<String, Object> values, Map<String, String> errors) {
    public boolean ok() {
        return errors.isEmpty();
    }
}
