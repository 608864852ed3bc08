package io.outpost.devapiserver;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The HTTP front of the server: routes Kubernetes REST paths to discovery, OpenAPI and
 * {@link ResourceOperations}, negotiates the response representation, and streams watches.
 *
 * <p>Whatever goes wrong, the client gets a {@code Status}: {@link ApiException}s carry their
 * code, anything unexpected becomes a 500 without internals.
 */
final class ApiHandler implements HttpHandler {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final System.Logger LOG = System.getLogger(ApiHandler.class.getName());

    /** Settings the handler needs from the command line. */
    record Settings(long maxBodyBytes, long defaultWatchSeconds, String gitVersion, boolean logRequests) {
    }

    private final ResourceRegistry registry;
    private final ResourceOperations ops;
    private final ObjectStore store;
    private final Codec codec;
    private final TablePrinter printer;
    private final DiscoveryDocuments discovery;
    private final OpenApiDocuments openapi;
    private final Settings settings;
    private final Supplier<String> serverAddress;
    private final WatchStreamer watches;

    ApiHandler(ResourceRegistry registry, ResourceOperations ops, ObjectStore store, WatchHub hub, Codec codec,
            TablePrinter printer, DiscoveryDocuments discovery, OpenApiDocuments openapi, Settings settings,
            Supplier<String> serverAddress) {
        this.registry = registry;
        this.ops = ops;
        this.store = store;
        this.codec = codec;
        this.printer = printer;
        this.discovery = discovery;
        this.openapi = openapi;
        this.settings = settings;
        this.serverAddress = serverAddress;
        this.watches = new WatchStreamer(store, hub, codec, printer, settings.defaultWatchSeconds());
    }

    @Override
    public void handle(HttpExchange exchange) {
        HttpCall call = null;
        long start = System.nanoTime();
        int[] code = {0};
        try {
            call = new HttpCall(exchange, codec, settings.maxBodyBytes());
            route(call);
        } catch (ApiException e) {
            code[0] = e.code();
            if (call != null) {
                call.sendStatus(e);
            } else {
                sendRaw(exchange, e);
            }
        } catch (IOException e) {
            // The client went away mid-response; nothing to answer.
        } catch (RuntimeException | StackOverflowError e) {
            LOG.log(System.Logger.Level.WARNING, "internal error serving " + exchange.getRequestMethod() + " "
                    + exchange.getRequestURI().getRawPath(), e);
            ApiException internal = new ApiException(500, "InternalError",
                    "an internal error occurred while serving the request (" + e.getClass().getSimpleName() + ")");
            if (call != null) {
                call.sendStatus(internal);
            } else {
                sendRaw(exchange, internal);
            }
        } finally {
            exchange.close();
            if (settings.logRequests()) {
                System.err.printf("%s %s -> %s (%d ms)%n", exchange.getRequestMethod(), exchange.getRequestURI(),
                        code[0] == 0 ? exchange.getResponseCode() : code[0], (System.nanoTime() - start) / 1_000_000);
            }
        }
    }

    private void sendRaw(HttpExchange exchange, ApiException e) {
        try {
            byte[] bytes = codec.write(e.toStatus());
            exchange.getResponseHeaders().set("Content-Type", MediaTypes.JSON);
            exchange.sendResponseHeaders(e.code(), bytes.length);
            exchange.getResponseBody().write(bytes);
        } catch (IOException | RuntimeException ignored) {
            // nothing more can be done for this client
        }
    }

    // ---- routing -----------------------------------------------------------------------------

