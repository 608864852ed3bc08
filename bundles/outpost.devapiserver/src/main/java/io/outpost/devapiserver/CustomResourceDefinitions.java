package io.outpost.devapiserver;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * What the apiextensions server and its controllers do for a CRD, done synchronously on every
 * CRD write: validate the definition, fill in defaults, mark it {@code NamesAccepted} and
 * {@code Established}, and start (or stop) serving its custom resources.
 *
 * <p>Doing this inline (rather than in a controller loop) means a custom resource can be created
 * as soon as the CRD create returned, which is what tests and {@code kubectl apply -f} of a CRD
 * followed by its resources expect.
 */
final class CustomResourceDefinitions {
    private final ResourceRegistry registry;

    CustomResourceDefinitions(ResourceRegistry registry) {
        this.registry = registry;
    }

    static boolean isCrd(ResourceType type) {
        return type.builtin() && type.group().equals(BuiltinResources.CRD_GROUP)
                && type.plural().equals(BuiltinResources.CRD_PLURAL);
    }

    /**
     * Validates and completes a CRD about to be stored. {@code previous} is the stored version
     * for updates (its stored versions are kept), or null.
     */
    void prepare(ObjectNode crd, ObjectNode previous, String now) throws ApiException {
        String name = KubeObjects.name(crd);
        JsonNode spec = crd.path("spec");
        if (!spec.isObject()) {
            throw invalid(name, "spec", "Required value", "the CRD needs a spec");
        }
        String group = spec.path("group").asText("");
        if (group.isEmpty() || !group.contains(".")) {
            throw invalid(name, "spec.group", "Invalid value", "\"" + group + "\": should be a domain with at least one dot");
        }
        ObjectNode names = spec.get("names") instanceof ObjectNode n ? n : null;
        if (names == null || names.path("plural").asText("").isEmpty()) {
            throw invalid(name, "spec.names.plural", "Required value", "the plural name is required");
        }
        if (names.path("kind").asText("").isEmpty()) {
            throw invalid(name, "spec.names.kind", "Required value", "the kind is required");
        }
        String plural = names.path("plural").asText();
        if (!Selectors.isLabelValue(plural) || !plural.equals(plural.toLowerCase(java.util.Locale.ROOT))) {
            throw invalid(name, "spec.names.plural", "Invalid value", "\"" + plural + "\": must be a lowercase DNS-1035 label");
        }
        if (!name.equals(plural + "." + group)) {
            throw invalid(name, "metadata.name", "Invalid value",
                    "\"" + name + "\": must be spec.names.plural+\".\"+spec.group");
        }
        String scope = spec.path("scope").asText("");
        if (!scope.equals("Namespaced") && !scope.equals("Cluster")) {
            throw invalid(name, "spec.scope", "Unsupported value", "\"" + scope + "\": supported values: \"Cluster\", \"Namespaced\"");
        }
        JsonNode versions = spec.path("versions");
        if (!versions.isArray() || versions.size() == 0) {
            throw invalid(name, "spec.versions", "Invalid value", "must have exactly one version marked as storage version");
        }
        int storage = 0;
        String storageVersion = null;
        Set<String> seen = new LinkedHashSet<>();
        for (int i = 0; i < versions.size(); i++) {
            JsonNode v = versions.get(i);
            String vName = v.path("name").asText("");
            if (vName.isEmpty() || !Selectors.isLabelValue(vName) || !seen.add(vName)) {
                throw invalid(name, "spec.versions[" + i + "].name", "Invalid value", "\"" + vName + "\": must be a unique DNS label");
            }
            if (v.path("storage").asBoolean(false)) {
                storage++;
                storageVersion = vName;
            }
            int c = 0;
            for (JsonNode column : v.path("additionalPrinterColumns")) {
                String path = column.path("jsonPath").asText("");
                String problem = path.isEmpty() ? "jsonPath is required" : SimpleJsonPath.validate(path);
                if (problem != null) {
                    throw invalid(name, "spec.versions[" + i + "].additionalPrinterColumns[" + c + "].jsonPath",
                            "Invalid value", problem);
                }
                c++;
            }
        }
        if (storage != 1) {
            throw invalid(name, "spec.versions", "Invalid value", "must have exactly one version marked as storage version");
        }
        for (ResourceType t : registry.all()) {
            if (t.builtin() && t.group().equals(group) && t.plural().equals(plural)) {
                throw invalid(name, "spec.names.plural", "Invalid value", "\"" + plural + "\" is already served by the server");
            }
        }

        String kind = names.path("kind").asText();
        if (names.path("singular").asText("").isEmpty()) {
            names.put("singular", kind.toLowerCase(java.util.Locale.ROOT));
        }
        if (names.path("listKind").asText("").isEmpty()) {
            names.put("listKind", kind + "List");
        }
        if (!(spec.get("conversion") instanceof ObjectNode)) {
            ((ObjectNode) spec).putObject("conversion").put("strategy", "None");
        }

        ObjectNode status = crd.putObject("status");
        ArrayNode conditions = status.putArray("conditions");
        addCondition(conditions, "NamesAccepted", "NoConflicts", "no conflicts found", previous, now);
        addCondition(conditions, "Established", "InitialNamesAccepted", "the initial names have been accepted", previous, now);
        status.set("acceptedNames", names.deepCopy());
        Set<String> stored = new LinkedHashSet<>();
        if (previous != null) {
            previous.path("status").path("storedVersions").forEach(v -> stored.add(v.asText()));
        }
        stored.add(storageVersion);
        ArrayNode storedVersions = status.putArray("storedVersions");
        stored.forEach(storedVersions::add);
    }

