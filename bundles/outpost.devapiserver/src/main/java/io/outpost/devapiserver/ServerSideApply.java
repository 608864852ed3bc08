package io.outpost.devapiserver;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A simplified server-side apply ({@code application/apply-patch+yaml}).
 *
 * <p>What it does: creates the object when absent; otherwise merges the applied configuration
 * into the live object (maps recursively, keyed lists element-wise, other lists replaced), and
 * removes fields that the same field manager applied before but no longer applies, unless another
 * applier also applied them. Each applier gets a {@code managedFields} entry with operation
 * {@code Apply} and a {@code fieldsV1} set, so clients that read managed fields see the usual
 * shape.
 *
 * <p>What it does not do: track fields written by non-apply operations, or report conflicts
 * between managers ({@code force} is accepted and has no effect). Real servers would refuse a
 * conflicting apply without {@code force=true}; this one always lets the applier win.
 */
final class ServerSideApply {
    private ServerSideApply() {
    }

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    /**
     * Applies {@code config} on top of {@code live} (null when the object does not exist yet) and
     * returns the resulting object. {@code subresource} is "" or "status".
     */
    static ObjectNode apply(ObjectNode live, ObjectNode config, String manager, String apiVersion,
            String subresource, String now) throws ApiException {
        ObjectNode applied = config.deepCopy();
        if (applied.get("metadata") instanceof ObjectNode meta) {
            meta.remove("managedFields");
        }
        Set<List<String>> newFields = fieldSet(applied);

        ObjectNode base = live == null ? NODES.objectNode() : live.deepCopy();
        ObjectNode merged = (ObjectNode) Patches.strategicMap(base, applied, true);

        List<ManagedEntry> entries = managedEntries(live);
        if (live != null) {
            Set<List<String>> previous = Set.of();
            Set<List<String>> others = new HashSet<>();
            for (ManagedEntry e : entries) {
                if (e.isApplyBy(manager, subresource)) {
                    previous = e.fields();
                } else if ("Apply".equals(e.operation())) {
                    others.addAll(e.fields());
                }
            }
            List<List<String>> dropped = new ArrayList<>();
            for (List<String> path : previous) {
                if (!newFields.contains(path) && !ownedByOthers(path, others)) {
                    dropped.add(path);
                }
            }
            dropped.sort(Comparator.comparingInt(p -> -p.size()));
            for (List<String> path : dropped) {
                removeAt(merged, path);
            }
        }

        ArrayNode managed = NODES.arrayNode();
        boolean replaced = false;
        ObjectNode mine = NODES.objectNode();
        mine.put("manager", manager);
        mine.put("operation", "Apply");
        mine.put("apiVersion", apiVersion);
        mine.put("time", now);
        mine.put("fieldsType", "FieldsV1");
        mine.set("fieldsV1", toFieldsV1(newFields));
        if (!subresource.isEmpty()) {
            mine.put("subresource", subresource);
        }
        for (ManagedEntry e : entries) {
            if (e.isApplyBy(manager, subresource)) {
                managed.add(mine);
                replaced = true;
            } else {
                managed.add(e.raw());
            }
        }
        if (!replaced) {
            managed.add(mine);
        }
        ObjectNode metadata = merged.get("metadata") instanceof ObjectNode m ? m : merged.putObject("metadata");
        metadata.set("managedFields", managed);
        return merged;
    }

    private record ManagedEntry(ObjectNode raw, String manager, String operation, String subresource,
            Set<List<String>> fields) {
        boolean isApplyBy(String who, String sub) {
            return "Apply".equals(operation) && who.equals(manager) && sub.equals(subresource);
        }
    }

    private static List<ManagedEntry> managedEntries(ObjectNode live) {
        List<ManagedEntry> result = new ArrayList<>();
        if (live == null) {
            return result;
        }
        JsonNode list = live.path("metadata").path("managedFields");
        for (JsonNode entry : list) {
            if (entry instanceof ObjectNode raw) {
                Set<List<String>> fields = new HashSet<>();
                flattenFieldsV1(raw.path("fieldsV1"), new ArrayList<>(), fields);
                result.add(new ManagedEntry(raw, raw.path("manager").asText(""), raw.path("operation").asText(""),
                        raw.path("subresource").asText(""), fields));
            }
        }
        return result;
    }

    private static boolean ownedByOthers(List<String> path, Set<List<String>> others) {
        List<String> prefix = path.get(path.size() - 1).equals(".") ? path.subList(0, path.size() - 1) : path;
        for (List<String> other : others) {
            if (other.size() >= prefix.size() && other.subList(0, prefix.size()).equals(prefix)) {
                return true;
            }
        }
        return false;
    }

    // ---- field sets --------------------------------------------------------------------------

    /** Metadata fields an applier can own; identity and bookkeeping fields are the server's. */
    private static final Set<String> OWNABLE_METADATA = Set.of("labels", "annotations", "finalizers", "ownerReferences");