    private void route(HttpCall call) throws ApiException, IOException {
        List<String> s = call.segments();
        if (s.isEmpty()) {
            requireGet(call);
            ObjectNode root = NODES.objectNode();
            ArrayNode paths = root.putArray("paths");
            for (String p : List.of("/api", "/api/v1", "/apis", "/healthz", "/livez", "/openapi/v3", "/readyz", "/version")) {
                paths.add(p);
            }
            for (ResourceRegistry.GroupVersions g : registry.groups()) {
                if (!g.group().isEmpty()) {
                    paths.add("/apis/" + g.group());
                    g.versions().forEach(v -> paths.add("/apis/" + g.group() + "/" + v));
                }
            }
            sendJson(call, 200, root);
            return;
        }
        switch (s.get(0)) {
            case "version":
                requireGet(call);
                sendJson(call, 200, version());
                return;
            case "healthz":
            case "livez":
            case "readyz":
                requireGet(call);
                call.sendText(200, "ok");
                return;
            case "openapi":
                serveOpenApi(call, s);
                return;
            case "api":
                if (s.size() == 1) {
                    serveDiscoveryRoot(call, true);
                } else if (s.get(1).equals("v1")) {
                    serveGroupVersion(call, "", "v1", s.subList(2, s.size()));
                } else {
                    throw ApiException.pathNotFound();
                }
                return;
            case "apis":
                if (s.size() == 1) {
                    serveDiscoveryRoot(call, false);
                } else if (s.size() == 2) {
                    requireGet(call);
                    ResourceRegistry.GroupVersions g = registry.group(s.get(1)).orElseThrow(ApiException::pathNotFound);
                    sendJson(call, 200, discovery.apiGroup(g));
                } else {
                    serveGroupVersion(call, s.get(1), s.get(2), s.subList(3, s.size()));
                }
                return;
            default:
                throw ApiException.pathNotFound();
        }
    }

    private ObjectNode version() {
        ObjectNode v = NODES.objectNode();
        String git = settings.gitVersion();
        String[] numbers = git.replaceFirst("^v", "").split("[.-]");
        v.put("major", numbers.length > 0 ? numbers[0] : "1");
        v.put("minor", numbers.length > 1 ? numbers[1] : "0");
        v.put("gitVersion", git);
        v.put("gitCommit", "0000000000000000000000000000000000000000");
        v.put("gitTreeState", "clean");
        v.put("buildDate", "2026-01-01T00:00:00Z");
        v.put("goVersion", "n/a (java " + Runtime.version().feature() + ")");
        v.put("compiler", "javac");
        v.put("platform", System.getProperty("os.name", "linux").toLowerCase() + "/" + System.getProperty("os.arch", ""));
        return v;
    }

    private void serveDiscoveryRoot(HttpCall call, boolean core) throws ApiException, IOException {
        requireGet(call);
        MediaTypes.Choice choice = MediaTypes.negotiate(call.header("Accept"), true);
        if (choice == null) {
            throw ApiException.notAcceptable("application/json, " + MediaTypes.DISCOVERY_V2);
        }
        call.addHeader("Vary", "Accept");
        if (choice.kind() == MediaTypes.Kind.DISCOVERY_V2) {
            call.sendJson(200, discovery.aggregated(core), MediaTypes.DISCOVERY_V2, false);
        } else if (core) {
            sendJson(call, 200, discovery.apiVersions(serverAddress.get()));
        } else {
            sendJson(call, 200, discovery.apiGroupList());
        }
    }

    private void serveOpenApi(HttpCall call, List<String> s) throws ApiException, IOException {
        requireGet(call);
        if (s.size() >= 2 && s.get(1).equals("v3")) {
            if (s.size() == 2) {
                sendJson(call, 200, openapi.root());
                return;
            }
            ObjectNode doc = openapi.document(String.join("/", s.subList(2, s.size())));
            if (doc != null) {
                sendJson(call, 200, doc);
                return;
            }
        }
        throw ApiException.pathNotFound();
    }

    private void serveGroupVersion(HttpCall call, String group, String version, List<String> rest)
            throws ApiException, IOException {
        if (registry.inGroupVersion(group, version).isEmpty()) {
            throw ApiException.pathNotFound();
        }
        if (rest.isEmpty()) {
            requireGet(call);
            sendJson(call, 200, discovery.apiResourceList(group, version));
            return;
        }
        boolean watchPath = false;
        if (rest.get(0).equals("watch")) {
            watchPath = true;
            rest = rest.subList(1, rest.size());
            if (rest.isEmpty()) {
                throw ApiException.pathNotFound();
            }
        }
        String namespace = null;
        String resource;
        String name = null;
        String sub = null;
        boolean namespacePrefix = rest.get(0).equals("namespaces") && rest.size() >= 3
                && !(group.isEmpty() && rest.size() == 3 && (rest.get(2).equals("status") || rest.get(2).equals("finalize")));
        if (namespacePrefix) {
            if (rest.size() > 5) {
                throw ApiException.pathNotFound();
            }
            namespace = rest.get(1);
            resource = rest.get(2);
            name = rest.size() > 3 ? rest.get(3) : null;
            sub = rest.size() > 4 ? rest.get(4) : null;
        } else {
            if (rest.size() > 3) {
                throw ApiException.pathNotFound();
            }
            resource = rest.get(0);
            name = rest.size() > 1 ? rest.get(1) : null;
            sub = rest.size() > 2 ? rest.get(2) : null;
        }
        ResourceType type = registry.find(group, version, resource).orElseThrow(ApiException::pathNotFound);
        if (type.namespaced() && namespace == null && name != null) {
            throw ApiException.pathNotFound();
        }
        if (!type.namespaced() && namespace != null) {
            throw ApiException.pathNotFound();
        }
        boolean watch = watchPath || call.boolParam("watch");
        if (watchPath && sub != null) {
            throw ApiException.pathNotFound();
        }
        String ns = namespace == null ? (type.namespaced() ? null : "") : namespace;
        if (name == null) {
            serveCollection(call, type, ns, watch);
        } else if (sub == null) {
            serveObject(call, type, ns, name, watch);
        } else {
            serveSubresource(call, type, ns, name, sub);
        }
    }