    private static void addCondition(ArrayNode conditions, String type, String reason, String message,
            ObjectNode previous, String now) {
        String since = now;
        if (previous != null) {
            for (JsonNode c : previous.path("status").path("conditions")) {
                if (type.equals(c.path("type").asText()) && "True".equals(c.path("status").asText())) {
                    since = c.path("lastTransitionTime").asText(now);
                }
            }
        }
        ObjectNode c = conditions.addObject();
        c.put("type", type);
        c.put("status", "True");
        c.put("lastTransitionTime", since);
        c.put("reason", reason);
        c.put("message", message);
    }

    /** Starts serving (or updates) the custom resources a stored CRD defines. */
    void serve(ObjectNode crd) {
        registry.defineCustom(KubeObjects.name(crd), typesOf(crd));
    }

    /** Stops serving a deleted CRD's resources. */
    void unserve(String crdName) {
        registry.removeCustom(crdName);
    }

    /** The storage key of the custom resources a CRD defines ("widgets.example.com"). */
    static String storageKeyOf(JsonNode crd) {
        JsonNode spec = crd.path("spec");
        return spec.path("names").path("plural").asText() + "." + spec.path("group").asText();
    }

    /** One served resource type per served version. */
    static List<ResourceType> typesOf(JsonNode crd) {
        JsonNode spec = crd.path("spec");
        JsonNode names = spec.path("names");
        String group = spec.path("group").asText();
        String kind = names.path("kind").asText();
        List<String> shortNames = texts(names.path("shortNames"));
        List<String> categories = texts(names.path("categories"));
        boolean namespaced = "Namespaced".equals(spec.path("scope").asText());
        List<ResourceType> types = new ArrayList<>();
        for (JsonNode v : spec.path("versions")) {
            if (!v.path("served").asBoolean(true)) {
                continue;
            }
            JsonNode subresources = v.path("subresources");
            ResourceType.ScaleSpec scale = null;
            if (subresources.get("scale") instanceof ObjectNode s) {
                scale = new ResourceType.ScaleSpec(s.path("specReplicasPath").asText(".spec.replicas"),
                        s.path("statusReplicasPath").asText(".status.replicas"),
                        s.path("labelSelectorPath").asText(""));
            }
            types.add(ResourceType.builder(group, v.path("name").asText(), names.path("plural").asText(), kind)
                    .singular(names.path("singular").asText(kind.toLowerCase(java.util.Locale.ROOT)))
                    .namespaced(namespaced)
                    .shortNames(shortNames)
                    .categories(categories)
                    .statusSubresource(subresources.has("status"))
                    .scale(scale)
                    .tracksGeneration()
                    .printer(ResourceType.Printer.CUSTOM)
                    .columns(printerColumns(v.path("additionalPrinterColumns")))
                    .definedBy(KubeObjects.name(crd))
                    .build());
        }
        return types;
    }

    /** The version's printer columns; like the real server, an Age column when none are given. */
    private static List<ResourceType.PrinterColumn> printerColumns(JsonNode columns) {
        List<ResourceType.PrinterColumn> result = new ArrayList<>();
        for (JsonNode c : columns) {
            result.add(new ResourceType.PrinterColumn(c.path("name").asText(""), c.path("type").asText("string"),
                    c.path("format").asText(""), c.path("description").asText(""), c.path("priority").asInt(0),
                    c.path("jsonPath").asText("")));
        }
        if (result.isEmpty()) {
            result.add(new ResourceType.PrinterColumn("Age", "date", "",
                    "CreationTimestamp is a timestamp representing the server time when this object was created.",
                    0, ".metadata.creationTimestamp"));
        }
        return result;
    }

    private static List<String> texts(JsonNode array) {
        List<String> result = new ArrayList<>();
        array.forEach(n -> result.add(n.asText()));
        return result;
    }

    private static ApiException invalid(String name, String field, String type, String message) {
        return ApiException.invalid("CustomResourceDefinition.apiextensions.k8s.io", name, field, type, message);
    }
}
