package io.outpost.edge.localapi;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The gateway's local API, KubeEdge's MetaServer re-stated: Kubernetes-shaped, read-only REST
 * for what the cloud sent this gateway (pods with the pod manager's status, ConfigMaps, Secrets,
 * Services, EndpointSlices, Devices, the Node), answered from the gateway's own stores so that
 * edge apps and {@code kubectl} work while the cloud is away. Discovery, list, get, watch
 * ({@code ?watch=true} and {@code /watch/} paths, resuming from a resourceVersion), label and
 * field selectors, Tables for kubectl. Every request but the health checks needs the bearer
 * token. No OSGi, no I/O of its own: the HTTP server ({@link LocalApiServer}) calls
 * {@link #handle}, the component's timer calls {@link #tick}.
 */
public final class LocalApi {
    /** Where objects come from: the meta store, with pod statuses from the pod manager. */
    public interface Source {
        /** @return every object of the resource, as the gateway holds it now; never null */
        List<? extends JsonNode> list(ApiResource resource);
    }

    /** A request, as the HTTP server decoded it. */
    public record Request(String method, String path, Map<String, List<String>> query, String authorization, String accept) {
    }

    /** What to answer. */
    public sealed interface Reply permits Full, Stream {
    }

    /** A complete answer. */
    public record Full(int status, String contentType, byte[] body) implements Reply {
    }

    /** A watch: the server sends the headers, then {@link #startWatch}. */
    public record Stream(ApiResource resource, Predicate<JsonNode> filter, long since, boolean table, String includeObject,
            long timeoutSeconds) implements Reply {
    }

    /** Longest watch; kube-apiserver's default request timeout is 30 to 60 minutes. */
    static final long MAX_WATCH_SECONDS = 3600;
    static final long DEFAULT_WATCH_SECONDS = 1800;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String JSON_TYPE = "application/json";

    private final Source source;
    private final ChangeLog log;
    private final Credentials credentials;
    private final int maxWatches;
    private final Clock clock;

    public LocalApi(Source source, ChangeLog log, Credentials credentials, int maxWatches, Clock clock) {
        this.source = source;
        this.log = log;
        this.credentials = credentials;
        this.maxWatches = maxWatches;
        this.clock = clock;
    }

    /** Re-reads the resources that have watches open, so their watchers get the changes. */
    public void tick() {
        for (ApiResource r : log.watched()) {
            log.refresh(r, source.list(r));
        }
    }

    /** Ends every watch (shutting down). */
    public void endWatches() {
        log.endAll();
    }

    /**
     * Starts a watch the server has sent the headers for.
     *
     * @throws ChangeLog.Expired when its resourceVersion is too old: send an ERROR event with
     *     {@link #expiredStatus}, then end the stream
     */
    public ChangeLog.Watch startWatch(Stream s, ChangeLog.Sink sink) throws ChangeLog.Expired {
        log.refresh(s.resource(), source.list(s.resource()));
        return log.watch(s.resource(), s.filter(), s.since(), sink);
    }

    /** One watch event as a line of JSON; {@code first} puts the Table's column definitions in. */
    public byte[] encodeEvent(Stream s, String type, ObjectNode object, boolean first) {
        ObjectNode e = JSON.createObjectNode().put("type", type);
        if (s.table()) {
            e.set("object", Tables.table(s.resource(), List.of(object), first, s.includeObject(),
                    object.path("metadata").path("resourceVersion").asText(), clock.instant()));
        } else {
            e.set("object", object);
        }
        return (e.toString() + "\n").getBytes(StandardCharsets.UTF_8);
    }

    /** The ERROR event that ends a watch whose resourceVersion is gone. */
    public byte[] expiredEvent(ChangeLog.Expired e) {
        ObjectNode ev = JSON.createObjectNode().put("type", "ERROR");
        ev.set("object", status(410, "Expired", e.getMessage()));
        return (ev.toString() + "\n").getBytes(StandardCharsets.UTF_8);
    }

    /** Answers one request; never throws for bad input (it becomes a Status with what to fix). */
    public Reply handle(Request req) {
        String path = req.path();
        if (path.equals("/healthz") || path.equals("/livez") || path.equals("/readyz")) {
            return new Full(200, "text/plain; charset=utf-8", "ok".getBytes(StandardCharsets.UTF_8));
        }
        if (!credentials.accepts(req.authorization())) {
            return error(401, "Unauthorized", "Unauthorized: the gateway's local API needs the bearer token of the kubeconfig"
                    + " it writes (" + credentials.tokenFile().getParent().resolve("kubeconfig") + " by default)");
        }
        if (!req.method().equals("GET") && !req.method().equals("HEAD")) {
            return error(405, "MethodNotAllowed", "the gateway's local API is read-only: " + req.method()
                    + " is not allowed; change objects through the cloud's Kubernetes API");
        }
        try {
            return route(req);
        } catch (IllegalArgumentException e) {
            return error(400, "BadRequest", e.getMessage());
        }
    }

    private Reply route(Request req) {
        List<String> seg = new ArrayList<>();
        for (String s : req.path().split("/")) {
            if (!s.isEmpty()) {
                seg.add(s);
            }
        }
        if (seg.equals(List.of("version"))) {
            ObjectNode v = JSON.createObjectNode().put("major", "1").put("minor", "32").put("gitVersion", "v1.32.0-outpost-local")
                    .put("platform", "linux");
            return ok(v);
        }
        if (seg.equals(List.of("api"))) {
            ObjectNode v = JSON.createObjectNode().put("kind", "APIVersions");
            v.putArray("versions").add("v1");
            v.putArray("serverAddressByClientCIDRs");
            return ok(v);
        }
        if (seg.equals(List.of("apis"))) {
            ObjectNode list = JSON.createObjectNode().put("kind", "APIGroupList").put("apiVersion", "v1");
            ArrayNode groups = list.putArray("groups");
            for (String g : groups()) {
                groups.add(group(g));
            }
            return ok(list);
        }
        if (seg.size() == 2 && seg.get(0).equals("apis")) {
            if (!groups().contains(seg.get(1))) {
                return notFound("the gateway's local API does not serve the API group " + seg.get(1));
            }
            return ok(group(seg.get(1)));
        }
        int prefix;
        String group;
        String version;
        if (seg.size() >= 2 && seg.get(0).equals("api")) {
            prefix = 2;
            group = "";
            version = seg.get(1);
        } else if (seg.size() >= 3 && seg.get(0).equals("apis")) {
            prefix = 3;
            group = seg.get(1);
            version = seg.get(2);
        } else {
            return notFound("the gateway's local API serves /api/v1 and /apis/<group>/<version>; there is nothing at " + req.path());
        }
        List<String> rest = new ArrayList<>(seg.subList(prefix, seg.size()));
        if (rest.isEmpty()) {
            return resourceList(group, version);
        }
        boolean watch = param(req, "watch").map(LocalApi::bool).orElse(false);
        if (rest.get(0).equals("watch")) {
            watch = true;
            rest.remove(0);
        }
        String namespace = null;
        if (rest.size() >= 3 && rest.get(0).equals("namespaces")) {
            namespace = rest.get(1);
            rest = rest.subList(2, rest.size());
        }
        if (rest.isEmpty() || rest.size() > 2) {
            return notFound("no resource at " + req.path() + ": use [namespaces/<ns>/]<resource>[/<name>]");
        }
        String plural = rest.get(0);
        String name = rest.size() == 2 ? rest.get(1) : null;
        ApiResource r = ApiResource.find(group, version, plural).orElse(null);
        if (r == null) {
            return notFound("the server could not find the requested resource: the gateway's local API serves "
                    + String.join(", ", ApiResource.ALL.stream().map(x -> x.plural() + "." + x.groupVersion()).toList()));
        }
        if (namespace != null && !r.namespaced()) {
            return notFound(r.plural() + " are not namespaced");
        }
        Predicate<JsonNode> filter = filter(req, r, namespace, name);
        boolean table = req.accept() != null && req.accept().contains("as=Table");
        String include = param(req, "includeObject").orElse("PartialObjectMetadata");
        if (watch) {
            if (log.watchCount() >= maxWatches) {
                return error(429, "TooManyRequests", "the gateway's local API has " + maxWatches + " watches open, its limit; close some"
                        + " or raise maxWatches");
            }
            String rv = param(req, "resourceVersion").orElse("");
            long since = rv.isEmpty() || rv.equals("0") ? -1 : parseVersion(rv);
            long timeout = param(req, "timeoutSeconds").map(t -> parseLong("timeoutSeconds", t)).orElse(DEFAULT_WATCH_SECONDS);
            return new Stream(r, filter, since, table, include, Math.max(1, Math.min(timeout, MAX_WATCH_SECONDS)));
        }
        List<ObjectNode> all = log.refresh(r, source.list(r));
        String listVersion = Long.toString(log.resourceVersion());
        if (name != null) {
            for (ObjectNode o : all) {
                if (filter.test(o)) {
                    return ok(table ? Tables.table(r, List.of(o), true, include, o.path("metadata").path("resourceVersion").asText(),
                            clock.instant()) : o);
                }
            }
            ObjectNode s = status(404, "NotFound", r.plural() + (r.group().isEmpty() ? "" : "." + r.group()) + " \"" + name
                    + "\" not found");
            s.putObject("details").put("name", name).put("group", r.group()).put("kind", r.plural());
            return json(404, s);
        }
        List<ObjectNode> items = all.stream().filter(filter).toList();
        if (table) {
            return ok(Tables.table(r, items, true, include, listVersion, clock.instant()));
        }
        ObjectNode list = JSON.createObjectNode().put("kind", r.kind() + "List").put("apiVersion", r.groupVersion());
        list.putObject("metadata").put("resourceVersion", listVersion);
        ArrayNode arr = list.putArray("items");
        items.forEach(arr::add);
        return ok(list);
    }

    private static Predicate<JsonNode> filter(Request req, ApiResource r, String namespace, String name) {
        Predicate<JsonNode> f = o -> true;
        if (namespace != null) {
            f = f.and(o -> namespace.equals(o.path("metadata").path("namespace").asText()));
        }
        if (name != null) {
            f = f.and(o -> name.equals(o.path("metadata").path("name").asText()));
        }
        String labels = param(req, "labelSelector").orElse("");
        if (!labels.isEmpty()) {
            f = f.and(Selectors.labels(labels));
        }
        String fields = param(req, "fieldSelector").orElse("");
        if (!fields.isEmpty()) {
            f = f.and(Selectors.fields(fields));
        }
        return f;
    }

    private static Set<String> groups() {
        Set<String> g = new LinkedHashSet<>();
        ApiResource.ALL.stream().filter(r -> !r.group().isEmpty()).forEach(r -> g.add(r.group()));
        return g;
    }

    private static ObjectNode group(String name) {
        ObjectNode g = JSON.createObjectNode().put("kind", "APIGroup").put("apiVersion", "v1").put("name", name);
        ArrayNode versions = g.putArray("versions");
        String preferred = null;
        for (ApiResource r : ApiResource.ALL) {
            if (r.group().equals(name) && preferred == null) {
                preferred = r.version();
                versions.addObject().put("groupVersion", r.groupVersion()).put("version", r.version());
            }
        }
        g.putObject("preferredVersion").put("groupVersion", name + "/" + preferred).put("version", preferred);
        return g;
    }

    private Reply resourceList(String group, String version) {
        List<ApiResource> rs = ApiResource.ALL.stream().filter(r -> r.group().equals(group) && r.version().equals(version)).toList();
        if (rs.isEmpty()) {
            return notFound("the gateway's local API does not serve " + (group.isEmpty() ? version : group + "/" + version));
        }
        ObjectNode list = JSON.createObjectNode().put("kind", "APIResourceList").put("apiVersion", "v1")
                .put("groupVersion", rs.get(0).groupVersion());
        ArrayNode arr = list.putArray("resources");
        for (ApiResource r : rs) {
            ObjectNode o = arr.addObject().put("name", r.plural()).put("singularName", r.kind().toLowerCase())
                    .put("namespaced", r.namespaced()).put("kind", r.kind());
            o.putArray("verbs").add("get").add("list").add("watch");
            ArrayNode sn = o.putArray("shortNames");
            r.shortNames().forEach(sn::add);
        }
        return ok(list);
    }

    private static java.util.Optional<String> param(Request req, String name) {
        List<String> v = req.query().get(name);
        return v == null || v.isEmpty() ? java.util.Optional.empty() : java.util.Optional.of(v.get(0));
    }

    private static boolean bool(String v) {
        return switch (v) {
            case "true", "1" -> true;
            case "false", "0", "" -> false;
            default -> throw new IllegalArgumentException("watch=" + v + ": use watch=true or watch=false");
        };
    }

    private static long parseVersion(String rv) {
        try {
            return Long.parseLong(rv);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("resourceVersion " + rv + " is not one of this API's versions (numbers);"
                    + " list first and watch from the list's metadata.resourceVersion");
        }
    }

    private static long parseLong(String what, String v) {
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(what + "=" + v + " is not a number");
        }
    }

    private static Full ok(ObjectNode body) {
        return json(200, body);
    }

    private static Full notFound(String message) {
        return error(404, "NotFound", message);
    }

    static Full error(int code, String reason, String message) {
        return json(code, status(code, reason, message));
    }

    static ObjectNode status(int code, String reason, String message) {
        ObjectNode s = JSON.createObjectNode().put("kind", "Status").put("apiVersion", "v1");
        s.putObject("metadata");
        return s.put("status", "Failure").put("message", message).put("reason", reason).put("code", code);
    }

    private static Full json(int code, ObjectNode body) {
        try {
            return new Full(code, JSON_TYPE, JSON.writeValueAsBytes(body));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree always serialises", e);
        }
    }
}