    // ---- collections -------------------------------------------------------------------------

    private void serveCollection(HttpCall call, ResourceType type, String ns, boolean watch)
            throws ApiException, IOException {
        switch (call.method()) {
            case "GET":
                if (watch) {
                    serveWatch(call, type, ns, null);
                } else {
                    serveList(call, type, ns);
                }
                return;
            case "POST": {
                if (type.namespaced() && ns == null) {
                    throw ApiException.methodNotAllowed();
                }
                ObjectNode body = readObject(call);
                ObjectNode created = ops.create(type, ns == null ? "" : ns, body, writeOptions(call));
                respondObject(call, type, 201, created);
                return;
            }
            case "DELETE": {
                ResourceOperations.DeleteOptions options = deleteOptions(call);
                List<ObjectNode> deleted = ops.deleteCollection(type, ns, selector(call), options);
                ObjectNode list = NODES.objectNode();
                list.put("kind", type.listKind());
                list.put("apiVersion", type.groupVersion());
                list.putObject("metadata").put("resourceVersion", Long.toString(store.resourceVersion()));
                ArrayNode items = list.putArray("items");
                deleted.forEach(o -> items.add(present(type, o)));
                sendJson(call, 200, list);
                return;
            }
            default:
                throw ApiException.methodNotAllowed();
        }
    }

    private void serveList(HttpCall call, ResourceType type, String ns) throws ApiException, IOException {
        MediaTypes.Choice choice = negotiate(call);
        ResourceOperations.ListResult result = ops.list(type, ns, selector(call), call.longParam("limit", 0),
                call.param("continue"));
        List<ObjectNode> items = new ArrayList<>();
        result.items().forEach(o -> items.add(present(type, o)));
        switch (choice.kind()) {
            case TABLE:
                call.sendJson(200, printer.table(type, items, true, includeObject(call), choice.metaApiVersion(),
                        result.resourceVersion(), result.continueToken()), choice.contentType(), pretty(call));
                return;
            case PARTIAL_METADATA: {
                ObjectNode list = NODES.objectNode();
                list.put("kind", "PartialObjectMetadataList");
                list.put("apiVersion", choice.metaApiVersion());
                listMetadata(list, result);
                ArrayNode array = list.putArray("items");
                items.forEach(o -> array.add(TablePrinter.partialMetadata(o, choice.metaApiVersion())));
                call.sendJson(200, list, choice.contentType(), pretty(call));
                return;
            }
            default: {
                ObjectNode list = NODES.objectNode();
                list.put("kind", type.listKind());
                list.put("apiVersion", type.groupVersion());
                listMetadata(list, result);
                ArrayNode array = list.putArray("items");
                items.forEach(array::add);
                sendJson(call, 200, list);
            }
        }
    }

    private static void listMetadata(ObjectNode list, ResourceOperations.ListResult result) {
        ObjectNode meta = list.putObject("metadata");
        meta.put("resourceVersion", result.resourceVersion());
        if (result.continueToken() != null) {
            meta.put("continue", result.continueToken());
            meta.put("remainingItemCount", result.remaining());
        }
    }

    // ---- single objects ----------------------------------------------------------------------

