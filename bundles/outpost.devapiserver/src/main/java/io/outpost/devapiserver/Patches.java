package io.outpost.devapiserver;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The patch formats of {@code PATCH} requests: JSON Patch (RFC 6902), JSON Merge Patch
 * (RFC 7386) and an approximation of Kubernetes' strategic merge patch.
 *
 * <p>Strategic merge patch really depends on per-field Go struct tags. Without the Go types we
 * approximate it: it is a merge patch, except that the list fields that Kubernetes merges by a
 * key (containers by name, conditions by type, ...) are merged element-wise, {@code finalizers}
 * are merged as a set, and the patch directives kubectl emits ({@code $patch},
 * {@code $setElementOrder/...}, {@code $deleteFromPrimitiveList/...}, {@code $retainKeys}) are
 * understood. That covers what {@code kubectl apply}, {@code kubectl patch} and client libraries
 * send for the built-in kinds.
 *
 * <p>All functions are pure: inputs are never modified.
 */
final class Patches {
    private Patches() {
    }

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    // ---- RFC 6902 ----------------------------------------------------------------------------

    static JsonNode jsonPatch(JsonNode target, JsonNode patch) throws ApiException {
        if (!patch.isArray()) {
            throw ApiException.badRequest("a JSON patch must be a JSON array of operations");
        }
        JsonNode doc = target.deepCopy();
        int index = 0;
        for (JsonNode op : patch) {
            if (!op.isObject() || !op.path("op").isTextual() || !op.path("path").isTextual()) {
                throw ApiException.badRequest("JSON patch operation " + index + " must be an object with string \"op\" and \"path\"");
            }
            String name = op.get("op").asText();
            String path = op.get("path").asText();
            try {
                doc = applyOperation(doc, name, path, op);
            } catch (PatchFailure e) {
                throw ApiException.unprocessable("JSON patch operation " + index + " (" + name + " " + path + ") failed: " + e.getMessage());
            }
            index++;
        }
        return doc;
    }

    /** A patch that is well-formed but cannot be applied to this document. */
    static final class PatchFailure extends Exception {
        private static final long serialVersionUID = 1L;

        PatchFailure(String message) {
            super(message, null, false, false);
        }
    }

    private static JsonNode applyOperation(JsonNode doc, String op, String path, JsonNode operation)
            throws PatchFailure, ApiException {
        List<String> pointer = parsePointer(path);
        switch (op) {
            case "add":
                return add(doc, pointer, requireValue(operation));
            case "remove":
                return remove(doc, pointer);
            case "replace":
                if (pointer.isEmpty()) {
                    return requireValue(operation);
                }
                get(doc, pointer);
                return add(remove(doc, pointer), pointer, requireValue(operation));
            case "move": {
                List<String> from = parsePointer(requireFrom(operation));
                if (pointer.size() > from.size() && pointer.subList(0, from.size()).equals(from)) {
                    throw new PatchFailure("cannot move a value into one of its own children");
                }
                JsonNode value = get(doc, from);
                return add(remove(doc, from), pointer, value);
            }
            case "copy": {
                JsonNode value = get(doc, parsePointer(requireFrom(operation))).deepCopy();
                return add(doc, pointer, value);
            }
            case "test": {
                JsonNode actual = get(doc, pointer);
                if (!jsonEquals(actual, requireValue(operation))) {
                    throw new PatchFailure("testing value " + path + " failed");
                }
                return doc;
            }
            default:
                throw ApiException.badRequest("unknown JSON patch operation \"" + op + "\"");
        }
    }

    private static JsonNode requireValue(JsonNode operation) throws ApiException {
        if (!operation.has("value")) {
            throw ApiException.badRequest("JSON patch operation \"" + operation.path("op").asText() + "\" needs a \"value\"");
        }
        return operation.get("value").deepCopy();
    }

    private static String requireFrom(JsonNode operation) throws ApiException {
        if (!operation.path("from").isTextual()) {
            throw ApiException.badRequest("JSON patch operation \"" + operation.path("op").asText() + "\" needs a \"from\"");
        }
        return operation.get("from").asText();
    }

    static List<String> parsePointer(String pointer) throws ApiException {
        List<String> parts = new ArrayList<>();
        if (pointer.isEmpty()) {
            return parts;
        }
        if (pointer.charAt(0) != '/') {
            throw ApiException.badRequest("JSON pointer \"" + pointer + "\" must start with '/'");
        }
        for (String raw : pointer.substring(1).split("/", -1)) {
            parts.add(raw.replace("~1", "/").replace("~0", "~"));
        }
        return parts;
    }

