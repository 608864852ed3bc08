package io.outpost.devapiserver;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * Minimal OpenAPI v3 documents ({@code /openapi/v3} and one per group version).
 *
 * <p>They exist for kubectl: before {@code create}/{@code apply}, kubectl checks whether the
 * server validates fields itself by looking for a {@code fieldValidation} parameter on the
 * resource's PATCH operation. When it finds one, it skips client-side schema validation and lets
 * the server handle {@code ?fieldValidation=Strict}. Operations list only JSON patch, merge patch
 * and apply patch: without the strategic merge content type kubectl computes client-side-apply
 * patches from its compiled-in types (and plain merge patches for custom resources), which is
 * what this server understands. Schemas are placeholders, so {@code kubectl explain} has nothing
 * to show. {@code /openapi/v2} is not served; kubectl copes without it.
 */
final class OpenApiDocuments {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final ResourceRegistry registry;
    private final Codec codec;
    private final String version;
    private long cachedRevision = -1;
    private Map<String, ObjectNode> cachedDocs = Map.of();
    private Map<String, String> cachedHashes = Map.of();

    OpenApiDocuments(ResourceRegistry registry, Codec codec, String version) {
        this.registry = registry;
        this.codec = codec;
        this.version = version;
    }

    /** The discovery root: one entry per group version, with a content hash in the URL. */
    synchronized ObjectNode root() {
        refresh();
        ObjectNode root = NODES.objectNode();
        ObjectNode paths = root.putObject("paths");
        cachedDocs.keySet().stream().sorted().forEach(key ->
                paths.putObject(key).put("serverRelativeURL", "/openapi/v3/" + key + "?hash=" + cachedHashes.get(key)));
        return root;
    }

    /** The document for "api/v1" or "apis/GROUP/VERSION", or null when not served. */
    synchronized ObjectNode document(String key) {
        refresh();
        return cachedDocs.get(key);
    }

    private void refresh() {
        long revision = registry.revision();
        if (revision == cachedRevision) {
            return;
        }
        Map<String, ObjectNode> docs = new HashMap<>();
        Map<String, String> hashes = new HashMap<>();
        for (ResourceRegistry.GroupVersions g : registry.groups()) {
            for (String v : g.versions()) {
                String key = g.group().isEmpty() ? "api/" + v : "apis/" + g.group() + "/" + v;
                ObjectNode doc = build(registry.inGroupVersion(g.group(), v));
                docs.put(key, doc);
                hashes.put(key, hash(codec.write(doc)));
            }
        }
        cachedDocs = docs;
        cachedHashes = hashes;
        cachedRevision = revision;
    }

    private ObjectNode build(List<ResourceType> types) {
        ObjectNode doc = NODES.objectNode();
        doc.put("openapi", "3.0.0");
        ObjectNode info = doc.putObject("info");
        info.put("title", "Kubernetes");
        info.put("version", version);
        ObjectNode paths = doc.putObject("paths");
        ObjectNode schemas = doc.putObject("components").putObject("schemas");
        ObjectNode patchSchema = schemas.putObject("io.k8s.apimachinery.pkg.apis.meta.v1.Patch");
        patchSchema.put("type", "object");
        patchSchema.put("description", "Patch is provided to give a concrete name and type to the Kubernetes PATCH request body.");
        for (ResourceType t : types) {
            String schemaName = schemaName(t);
            ObjectNode schema = schemas.putObject(schemaName);
            schema.put("type", "object");
            schema.put("description", t.kind() + " (schema not published by the development API server)");
            schema.put("x-kubernetes-preserve-unknown-fields", true);
            schema.putArray("x-kubernetes-group-version-kind").add(gvk(t));

            String base = t.namespaced()
                    ? t.apiPrefix() + "/namespaces/{namespace}/" + t.plural() + "/{name}"
                    : t.apiPrefix() + "/" + t.plural() + "/{name}";
            paths.set(base, pathItem(t, schemaName, ""));
            if (t.hasStatusSubresource()) {
                paths.set(base + "/status", pathItem(t, schemaName, "status"));
            }
        }
        return doc;
    }

    private ObjectNode pathItem(ResourceType t, String schemaName, String subresource) {
        ObjectNode item = NODES.objectNode();
        ArrayNode pathParams = item.putArray("parameters");
        pathParams.add(param("name", "path", true));
        if (t.namespaced()) {
            pathParams.add(param("namespace", "path", true));
        }
        ObjectNode ref = NODES.objectNode();
        ref.put("$ref", "#/components/schemas/" + schemaName);

        ObjectNode get = item.putObject("get");
        get.put("description", "read the specified " + t.kind() + (subresource.isEmpty() ? "" : " " + subresource));
        get.set("responses", okResponse(ref));
        get.put("x-kubernetes-action", "get");
        get.set("x-kubernetes-group-version-kind", gvk(t));

        ObjectNode patch = item.putObject("patch");
        patch.put("description", "partially update the specified " + t.kind() + (subresource.isEmpty() ? "" : " " + subresource));
        ArrayNode params = patch.putArray("parameters");
        params.add(param("dryRun", "query", false));
        params.add(param("fieldManager", "query", false));
        params.add(param("fieldValidation", "query", false));
        params.add(param("force", "query", false));
        ObjectNode body = patch.putObject("requestBody");
        ObjectNode content = body.putObject("content");
        ObjectNode patchRef = NODES.objectNode();
        patchRef.put("$ref", "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.Patch");
        for (String mediaType : List.of("application/apply-patch+yaml", "application/json-patch+json",
                "application/merge-patch+json")) {
            content.putObject(mediaType).set("schema", patchRef.deepCopy());
        }
        body.put("required", true);
        patch.set("responses", okResponse(ref));
        patch.put("x-kubernetes-action", "patch");
        patch.set("x-kubernetes-group-version-kind", gvk(t));
        return item;
    }

    private static ObjectNode okResponse(ObjectNode schemaRef) {
        ObjectNode responses = NODES.objectNode();
        ObjectNode ok = responses.putObject("200");
        ok.put("description", "OK");
        ok.putObject("content").putObject("application/json").set("schema", schemaRef.deepCopy());
        return responses;
    }

    private static ObjectNode param(String name, String in, boolean required) {
        ObjectNode p = NODES.objectNode();
        p.put("name", name);
        p.put("in", in);
        if (required) {
            p.put("required", true);
        }
        p.putObject("schema").put("type", name.equals("force") ? "boolean" : "string");
        return p;
    }

    private static ObjectNode gvk(ResourceType t) {
        ObjectNode gvk = NODES.objectNode();
        gvk.put("group", t.group());
        gvk.put("version", t.version());
        gvk.put("kind", t.kind());
        return gvk;
    }

    /** Schema names in the style of Kubernetes' (reversed group, version, kind). */
    private static String schemaName(ResourceType t) {
        if (t.builtin()) {
            String group = t.group().isEmpty() ? "core" : t.group().replace(".k8s.io", "");
            return "io.k8s.api." + group + "." + t.version() + "." + t.kind();
        }
        String[] parts = t.group().split("\\.");
        StringBuilder reversed = new StringBuilder();
        for (int i = parts.length - 1; i >= 0; i--) {
            reversed.append(parts[i]).append('.');
        }
        return reversed + t.version() + "." + t.kind();
    }

    private static String hash(byte[] bytes) {
        try {
            return HexFormat.of().withUpperCase().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            return Integer.toHexString(new String(bytes, StandardCharsets.UTF_8).hashCode());
        }
    }
}