    /** The leaf paths set by an applied configuration, in the fieldsV1 step notation. */
    static Set<List<String>> fieldSet(ObjectNode config) {
        Set<List<String>> out = new HashSet<>();
        Iterator<Map.Entry<String, JsonNode>> it = config.properties().iterator();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            String key = e.getKey();
            if (key.equals("apiVersion") || key.equals("kind")) {
                continue;
            }
            if (key.equals("metadata") && e.getValue().isObject()) {
                Iterator<Map.Entry<String, JsonNode>> meta = e.getValue().properties().iterator();
                while (meta.hasNext()) {
                    Map.Entry<String, JsonNode> m = meta.next();
                    if (OWNABLE_METADATA.contains(m.getKey())) {
                        collect(m.getKey(), m.getValue(), List.of("f:metadata", "f:" + m.getKey()), out);
                    }
                }
                continue;
            }
            collect(key, e.getValue(), List.of("f:" + key), out);
        }
        return out;
    }

    private static void collect(String field, JsonNode value, List<String> path, Set<List<String>> out) {
        if (value.isObject() && value.size() > 0) {
            Iterator<Map.Entry<String, JsonNode>> it = value.properties().iterator();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                collect(e.getKey(), e.getValue(), append(path, "f:" + e.getKey()), out);
            }
            return;
        }
        if (value.isArray() && value.size() > 0) {
            List<JsonNode> elements = new ArrayList<>();
            value.forEach(elements::add);
            String key = Patches.mergeKey(field, elements);
            if (key != null) {
                for (JsonNode element : elements) {
                    ObjectNode id = NODES.objectNode();
                    id.set(key, element.get(key));
                    List<String> elementPath = append(path, "k:" + id);
                    out.add(append(elementPath, "."));
                    Iterator<Map.Entry<String, JsonNode>> it = element.properties().iterator();
                    while (it.hasNext()) {
                        Map.Entry<String, JsonNode> e = it.next();
                        collect(e.getKey(), e.getValue(), append(elementPath, "f:" + e.getKey()), out);
                    }
                }
                return;
            }
            if (field.equals("finalizers") && elements.stream().allMatch(JsonNode::isValueNode)) {
                for (JsonNode element : elements) {
                    out.add(append(path, "v:" + element));
                }
                return;
            }
        }
        out.add(path);
    }

    private static List<String> append(List<String> path, String step) {
        List<String> result = new ArrayList<>(path.size() + 1);
        result.addAll(path);
        result.add(step);
        return List.copyOf(result);
    }

    static ObjectNode toFieldsV1(Set<List<String>> paths) {
        ObjectNode root = NODES.objectNode();
        List<List<String>> sorted = new ArrayList<>(paths);
        sorted.sort(Comparator.comparing(p -> String.join("\u0000", p)));
        for (List<String> path : sorted) {
            ObjectNode node = root;
            for (String step : path) {
                node = node.get(step) instanceof ObjectNode child ? child : node.putObject(step);
            }
        }
        return root;
    }

    private static void flattenFieldsV1(JsonNode node, List<String> path, Set<List<String>> out) {
        if (!node.isObject()) {
            return;
        }
        Iterator<Map.Entry<String, JsonNode>> it = node.properties().iterator();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            List<String> child = append(path, e.getKey());
            if (e.getValue().isObject() && e.getValue().size() > 0) {
                flattenFieldsV1(e.getValue(), child, out);
            } else {
                out.add(child);
            }
        }
    }

    /** Removes what a fieldsV1 path points at; paths that no longer resolve are ignored. */
    private static void removeAt(ObjectNode object, List<String> path) {
        List<String> steps = path;
        if (steps.get(steps.size() - 1).equals(".")) {
            steps = steps.subList(0, steps.size() - 1);
        }
        if (steps.isEmpty()) {
            return;
        }
        JsonNode parent = object;
        for (String step : steps.subList(0, steps.size() - 1)) {
            parent = resolve(parent, step);
            if (parent == null) {
                return;
            }
        }
        String last = steps.get(steps.size() - 1);
        if (last.startsWith("f:") && parent instanceof ObjectNode o) {
            o.remove(last.substring(2));
        } else if (parent instanceof ArrayNode array) {
            for (int i = 0; i < array.size(); i++) {
                if (matchesStep(array.get(i), last)) {
                    array.remove(i);
                    return;
                }
            }
        }
    }

    private static JsonNode resolve(JsonNode node, String step) {
        if (step.startsWith("f:")) {
            return node.isObject() ? node.get(step.substring(2)) : null;
        }
        if (node.isArray()) {
            for (JsonNode element : node) {
                if (matchesStep(element, step)) {
                    return element;
                }
            }
        }
        return null;
    }

    private static boolean matchesStep(JsonNode element, String step) {
        try {
            if (step.startsWith("k:") && element.isObject()) {
                JsonNode id = STEP_READER.readTree(step.substring(2));
                Iterator<Map.Entry<String, JsonNode>> it = id.properties().iterator();
                while (it.hasNext()) {
                    Map.Entry<String, JsonNode> e = it.next();
                    JsonNode actual = element.get(e.getKey());
                    if (actual == null || !Patches.jsonEquals(actual, e.getValue())) {
                        return false;
                    }
                }
                return true;
            }
            if (step.startsWith("v:")) {
                return Patches.jsonEquals(element, STEP_READER.readTree(step.substring(2)));
            }
        } catch (JsonProcessingException e) {
            return false;
        }
        return false;
    }

    /** Reads the small JSON keys inside fieldsV1 steps; a reader is immutable and thread-safe. */
    private static final ObjectReader STEP_READER = new ObjectMapper().reader();
}