    private void serveObject(HttpCall call, ResourceType type, String ns, String name, boolean watch)
            throws ApiException, IOException {
        switch (call.method()) {
            case "GET":
                if (watch) {
                    serveWatch(call, type, ns, name);
                } else {
                    respondObject(call, type, 200, ops.get(type, ns, name));
                }
                return;
            case "PUT":
                respondObject(call, type, 200, ops.update(type, ns, name, readObject(call), writeOptions(call)));
                return;
            case "PATCH":
                servePatch(call, type, ns, name, false);
                return;
            case "DELETE":
                respondObject(call, type, 200, ops.delete(type, ns, name, deleteOptions(call)));
                return;
            default:
                throw ApiException.methodNotAllowed();
        }
    }

    private void serveSubresource(HttpCall call, ResourceType type, String ns, String name, String sub)
            throws ApiException, IOException {
        boolean pods = type.builtin() && type.group().isEmpty() && type.plural().equals("pods");
        if (sub.equals("status") && type.hasStatusSubresource()) {
            switch (call.method()) {
                case "GET":
                    respondObject(call, type, 200, ops.get(type, ns, name));
                    return;
                case "PUT":
                    respondObject(call, type, 200, ops.updateStatus(type, ns, name, readObject(call), writeOptions(call)));
                    return;
                case "PATCH":
                    servePatch(call, type, ns, name, true);
                    return;
                default:
                    throw ApiException.methodNotAllowed();
            }
        }
        if (sub.equals("scale") && type.scale() != null) {
            switch (call.method()) {
                case "GET":
                    sendJson(call, 200, ops.getScale(type, ns, name));
                    return;
                case "PUT": {
                    ObjectNode scale = readObject(call);
                    sendJson(call, 200, ops.updateScale(type, ns, name, current -> scale, writeOptions(call)));
                    return;
                }
                case "PATCH": {
                    String contentType = MediaTypes.baseType(call.header("Content-Type"));
                    JsonNode patch = readPatch(call, contentType);
                    sendJson(call, 200, ops.updateScale(type, ns, name,
                            current -> asObject(applyPatch(contentType, true, current, patch)), writeOptions(call)));
                    return;
                }
                default:
                    throw ApiException.methodNotAllowed();
            }
        }
        if (pods && sub.equals("binding")) {
            requireMethod(call, "POST");
            ops.bind(type, ns, name, readObject(call));
            sendJson(call, 201, successStatus(201));
            return;
        }
        if (pods && sub.equals("eviction")) {
            requireMethod(call, "POST");
            ObjectNode eviction = readObject(call);
            ops.delete(type, ns, name, deleteOptionsFrom(call, eviction.path("deleteOptions")));
            sendJson(call, 201, successStatus(201));
            return;
        }
        throw ApiException.pathNotFound();
    }

    static ObjectNode successStatus(int code) {
        ObjectNode status = NODES.objectNode();
        status.put("kind", "Status");
        status.put("apiVersion", "v1");
        status.putObject("metadata");
        status.put("status", "Success");
        status.put("code", code);
        return status;
    }

    // ---- patches -----------------------------------------------------------------------------

    private static final String PATCH_TYPES =
            "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml";

    private void servePatch(HttpCall call, ResourceType type, String ns, String name, boolean statusOnly)
            throws ApiException, IOException {
        String contentType = MediaTypes.baseType(call.header("Content-Type"));
        ResourceOperations.WriteOptions options = writeOptions(call);
        if (contentType.equals("application/apply-patch+yaml")) {
            JsonNode config = codec.readYaml(call.body());
            boolean existed = store.get(type.storageKey(), ns, name) != null;
            ObjectNode result = ops.apply(type, ns, name, statusOnly, asObject(config), options);
            respondObject(call, type, existed ? 200 : 201, result);
            return;
        }
        if (contentType.equals("application/strategic-merge-patch+json") && !type.builtin()) {
            throw ApiException.unsupportedMediaType(contentType, PATCH_TYPES);
        }
        JsonNode patch = readPatch(call, contentType);
        ObjectNode result = ops.patch(type, ns, name, statusOnly,
                current -> asObject(applyPatch(contentType, type.builtin(), current, patch)), options);
        respondObject(call, type, 200, result);
    }

    private JsonNode readPatch(HttpCall call, String contentType) throws ApiException {
        switch (contentType) {
            case "application/json-patch+json":
            case "application/merge-patch+json":
            case "application/strategic-merge-patch+json":
                return codec.readJson(call.body(), false);
            default:
                throw ApiException.unsupportedMediaType(contentType.isEmpty() ? "none" : contentType,
                        PATCH_TYPES + ", application/strategic-merge-patch+json");
        }
    }

