package io.outpost.twin.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A device as a mapper and the twin need it: the Device and its DeviceModel
 * ({@code devices.kubeedge.io/v1beta1}) merged and checked. Built with {@link #of}; never holds
 * a half-valid device: what is wrong is listed in {@link #problems()}.
 *
 * @param namespace the Device's namespace
 * @param name the Device's name
 * @param model the DeviceModel's name, or ""
 * @param modelFound whether the DeviceModel was known when this was built
 * @param protocol {@code spec.protocol.protocolName}, or ""
 * @param protocolConfig {@code spec.protocol.configData} (an empty object when absent)
 * @param properties the properties, in the Device's order
 * @param problems what is wrong with the Device or the model so that it cannot be served, one
 *     message each; empty when all is well
 * @param desiredProblems desired values that are refused (wrong type, out of range, read-only
 *     property); the device is served, but these values are not written to it
 * @since 0.2
 */
public record DeviceSpec(String namespace, String name, String model, boolean modelFound, String protocol, JsonNode protocolConfig,
        List<PropertySpec> properties, List<String> problems, List<String> desiredProblems) {
    public DeviceSpec {
        Objects.requireNonNull(namespace);
        Objects.requireNonNull(name);
        protocolConfig = protocolConfig == null || protocolConfig.isMissingNode() || protocolConfig.isNull()
                ? JsonNodeFactory.instance.objectNode() : protocolConfig;
        properties = List.copyOf(properties);
        problems = List.copyOf(problems);
        desiredProblems = List.copyOf(desiredProblems);
    }

    /** @return {@link #problems()} and {@link #desiredProblems()} together, for a status condition */
    public List<String> allProblems() {
        List<String> all = new ArrayList<>(problems);
        all.addAll(desiredProblems);
        return all;
    }

    /** @return KubeEdge's device id, {@code <namespace>/<name>} */
    public String id() {
        return namespace + "/" + name;
    }

    /** @return the property with this name, if the device has it */
    public Optional<PropertySpec> property(String propertyName) {
        return properties.stream().filter(p -> p.name().equals(propertyName)).findFirst();
    }

    /**
     * Merges a Device with its model.
     *
     * @param device a Device object (JSON as the API serves it), never null
     * @param deviceModel its DeviceModel, or null / a JSON null when it is not known
     * @return the merged view; problems (missing model, unknown types, malformed fields, desired
     *     values of the wrong type or out of range) are listed, never thrown
     */
    public static DeviceSpec of(JsonNode device, JsonNode deviceModel) {
        List<String> problems = new ArrayList<>();
        List<String> desiredProblems = new ArrayList<>();
        JsonNode spec = device.path("spec");
        String ns = device.path("metadata").path("namespace").asText("default");
        String nm = device.path("metadata").path("name").asText("");
        String modelName = spec.path("deviceModelRef").path("name").asText("");
        boolean found = deviceModel != null && deviceModel.isObject();
        if (modelName.isEmpty()) {
            problems.add("spec.deviceModelRef.name is missing: name the DeviceModel of this device");
        } else if (!found) {
            problems.add("DeviceModel " + ns + "/" + modelName + " does not exist: create it or fix spec.deviceModelRef.name");
        }
        Map<String, JsonNode> modelProps = new LinkedHashMap<>();
        if (found) {
            for (JsonNode mp : deviceModel.path("spec").path("properties")) {
                modelProps.put(mp.path("name").asText(""), mp);
            }
        }
        JsonNode protocolConfig = spec.path("protocol").path("configData");
        if (!protocolConfig.isMissingNode() && !protocolConfig.isNull() && !protocolConfig.isObject()) {
            problems.add("spec.protocol.configData must be an object of settings, not " + protocolConfig.getNodeType().name().toLowerCase());
            protocolConfig = null;
        }
        List<PropertySpec> props = new ArrayList<>();
        JsonNode dps = spec.path("properties");
        if (!dps.isMissingNode() && !dps.isNull() && !dps.isArray()) {
            problems.add("spec.properties must be a list");
        }
        int i = 0;
        for (JsonNode dp : dps.isArray() ? dps : JsonNodeFactory.instance.arrayNode()) {
            String where = "spec.properties[" + i++ + "]";
            String pn = dp.path("name").asText("");
            if (pn.isEmpty()) {
                problems.add(where + ".name is missing");
                continue;
            }
            JsonNode mp = modelProps.get(pn);
            if (found && mp == null) {
                problems.add("property " + pn + " is not in DeviceModel " + modelName + ": add it to the model or remove it from the device");
            }
            JsonNode m = mp == null ? JsonNodeFactory.instance.objectNode() : mp;
            Optional<PropertyType> type = PropertyType.parse(m.path("type").asText(""));
            if (type.isEmpty()) {
                problems.add("property " + pn + ": type '" + m.path("type").asText() + "' in the model is none of int, float, double, boolean, string, bytes");
            }
            Double min = number(m.path("minimum"), "property " + pn + ": minimum", problems);
            Double max = number(m.path("maximum"), "property " + pn + ": maximum", problems);
            JsonNode visitor = dp.path("visitors").path("configData");
            if (!visitor.isMissingNode() && !visitor.isNull() && !visitor.isObject()) {
                problems.add("property " + pn + ": visitors.configData must be an object of settings, not "
                        + visitor.getNodeType().name().toLowerCase());
                visitor = null;
            }
            long collect = cycle(dp.path("collectCycle"), PropertySpec.DEFAULT_COLLECT_CYCLE, "property " + pn + ": collectCycle", problems);
            long report = cycle(dp.path("reportCycle"), PropertySpec.DEFAULT_REPORT_CYCLE, "property " + pn + ": reportCycle", problems);
            PropertySpec ps = new PropertySpec(pn, type.orElse(PropertyType.STRING), AccessMode.parse(m.path("accessMode").asText("")), min, max,
                    m.path("unit").asText(""), visitor, collect, report, dp.path("reportToCloud").asBoolean(false),
                    dp.path("desired").path("value").asText(""), dp.path("pushMethod"));
            if (!ps.desired().isEmpty()) {
                ps.check(ps.desired()).ifPresent(p -> desiredProblems.add("desired value of " + p));
                if (ps.access() == AccessMode.READ_ONLY) {
                    desiredProblems.add("property " + pn + " is ReadOnly in the model: a desired value cannot be written");
                }
            }
            props.add(ps);
        }
        return new DeviceSpec(ns, nm, modelName, found, spec.path("protocol").path("protocolName").asText(""),
                protocolConfig, props, problems, desiredProblems);
    }

    private static Double number(JsonNode n, String what, List<String> problems) {
        if (n.isMissingNode() || n.isNull() || n.asText().isEmpty()) {
            return null;
        }
        try {
            return Double.valueOf(n.asText().trim());
        } catch (NumberFormatException e) {
            problems.add(what + " '" + n.asText() + "' is not a number");
            return null;
        }
    }

    private static long cycle(JsonNode n, long dflt, String what, List<String> problems) {
        if (n.isMissingNode() || n.isNull()) {
            return dflt;
        }
        if (!n.canConvertToLong() || n.asLong() < 0) {
            problems.add(what + " must be a whole number of milliseconds, not '" + n.asText() + "'");
            return dflt;
        }
        // 0 means "not set" in KubeEdge's Go structs; very short cycles would starve the others.
        return n.asLong() == 0 ? dflt : Math.max(50, n.asLong());
    }
}
