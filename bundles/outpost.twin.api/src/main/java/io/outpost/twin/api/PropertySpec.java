package io.outpost.twin.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.util.Objects;
import java.util.Optional;

/**
 * One property of a device, merged from the Device ({@code spec.properties[]}: desired value,
 * visitor, cycles, push method) and its DeviceModel ({@code spec.properties[]}: type, access mode,
 * range, unit).
 *
 * @param name the property's name
 * @param type its value type; {@link PropertyType#STRING} when the model does not say
 * @param access whether it can be written
 * @param minimum the model's minimum, or null for none
 * @param maximum the model's maximum, or null for none
 * @param unit the model's unit, or ""
 * @param visitor the Device's {@code visitors.configData} for this property (protocol-specific,
 *     for the mapper); an empty object when absent, never null
 * @param collectCycleMillis how often the mapper reads the value, in ms (KubeEdge's
 *     {@code collectCycle}; default 1000)
 * @param reportCycleMillis how often the value goes to the cloud, in ms ({@code reportCycle};
 *     default 10000)
 * @param reportToCloud whether the value goes to the cloud at all
 * @param desired the desired value ({@code desired.value}), or "" for none
 * @param pushMethod the Device's {@code pushMethod} object (mqtt, http, …) or an empty object
 * @since 0.2
 */
public record PropertySpec(String name, PropertyType type, AccessMode access, Double minimum, Double maximum, String unit,
        JsonNode visitor, long collectCycleMillis, long reportCycleMillis, boolean reportToCloud, String desired,
        JsonNode pushMethod) {
    public static final long DEFAULT_COLLECT_CYCLE = 1000;
    public static final long DEFAULT_REPORT_CYCLE = 10_000;
    /** The longest twin value accepted, in bytes of UTF-16 chars; KubeEdge refuses 512 and more. */
    public static final int MAX_VALUE_LENGTH = 511;

    public PropertySpec {
        Objects.requireNonNull(name);
        Objects.requireNonNull(type);
        Objects.requireNonNull(access);
        unit = unit == null ? "" : unit;
        visitor = visitor == null || visitor.isMissingNode() || visitor.isNull() ? JsonNodeFactory.instance.objectNode() : visitor;
        pushMethod = pushMethod == null || pushMethod.isMissingNode() || pushMethod.isNull()
                ? JsonNodeFactory.instance.objectNode() : pushMethod;
        desired = desired == null ? "" : desired;
    }

    /**
     * Checks a value for this property: length, type, range.
     *
     * @param value a twin value
     * @return empty when the value is acceptable, else a message that says what is wrong and what
     *     is allowed (for a status condition or an error result)
     */
    public Optional<String> check(String value) {
        if (value == null) {
            return Optional.of("property " + name + ": no value");
        }
        if (value.length() > MAX_VALUE_LENGTH) {
            return Optional.of("property " + name + ": the value is " + value.length() + " characters long, at most "
                    + MAX_VALUE_LENGTH + " are allowed");
        }
        Object v;
        try {
            v = type.parseValue(value);
        } catch (IllegalArgumentException e) {
            return Optional.of("property " + name + ": " + e.getMessage());
        }
        if (v instanceof Number n) {
            double d = n.doubleValue();
            if (minimum != null && d < minimum || maximum != null && d > maximum) {
                return Optional.of("property " + name + ": " + value + " is outside the model's range ["
                        + (minimum == null ? "" : fmt(minimum)) + ", " + (maximum == null ? "" : fmt(maximum)) + "]");
            }
        }
        return Optional.empty();
    }

    private static String fmt(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
    }
}