    private static JsonNode applyPatch(String contentType, boolean strategicAllowed, ObjectNode current, JsonNode patch)
            throws ApiException {
        switch (contentType) {
            case "application/json-patch+json":
                return Patches.jsonPatch(current, patch);
            case "application/merge-patch+json":
                if (!patch.isObject()) {
                    throw ApiException.badRequest("a merge patch must be a JSON object");
                }
                return Patches.mergePatch(current, patch);
            case "application/strategic-merge-patch+json":
                if (!strategicAllowed) {
                    throw ApiException.unsupportedMediaType(contentType, PATCH_TYPES);
                }
                return Patches.strategicMergePatch(current, patch);
            default:
                throw ApiException.unsupportedMediaType(contentType, PATCH_TYPES);
        }
    }

    private static ObjectNode asObject(JsonNode node) throws ApiException {
        if (node instanceof ObjectNode o) {
            return o;
        }
        throw ApiException.badRequest("the result must be a JSON object");
    }

    // ---- watch -------------------------------------------------------------------------------

    private void serveWatch(HttpCall call, ResourceType type, String ns, String name) throws ApiException, IOException {
        watches.serve(call, type, ns, name, negotiate(call), selector(call), includeObject(call));
    }

    // ---- request decoding --------------------------------------------------------------------

    /** Reads a JSON (or YAML) object body, honouring {@code fieldValidation} for duplicate fields. */
    private ObjectNode readObject(HttpCall call) throws ApiException {
        String contentType = MediaTypes.baseType(call.header("Content-Type"));
        byte[] body = call.body();
        String validation = fieldValidation(call);
        JsonNode node;
        switch (contentType) {
            case "":
            case "application/json":
            case "*/*":
                node = readJsonValidated(call, body, validation);
                break;
            case "application/yaml":
            case "application/x-yaml":
                node = codec.readYaml(body);
                break;
            case ProtobufDecoder.CONTENT_TYPE:
                node = ProtobufDecoder.decode(body);
                break;
            default:
                throw ApiException.unsupportedMediaType(contentType, "application/json, application/yaml, " + ProtobufDecoder.CONTENT_TYPE);
        }
        return asObject(node);
    }

    private JsonNode readJsonValidated(HttpCall call, byte[] body, String validation) throws ApiException {
        try {
            return codec.readJson(body, true);
        } catch (ApiException e) {
            if (!e.getMessage().contains("Duplicate field")) {
                throw e;
            }
            if (validation.equals("Strict")) {
                throw ApiException.badRequest("strict decoding error: " + e.getMessage());
            }
            if (validation.equals("Warn")) {
                call.addHeader("Warning", "299 - \"" + e.getMessage().replace("\"", "'") + "\"");
            }
            return codec.readJson(body, false);
        }
    }

    private static String fieldValidation(HttpCall call) throws ApiException {
        String v = call.param("fieldValidation", "");
        switch (v) {
            case "":
            case "Ignore":
            case "Warn":
            case "Strict":
                return v;
            default:
                throw ApiException.badRequest("fieldValidation must be one of Ignore, Warn, Strict; got \"" + v + "\"");
        }
    }

    private static ResourceOperations.WriteOptions writeOptions(HttpCall call) throws ApiException {
        fieldValidation(call);
        return new ResourceOperations.WriteOptions(dryRun(call.param("dryRun")), call.param("fieldManager", ""),
                call.boolParam("force"));
    }

    private static boolean dryRun(String value) throws ApiException {
        if (value == null || value.isEmpty()) {
            return false;
        }
        if (value.equals("All")) {
            return true;
        }
        throw ApiException.badRequest("dryRun supports only \"All\", got \"" + value + "\"");
    }

    private ResourceOperations.DeleteOptions deleteOptions(HttpCall call) throws ApiException {
        byte[] body = call.body();
        JsonNode options = NODES.objectNode();
        if (body.length > 0 && MediaTypes.baseType(call.header("Content-Type")).equals(ProtobufDecoder.CONTENT_TYPE)) {
            options = ProtobufDecoder.decode(body);
        } else if (body.length > 0 && !new String(body, StandardCharsets.UTF_8).isBlank()) {
            options = codec.readJson(body, false);
            if (!options.isObject()) {
                throw ApiException.badRequest("DeleteOptions must be a JSON object");
            }
        }
        return deleteOptionsFrom(call, options);
    }