    private static JsonNode get(JsonNode doc, List<String> pointer) throws PatchFailure {
        JsonNode node = doc;
        for (String part : pointer) {
            if (node.isObject()) {
                if (!node.has(part)) {
                    throw new PatchFailure("path does not exist: missing key \"" + part + "\"");
                }
                node = node.get(part);
            } else if (node.isArray()) {
                int i = arrayIndex(part, node.size() - 1);
                node = node.get(i);
            } else {
                throw new PatchFailure("path does not exist: \"" + part + "\" is below a scalar");
            }
        }
        return node;
    }

    private static JsonNode add(JsonNode doc, List<String> pointer, JsonNode value) throws PatchFailure {
        if (pointer.isEmpty()) {
            return value;
        }
        JsonNode parent = get(doc, pointer.subList(0, pointer.size() - 1));
        String last = pointer.get(pointer.size() - 1);
        if (parent.isObject()) {
            ((ObjectNode) parent).set(last, value);
        } else if (parent.isArray()) {
            ArrayNode array = (ArrayNode) parent;
            if (last.equals("-")) {
                array.add(value);
            } else {
                array.insert(arrayIndex(last, array.size()), value);
            }
        } else {
            throw new PatchFailure("cannot add below a scalar value");
        }
        return doc;
    }

    private static JsonNode remove(JsonNode doc, List<String> pointer) throws PatchFailure {
        if (pointer.isEmpty()) {
            throw new PatchFailure("cannot remove the whole document");
        }
        JsonNode parent = get(doc, pointer.subList(0, pointer.size() - 1));
        String last = pointer.get(pointer.size() - 1);
        if (parent.isObject()) {
            if (!parent.has(last)) {
                throw new PatchFailure("path does not exist: missing key \"" + last + "\"");
            }
            ((ObjectNode) parent).remove(last);
        } else if (parent.isArray()) {
            ((ArrayNode) parent).remove(arrayIndex(last, parent.size() - 1));
        } else {
            throw new PatchFailure("cannot remove below a scalar value");
        }
        return doc;
    }

    private static int arrayIndex(String token, int max) throws PatchFailure {
        if (token.isEmpty() || token.length() > 9 || !token.chars().allMatch(Character::isDigit)
                || (token.length() > 1 && token.charAt(0) == '0')) {
            throw new PatchFailure("\"" + token + "\" is not a valid array index");
        }
        int i = Integer.parseInt(token);
        if (i > max) {
            throw new PatchFailure("array index " + i + " is out of bounds");
        }
        return i;
    }