    private static ResourceOperations.DeleteOptions deleteOptionsFrom(HttpCall call, JsonNode body) throws ApiException {
        Long grace = null;
        if (body.hasNonNull("gracePeriodSeconds")) {
            grace = body.get("gracePeriodSeconds").asLong();
        }
        String queryGrace = call.param("gracePeriodSeconds");
        if (queryGrace != null && !queryGrace.isEmpty()) {
            try {
                grace = Long.parseLong(queryGrace);
            } catch (NumberFormatException e) {
                throw ApiException.badRequest("invalid gracePeriodSeconds \"" + queryGrace + "\"");
            }
        }
        boolean dryRun = dryRun(call.param("dryRun"));
        for (JsonNode d : body.path("dryRun")) {
            dryRun |= dryRun(d.asText());
        }
        String uid = body.path("preconditions").path("uid").asText(null);
        String rv = body.path("preconditions").path("resourceVersion").asText(null);
        // propagationPolicy and orphanDependents are accepted; there is no garbage collector.
        return new ResourceOperations.DeleteOptions(dryRun, grace, uid, rv);
    }

    private static Selectors.Selector selector(HttpCall call) throws ApiException {
        try {
            return Selectors.and(Selectors.parseLabelSelector(call.param("labelSelector")),
                    Selectors.parseFieldSelector(call.param("fieldSelector")));
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage());
        }
    }

    private static TablePrinter.IncludeObject includeObject(HttpCall call) throws ApiException {
        String v = call.param("includeObject", "");
        switch (v) {
            case "":
            case "PartialObjectMetadata":
                return TablePrinter.IncludeObject.METADATA;
            case "Object":
                return TablePrinter.IncludeObject.OBJECT;
            case "None":
                return TablePrinter.IncludeObject.NONE;
            default:
                throw ApiException.badRequest("includeObject must be None, Object or PartialObjectMetadata");
        }
    }

    private static MediaTypes.Choice negotiate(HttpCall call) throws ApiException {
        MediaTypes.Choice choice = MediaTypes.negotiate(call.header("Accept"), false);
        if (choice == null) {
            throw ApiException.notAcceptable("application/json, " + MediaTypes.TABLE_V1);
        }
        return choice;
    }

    private static void requireGet(HttpCall call) throws ApiException {
        String m = call.method();
        if (!m.equals("GET") && !m.equals("HEAD")) {
            throw ApiException.methodNotAllowed();
        }
    }

    private static void requireMethod(HttpCall call, String method) throws ApiException {
        if (!call.method().equals(method)) {
            throw ApiException.methodNotAllowed();
        }
    }

    // ---- responses ---------------------------------------------------------------------------

    /** A stored object as served in this resource's API version, apiVersion and kind first. */
    static ObjectNode present(ResourceType type, ObjectNode stored) {
        ObjectNode out = NODES.objectNode();
        out.put("apiVersion", type.groupVersion());
        out.put("kind", type.kind());
        Iterator<Map.Entry<String, JsonNode>> it = stored.properties().iterator();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getKey().equals("apiVersion") && !e.getKey().equals("kind")) {
                out.set(e.getKey(), e.getValue());
            }
        }
        return out;
    }

    private void respondObject(HttpCall call, ResourceType type, int code, ObjectNode object)
            throws ApiException, IOException {
        ObjectNode presented = present(type, object);
        MediaTypes.Choice choice = negotiate(call);
        switch (choice.kind()) {
            case TABLE:
                call.sendJson(code, printer.table(type, List.of(presented), true, includeObject(call), choice.metaApiVersion(),
                        KubeObjects.resourceVersion(presented), null), choice.contentType(), pretty(call));
                return;
            case PARTIAL_METADATA:
                call.sendJson(code, TablePrinter.partialMetadata(presented, choice.metaApiVersion()), choice.contentType(),
                        pretty(call));
                return;
            default:
                sendJson(call, code, presented);
        }
    }

    private void sendJson(HttpCall call, int code, JsonNode node) throws IOException, ApiException {
        call.sendJson(code, node, MediaTypes.JSON, pretty(call));
    }

    private static boolean pretty(HttpCall call) throws ApiException {
        return call.boolParam("pretty");
    }
}