    /** JSON equality where 1, 1.0 and 1L are the same number. */
    static boolean jsonEquals(JsonNode a, JsonNode b) {
        if (a.isNumber() && b.isNumber()) {
            return a.decimalValue().compareTo(b.decimalValue()) == 0;
        }
        if (a.isObject() && b.isObject()) {
            if (a.size() != b.size()) {
                return false;
            }
            Iterator<Map.Entry<String, JsonNode>> it = a.properties().iterator();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                JsonNode other = b.get(e.getKey());
                if (other == null || !jsonEquals(e.getValue(), other)) {
                    return false;
                }
            }
            return true;
        }
        if (a.isArray() && b.isArray()) {
            if (a.size() != b.size()) {
                return false;
            }
            for (int i = 0; i < a.size(); i++) {
                if (!jsonEquals(a.get(i), b.get(i))) {
                    return false;
                }
            }
            return true;
        }
        return a.equals(b);
    }

    // ---- RFC 7386 ----------------------------------------------------------------------------

    static JsonNode mergePatch(JsonNode target, JsonNode patch) {
        if (!patch.isObject()) {
            return patch.deepCopy();
        }
        ObjectNode result = target != null && target.isObject() ? ((ObjectNode) target).deepCopy() : NODES.objectNode();
        Iterator<Map.Entry<String, JsonNode>> it = patch.properties().iterator();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getValue().isNull()) {
                result.remove(e.getKey());
            } else {
                result.set(e.getKey(), mergePatch(result.get(e.getKey()), e.getValue()));
            }
        }
        return result;
    }

    // ---- strategic merge patch (approximation) -------------------------------------------------

    /** List fields whose elements Kubernetes merges by a key, with the candidate keys in order. */
    private static final Map<String, List<String>> MERGE_KEYS = new LinkedHashMap<>();

    static {
        for (String f : List.of("containers", "initContainers", "ephemeralContainers", "env", "volumes",
                "imagePullSecrets", "resourceClaims", "schedulingGates", "readinessGates", "secrets",
                "conditions", "addresses", "volumeMounts", "volumeDevices", "hostAliases", "ownerReferences",
                "topologySpreadConstraints", "ports")) {
            MERGE_KEYS.put(f, List.of("name"));
        }
        MERGE_KEYS.put("conditions", List.of("type"));
        MERGE_KEYS.put("readinessGates", List.of("conditionType"));
        MERGE_KEYS.put("addresses", List.of("type"));
        MERGE_KEYS.put("volumeMounts", List.of("mountPath"));
        MERGE_KEYS.put("volumeDevices", List.of("devicePath"));
        MERGE_KEYS.put("hostAliases", List.of("ip"));
        MERGE_KEYS.put("ownerReferences", List.of("uid"));
        MERGE_KEYS.put("topologySpreadConstraints", List.of("topologyKey"));
        // Container ports merge by containerPort, service ports by port.
        MERGE_KEYS.put("ports", List.of("containerPort", "port"));
    }

    /** Primitive lists that strategic merge treats as sets (patch values are added). */
    private static final Set<String> SET_LISTS = Set.of("finalizers");

    private static final String DIRECTIVE = "$patch";
    private static final String RETAIN_KEYS = "$retainKeys";
    private static final String SET_ORDER = "$setElementOrder/";
    private static final String DELETE_FROM = "$deleteFromPrimitiveList/";

    /** Marker returned when a {@code $patch: delete} removes the map being patched. */
    private static final ObjectNode DELETED = NODES.objectNode();

    static JsonNode strategicMergePatch(JsonNode target, JsonNode patch) throws ApiException {
        if (!patch.isObject()) {
            throw ApiException.badRequest("a strategic merge patch must be a JSON object");
        }
        JsonNode result = strategicMap(target, (ObjectNode) patch, true);
        return result == DELETED ? NODES.objectNode() : result;
    }

    /**
     * Merges a patch map into a target. With {@code deleteOnNull} (strategic merge), a null value
     * removes the key; server-side apply reuses this merge with the same list semantics.
     */
    static JsonNode strategicMap(JsonNode target, ObjectNode patch, boolean deleteOnNull) throws ApiException {
        String directive = patch.path(DIRECTIVE).asText("");
        if (directive.equals("delete")) {
            return DELETED;
        }
        ObjectNode result;
        if (directive.equals("replace") || target == null || !target.isObject()) {
            result = NODES.objectNode();
        } else {
            result = ((ObjectNode) target).deepCopy();
        }
        Iterator<Map.Entry<String, JsonNode>> it = patch.properties().iterator();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            String key = e.getKey();
            JsonNode value = e.getValue();
            if (key.startsWith("$")) {
                continue;
            }
            if (value.isNull()) {
                if (deleteOnNull) {
                    result.remove(key);
                } else {
                    result.set(key, value);
                }
            } else if (value.isObject()) {
                JsonNode merged = strategicMap(result.get(key), (ObjectNode) value, deleteOnNull);
                if (merged == DELETED) {
                    result.remove(key);
                } else {
                    result.set(key, merged);
                }
            } else if (value.isArray()) {
                result.set(key, strategicList(key, result.get(key), (ArrayNode) value, deleteOnNull));
            } else {
                result.set(key, value.deepCopy());
            }
        }
        // Directives that act on the merged result.
        Iterator<Map.Entry<String, JsonNode>> directives = patch.properties().iterator();
        while (directives.hasNext()) {
            Map.Entry<String, JsonNode> e = directives.next();
            String key = e.getKey();
            if (key.startsWith(DELETE_FROM) && e.getValue().isArray()) {
                String field = key.substring(DELETE_FROM.length());
                if (result.get(field) instanceof ArrayNode list) {
                    ArrayNode kept = NODES.arrayNode();
                    for (JsonNode item : list) {
                        if (!containsJson(e.getValue(), item)) {
                            kept.add(item);
                        }
                    }
                    result.set(field, kept);
                }
            } else if (key.startsWith(SET_ORDER) && e.getValue().isArray()) {
                String field = key.substring(SET_ORDER.length());
                if (result.get(field) instanceof ArrayNode list) {
                    result.set(field, reorder(field, list, (ArrayNode) e.getValue()));
                }
            } else if (key.equals(RETAIN_KEYS) && e.getValue().isArray()) {
                List<String> drop = new ArrayList<>();
                result.fieldNames().forEachRemaining(name -> {
                    if (!containsJson(e.getValue(), NODES.textNode(name))) {
                        drop.add(name);
                    }
                });
                result.remove(drop);
            }
        }
        return result;
    }

    private static JsonNode strategicList(String field, JsonNode current, ArrayNode patch, boolean deleteOnNull)
            throws ApiException {
        List<JsonNode> elements = new ArrayList<>();
        boolean replace = false;
        for (JsonNode element : patch) {
            if (element.isObject() && element.size() == 1 && "replace".equals(element.path(DIRECTIVE).asText())) {
                replace = true;
            } else {
                elements.add(element);
            }
        }
        ArrayNode existing = !replace && current instanceof ArrayNode a ? a : NODES.arrayNode();

        if (SET_LISTS.contains(field) && elements.stream().allMatch(JsonNode::isValueNode)) {
            ArrayNode result = existing.deepCopy();
            for (JsonNode v : elements) {
                if (!containsJson(result, v)) {
                    result.add(v.deepCopy());
                }
            }
            return result;
        }
        String key = mergeKey(field, elements);
        if (key == null || replace) {
            ArrayNode result = NODES.arrayNode();
            for (JsonNode element : elements) {
                if (element.isObject()) {
                    JsonNode stripped = strategicMap(null, (ObjectNode) element, deleteOnNull);
                    if (stripped != DELETED) {
                        result.add(stripped);
                    }
                } else {
                    result.add(element.deepCopy());
                }
            }
            return result;
        }
        ArrayNode result = existing.deepCopy();
        for (JsonNode element : elements) {
            JsonNode id = element.get(key);
            int at = indexOfKey(result, key, id);
            boolean delete = "delete".equals(element.path(DIRECTIVE).asText());
            if (delete) {
                if (at >= 0) {
                    result.remove(at);
                }
                continue;
            }
            JsonNode merged = strategicMap(at >= 0 ? result.get(at) : null, (ObjectNode) element, deleteOnNull);
            if (merged == DELETED) {
                if (at >= 0) {
                    result.remove(at);
                }
            } else if (at >= 0) {
                result.set(at, merged);
            } else {
                result.add(merged);
            }
        }
        return result;
    }

    /** The key this list merges by, or null when the list is atomic (replaced as a whole). */
    static String mergeKey(String field, List<JsonNode> elements) {
        List<String> candidates = MERGE_KEYS.get(field);
        if (candidates == null || elements.isEmpty()) {
            return null;
        }
        for (String candidate : candidates) {
            boolean all = elements.stream().allMatch(e -> e.isObject() && e.hasNonNull(candidate));
            if (all) {
                return candidate;
            }
        }
        return null;
    }

    private static int indexOfKey(ArrayNode list, String key, JsonNode id) {
        for (int i = 0; i < list.size(); i++) {
            JsonNode candidate = list.get(i).get(key);
            if (candidate != null && jsonEquals(candidate, id)) {
                return i;
            }
        }
        return -1;
    }

    private static boolean containsJson(JsonNode array, JsonNode value) {
        for (JsonNode item : array) {
            if (jsonEquals(item, value)) {
                return true;
            }
        }
        return false;
    }

    /** Puts the elements named in {@code order} first, in that order; the rest keep their order. */
    private static ArrayNode reorder(String field, ArrayNode list, ArrayNode order) {
        List<JsonNode> orderElements = new ArrayList<>();
        order.forEach(orderElements::add);
        String key = mergeKey(field, orderElements);
        ArrayNode result = NODES.arrayNode();
        List<JsonNode> remaining = new ArrayList<>();
        list.forEach(remaining::add);
        for (JsonNode wanted : order) {
            for (Iterator<JsonNode> it = remaining.iterator(); it.hasNext(); ) {
                JsonNode item = it.next();
                boolean same = key != null
                        ? item.has(key) && jsonEquals(item.get(key), wanted.get(key))
                        : jsonEquals(item, wanted);
                if (same) {
                    result.add(item);
                    it.remove();
                    break;
                }
            }
        }
        remaining.forEach(result::add);
        return result;
    }
}
