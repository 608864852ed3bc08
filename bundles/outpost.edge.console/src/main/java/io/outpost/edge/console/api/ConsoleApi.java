package io.outpost.edge.console.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.outpost.edge.console.auth.Authenticator;
import io.outpost.edge.console.auth.LoginThrottle;
import io.outpost.edge.console.auth.PasswordPolicy;
import io.outpost.edge.console.auth.PasswordRecords;
import io.outpost.edge.console.auth.Session;
import io.outpost.edge.console.auth.SessionStore;
import io.outpost.edge.console.config.ComponentDef;
import io.outpost.edge.console.config.FieldDef;
import io.outpost.edge.console.config.MetatypeValidator;
import io.outpost.edge.console.config.SnapshotStore;
import io.outpost.edge.console.config.Validation;
import io.outpost.edge.console.http.EventSink;
import io.outpost.edge.console.http.HttpRequest;
import io.outpost.edge.console.http.HttpResponse;
import io.outpost.edge.console.logs.LogBuffer;
import io.outpost.edge.console.logs.LogLine;
import io.outpost.pod.api.ContainerLog;
import io.outpost.pod.api.PodException;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Array;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The console's HTTP surface: the single-page app's files and the JSON API under {@code /api}
 * (documented in docs/console-api.md). Sessions live in an HttpOnly, Secure, SameSite=Strict
 * cookie; every state-changing request needs the session's CSRF token in {@code X-CSRF-Token};
 * a user whose password was not chosen in the console may only change it.
 */
public final class ConsoleApi {
    public static final String COOKIE = "outpost_console";
    public static final String CSRF_HEADER = "X-CSRF-Token";
    private static final Logger LOG = LoggerFactory.getLogger(ConsoleApi.class);
    private static final Pattern BUNDLE_OP = Pattern.compile("/api/bundles/([0-9]{1,18})/(start|stop)");
    private static final Pattern FEATURE_OP = Pattern.compile("/api/features/([A-Za-z0-9_.\\-]{1,200})/(install|uninstall|update)");
    private static final Pattern CONFIG_PID = Pattern.compile("/api/config/([A-Za-z0-9_.\\-~]{1,300})");
    private static final Pattern SNAPSHOT = Pattern.compile("/api/snapshots/([0-9TZ\\-]{1,40})(/rollback)?");
    private static final String NAME = "([A-Za-z0-9][A-Za-z0-9_.\\-]{0,252})";
    private static final Pattern POD = Pattern.compile("/api/pods/" + NAME + "/" + NAME + "(/logs)?");
    private static final Pattern DEVICE = Pattern.compile("/api/devices/" + NAME + "/" + NAME + "(?:/twins/([A-Za-z0-9_.\\-]{1,253}))?");
    /** How often a followed container log is read again. */
    static final Duration LOG_FOLLOW_PERIOD = Duration.ofMillis(500);
    /** An event stream with nothing to say sends a ping this often, well inside the server's idle timeout. */
    static final Duration PING_PERIOD = Duration.ofSeconds(20);
    private static final Map<String, String> STATIC = Map.of(
            "/", "index.html", "/index.html", "index.html", "/app.js", "app.js", "/app.css", "app.css", "/favicon.svg", "favicon.svg");

    /** Everything the API works with. */
    public record Deps(SessionStore sessions, LoginThrottle throttle, PasswordRecords passwords, Supplier<Authenticator> authenticator,
            Backends.Status status, Backends.Bundles bundles, Backends.Features features, Backends.Settings settings,
            Backends.Devices devices, Backends.Pods pods, Backends.Ota ota, LogBuffer logs, SnapshotStore snapshots, ScheduledExecutorService scheduler, ObjectMapper json,
            Duration statusInterval) {
    }

    private final Deps d;
    private final ObjectMapper json;

    public ConsoleApi(Deps deps) {
        this.d = deps;
        this.json = deps.json();
    }

    /** Answers one request; never throws. */
    public HttpResponse handle(HttpRequest r) {
        try {
            if (!r.path().startsWith("/api/")) {
                return staticFile(r);
            }
            HttpResponse resp = api(r);
            return resp.with("Cache-Control", "no-store");
        } catch (ApiException e) {
            return error(e.status(), e.getMessage()).with("Cache-Control", "no-store");
        } catch (RuntimeException e) {
            LOG.warn("console: {} {} failed", r.method(), r.path(), e);
            return error(500, "internal error (" + e.getClass().getSimpleName() + "); see the gateway's log");
        }
    }

    private HttpResponse staticFile(HttpRequest r) {
        String name = STATIC.get(r.path());
        if (name == null || !(r.method().equals("GET") || r.method().equals("HEAD"))) {
            return HttpResponse.text(404, "not found");
        }
        try (InputStream in = ConsoleApi.class.getResourceAsStream("/web/" + name)) {
            if (in == null) {
                return HttpResponse.text(404, "not found");
            }
            String type = name.endsWith(".html") ? "text/html; charset=utf-8" : name.endsWith(".js") ? "text/javascript; charset=utf-8"
                    : name.endsWith(".css") ? "text/css; charset=utf-8" : "image/svg+xml";
            return HttpResponse.of(200, type, in.readAllBytes()).with("Cache-Control", "no-cache");
        } catch (IOException e) {
            return HttpResponse.text(500, "cannot read " + name);
        }
    }

    private HttpResponse api(HttpRequest r) throws ApiException {
        String path = r.path();
        String m = r.method();
        if (path.equals("/api/login") && m.equals("POST")) {
            return login(r);
        }
        Optional<Session> found = d.sessions().get(r.cookie(COOKIE));
        if (found.isEmpty()) {
            throw new ApiException(401, "not logged in, or the session has expired: log in again (POST /api/login)");
        }
        Session s = found.get();
        if (r.changesState() && !SessionStore.csrfMatches(s, r.header(CSRF_HEADER))) {
            return error(403, "missing or wrong CSRF token: send the token from /api/session in the " + CSRF_HEADER + " header")
                    .with("X-Error-Code", "csrf");
        }
        if (path.equals("/api/session") && m.equals("GET")) {
            return ok(sessionDoc(s));
        }
        if (path.equals("/api/logout") && m.equals("POST")) {
            d.sessions().remove(s.id());
            return ok(json.createObjectNode().put("loggedOut", true)).with("Set-Cookie", COOKIE + "=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Strict");
        }
        if (path.equals("/api/password") && m.equals("POST")) {
            return changePassword(r, s);
        }
        if (d.sessions().mustChangePassword(s)) {
            return error(403, "change your password first (POST /api/password): the current one was not chosen in the console")
                    .with("X-Error-Code", "password_change_required");
        }
        if (path.equals("/api/status") && m.equals("GET")) {
            return ok(d.status().status());
        }
        if (path.equals("/api/bundles") && m.equals("GET")) {
            return ok(d.bundles().list());
        }
        Matcher bm = BUNDLE_OP.matcher(path);
        if (bm.matches() && m.equals("POST")) {
            long id = Long.parseLong(bm.group(1));
            if (bm.group(2).equals("start")) {
                d.bundles().start(id);
            } else {
                d.bundles().stop(id);
            }
            LOG.info("console: {} {} bundle {}", s.username(), bm.group(2), id);
            return ok(json.createObjectNode().put("id", id).put("done", bm.group(2)));
        }
        if (path.equals("/api/features") && m.equals("GET")) {
            return ok(d.features().list());
        }
        Matcher fm = FEATURE_OP.matcher(path);
        if (fm.matches() && m.equals("POST")) {
            JsonNode body = r.body().length == 0 ? json.createObjectNode() : body(r);
            String version = body.path("version").asText("");
            LOG.info("console: {} {} feature {}", s.username(), fm.group(2), fm.group(1));
            if (fm.group(2).equals("update")) {
                String now = d.features().update(fm.group(1), version);
                return ok(json.createObjectNode().put("name", fm.group(1)).put("done", "update").put("version", now));
            }
            if (fm.group(2).equals("install")) {
                d.features().install(fm.group(1), version);
            } else {
                d.features().uninstall(fm.group(1), version);
            }
            return ok(json.createObjectNode().put("name", fm.group(1)).put("done", fm.group(2)));
        }
        if (path.equals("/api/config") && m.equals("GET")) {
            ArrayNode a = json.createArrayNode();
            for (ComponentDef c : d.settings().components()) {
                a.addObject().put("pid", c.pid()).put("name", c.name()).put("description", c.description()).put("bundle", c.bundle())
                        .put("fields", c.fields().size());
            }
            return ok(a);
        }
        Matcher cm = CONFIG_PID.matcher(path);
        if (cm.matches()) {
            ComponentDef def = component(cm.group(1));
            if (m.equals("GET")) {
                return ok(componentDoc(def, d.settings().values(def.pid())));
            }
            if (m.equals("PUT") || m.equals("POST")) {
                return applyConfig(r, s, def);
            }
        }
        if (path.equals("/api/snapshots") && m.equals("GET")) {
            return ok(snapshotList());
        }
        if (path.equals("/api/snapshots") && m.equals("POST")) {
            JsonNode body = r.body().length == 0 ? json.createObjectNode() : body(r);
            ObjectNode doc = saveSnapshot(body.path("reason").asText("taken by " + s.username()));
            return HttpResponse.of(201, "application/json", bytes(doc));
        }
        if (path.equals("/api/snapshots/current") && m.equals("GET")) {
            ObjectNode doc = json.createObjectNode();
            doc.put("taken", java.time.Instant.now().toString());
            doc.put("reason", "download");
            doc.set("configurations", json.valueToTree(currentSet()));
            return HttpResponse.of(200, "application/json", bytes(doc))
                    .with("Content-Disposition", "attachment; filename=\"outpost-configuration.json\"");
        }
        if (path.equals("/api/snapshots/rollback") && m.equals("POST")) {
            return rollback(s, body(r), "uploaded snapshot");
        }
        Matcher sm = SNAPSHOT.matcher(path);
        if (sm.matches()) {
            Optional<JsonNode> snap;
            try {
                snap = d.snapshots().load(sm.group(1));
            } catch (IOException e) {
                throw new ApiException(500, "cannot read snapshot " + sm.group(1) + ": " + e.getMessage());
            }
            if (snap.isEmpty()) {
                throw new ApiException(404, "no snapshot " + sm.group(1) + " (GET /api/snapshots lists them)");
            }
            if (sm.group(2) == null && m.equals("GET")) {
                return HttpResponse.of(200, "application/json", bytes(snap.get()))
                        .with("Content-Disposition", "attachment; filename=\"outpost-configuration-" + sm.group(1) + ".json\"");
            }
            if (sm.group(2) != null && m.equals("POST")) {
                return rollback(s, snap.get(), "snapshot " + sm.group(1));
            }
        }
        if (path.equals("/api/logs") && m.equals("GET")) {
            int lines = intParam(r, "lines", 200, 1, 2000);
            ArrayNode a = json.createArrayNode();
            for (LogLine l : d.logs().recent(lines, r.queryParam("level"))) {
                a.add(json.valueToTree(l));
            }
            return ok(json.createObjectNode().set("lines", a));
        }
        if (path.equals("/api/devices") && m.equals("GET")) {
            return ok(d.devices().list());
        }
        Matcher dm = DEVICE.matcher(path);
        if (dm.matches()) {
            if (dm.group(3) == null && m.equals("GET")) {
                return ok(d.devices().device(dm.group(1), dm.group(2)));
            }
            if (dm.group(3) != null && (m.equals("PUT") || m.equals("POST"))) {
                return setDesired(r, s, dm.group(1), dm.group(2), dm.group(3));
            }
        }
        if (path.equals("/api/pods") && m.equals("GET")) {
            return ok(d.pods().list());
        }
        Matcher pm = POD.matcher(path);
        if (pm.matches() && m.equals("GET")) {
            if (pm.group(3) == null) {
                return ok(d.pods().pod(pm.group(1), pm.group(2)));
            }
            return containerLog(r, s, pm.group(1), pm.group(2));
        }
        if (path.equals("/api/ota") && m.equals("GET")) {
            return ok(d.ota().ota(intParam(r, "limit", 50, 1, 500)));
        }
        if (path.equals("/api/events") && m.equals("GET")) {
            return events(r, s);
        }
        throw new ApiException(404, "no such API: " + m + " " + path + " (see docs/console-api.md)");
    }

    // --- login and password

    private HttpResponse login(HttpRequest r) throws ApiException {
        JsonNode b = body(r);
        String user = b.path("username").asText("");
        String password = b.path("password").asText("");
        if (user.isEmpty() || password.isEmpty() || user.length() > 200 || password.length() > PasswordPolicy.MAX_LENGTH) {
            throw new ApiException(400, "send {\"username\": …, \"password\": …}");
        }
        Optional<Duration> locked = d.throttle().lockedFor(user);
        if (locked.isPresent()) {
            long secs = Math.max(1, locked.get().toSeconds());
            return error(429, "too many failed logins for " + user + ": try again in " + secs + " s").with("Retry-After", String.valueOf(secs));
        }
        Authenticator auth = d.authenticator().get();
        if (auth == null) {
            throw ApiException.unavailable("the login realm (Karaf JAAS 'karaf')", "is the 'jaas' feature running?");
        }
        try {
            auth.authenticate(user, password.toCharArray());
        } catch (Authenticator.AuthException e) {
            if (!e.denied()) {
                throw new ApiException(503, e.getMessage());
            }
            boolean nowLocked = d.throttle().failed(user);
            LOG.warn("console: failed login for '{}' from {}: {}{}", user, r.remoteAddress(), e.getMessage(), nowLocked ? " (now locked out)" : "");
            return error(401, "wrong user name or password");
        }
        d.throttle().succeeded(user);
        boolean mustChange = !d.passwords().isChosen(user, password.toCharArray());
        Session s = d.sessions().create(user, mustChange);
        LOG.info("console: {} logged in from {}{}", user, r.remoteAddress(), mustChange ? " (must change the password)" : "");
        return ok(sessionDoc(s)).with("Set-Cookie", COOKIE + "=" + s.id() + "; Path=/; HttpOnly; Secure; SameSite=Strict");
    }

    private ObjectNode sessionDoc(Session s) {
        ObjectNode o = json.createObjectNode();
        o.put("username", s.username());
        o.put("csrfToken", s.csrfToken());
        o.put("mustChangePassword", d.sessions().mustChangePassword(s));
        o.put("idleTimeoutSeconds", d.sessions().idleTimeout().toSeconds());
        return o;
    }

    private HttpResponse changePassword(HttpRequest r, Session s) throws ApiException {
        JsonNode b = body(r);
        String current = b.path("currentPassword").asText("");
        String proposed = b.path("newPassword").asText("");
        Authenticator auth = d.authenticator().get();
        if (auth == null) {
            throw ApiException.unavailable("the login realm (Karaf JAAS 'karaf')", "is the 'jaas' feature running?");
        }
        Optional<Duration> locked = d.throttle().lockedFor(s.username());
        if (locked.isPresent()) {
            return error(429, "too many failed attempts: try again in " + Math.max(1, locked.get().toSeconds()) + " s");
        }
        try {
            auth.authenticate(s.username(), current.toCharArray());
        } catch (Authenticator.AuthException e) {
            if (!e.denied()) {
                throw new ApiException(503, e.getMessage());
            }
            d.throttle().failed(s.username());
            return fieldErrors(403, "the current password is wrong", Map.of("currentPassword", "wrong password"));
        }
        Optional<String> why = PasswordPolicy.check(s.username(), current, proposed);
        if (why.isPresent()) {
            return fieldErrors(422, why.get(), Map.of("newPassword", why.get()));
        }
        try {
            auth.changePassword(s.username(), proposed.toCharArray());
            d.passwords().record(s.username(), proposed.toCharArray());
        } catch (Authenticator.AuthException e) {
            throw new ApiException(503, e.getMessage());
        } catch (IOException e) {
            throw new ApiException(500, "the password was changed, but the console could not record it: " + e.getMessage());
        }
        d.sessions().passwordChanged(s.username());
        d.sessions().removeOthers(s.username(), s.id());
        LOG.info("console: {} changed their password", s.username());
        return ok(sessionDoc(s));
    }

    // --- configuration

    private ComponentDef component(String pid) throws ApiException {
        for (ComponentDef c : d.settings().components()) {
            if (c.pid().equals(pid)) {
                return c;
            }
        }
        throw new ApiException(404, "no configurable component with pid " + pid + " (GET /api/config lists them)");
    }

    private ObjectNode componentDoc(ComponentDef def, Map<String, Object> values) {
        ObjectNode o = json.createObjectNode();
        o.put("pid", def.pid()).put("name", def.name()).put("description", def.description()).put("bundle", def.bundle());
        ArrayNode fields = o.putArray("fields");
        for (FieldDef f : def.fields()) {
            ObjectNode fo = fields.addObject();
            fo.put("id", f.id()).put("name", f.name()).put("description", f.description()).put("type", f.type().name())
                    .put("cardinality", f.cardinality());
            if (f.min() != null) {
                fo.put("min", f.min());
            }
            if (f.max() != null) {
                fo.put("max", f.max());
            }
            ArrayNode opts = fo.putArray("options");
            for (int i = 0; i < f.optionValues().size(); i++) {
                opts.addObject().put("value", f.optionValues().get(i)).put("label", i < f.optionLabels().size() ? f.optionLabels().get(i) : f.optionValues().get(i));
            }
            fo.set("defaults", json.valueToTree(f.defaults()));
            Object v = values.get(f.id());
            if (f.type() == FieldDef.Type.PASSWORD) {
                fo.put("set", v != null && !String.valueOf(v).isEmpty()); // a secret is never sent back
            } else {
                fo.set("value", v == null ? json.nullNode() : json.valueToTree(plain(v)));
            }
        }
        return o;
    }

    private HttpResponse applyConfig(HttpRequest r, Session s, ComponentDef def) throws ApiException {
        JsonNode b = body(r);
        JsonNode vals = b.has("values") ? b.get("values") : b;
        if (!vals.isObject()) {
            throw new ApiException(400, "send {\"values\": {\"<field>\": <value>, …}}");
        }
        Map<String, Object> input = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = vals.fields(); it.hasNext();) {
            var e = it.next();
            input.put(e.getKey(), toJava(e.getValue()));
        }
        Validation v = MetatypeValidator.validate(def, input);
        if (!v.ok()) {
            return fieldErrors(422, "some settings of " + def.pid() + " are invalid; nothing was changed", v.errors());
        }
        saveSnapshot("before " + s.username() + " changed " + def.pid());
        d.settings().apply(def.pid(), v.values());
        LOG.info("console: {} changed {} of {}", s.username(), v.values().keySet(), def.pid());
        return ok(componentDoc(def, d.settings().values(def.pid())));
    }

    /** The metatype settings of every component, passwords left out (a download must not leak secrets). */
    private Map<String, Map<String, Object>> currentSet() throws ApiException {
        Map<String, Map<String, Object>> all = new LinkedHashMap<>();
        for (ComponentDef c : d.settings().components()) {
            Map<String, Object> vals = d.settings().values(c.pid());
            Map<String, Object> kept = new LinkedHashMap<>();
            for (FieldDef f : c.fields()) {
                if (f.type() != FieldDef.Type.PASSWORD && vals.containsKey(f.id())) {
                    kept.put(f.id(), plain(vals.get(f.id())));
                }
            }
            all.put(c.pid(), kept);
        }
        return all;
    }

    private ObjectNode saveSnapshot(String reason) throws ApiException {
        try {
            return d.snapshots().save(reason, currentSet());
        } catch (IOException e) {
            throw new ApiException(500, "cannot write a configuration snapshot: " + e.getMessage());
        }
    }

    private ArrayNode snapshotList() throws ApiException {
        ArrayNode a = json.createArrayNode();
        try {
            List<String> ids = new ArrayList<>(d.snapshots().ids());
            java.util.Collections.reverse(ids);
            for (String id : ids) {
                Optional<JsonNode> doc = d.snapshots().load(id);
                doc.ifPresent(n -> a.addObject().put("id", id).put("taken", n.path("taken").asText()).put("reason", n.path("reason").asText())
                        .put("components", n.path("configurations").size()));
            }
        } catch (IOException e) {
            throw new ApiException(500, "cannot list snapshots: " + e.getMessage());
        }
        return a;
    }

    /**
     * Restores a snapshot: every component it names gets exactly the snapshot's settings (keys the
     * snapshot lacks return to their defaults; passwords are kept). All are validated first;
     * nothing changes unless all are valid.
     */
    private HttpResponse rollback(Session s, JsonNode snap, String what) throws ApiException {
        JsonNode confs = snap.path("configurations");
        if (!confs.isObject()) {
            throw new ApiException(400, "not a snapshot: expected {\"configurations\": {\"<pid>\": {…}}}");
        }
        Map<String, ComponentDef> defs = new LinkedHashMap<>();
        for (ComponentDef c : d.settings().components()) {
            defs.put(c.pid(), c);
        }
        Map<String, Map<String, Object>> plan = new LinkedHashMap<>();
        Map<String, String> errors = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = confs.fields(); it.hasNext();) {
            var e = it.next();
            ComponentDef def = defs.get(e.getKey());
            if (def == null) {
                errors.put(e.getKey(), "no configurable component with this pid on this gateway");
                continue;
            }
            Map<String, Object> input = new LinkedHashMap<>();
            for (FieldDef f : def.fields()) {
                if (f.type() != FieldDef.Type.PASSWORD) {
                    input.put(f.id(), null);
                }
            }
            for (Iterator<Map.Entry<String, JsonNode>> fi = e.getValue().fields(); fi.hasNext();) {
                var fe = fi.next();
                input.put(fe.getKey(), toJava(fe.getValue()));
            }
            Validation v = MetatypeValidator.validate(def, input);
            v.errors().forEach((k, msg) -> errors.put(e.getKey() + "." + k, msg));
            plan.put(e.getKey(), v.values());
        }
        if (!errors.isEmpty()) {
            return fieldErrors(422, "the " + what + " does not fit this gateway; nothing was changed", errors);
        }
        // Only components whose settings differ are touched: writing an unchanged configuration
        // still restarts its component (the console itself, the hub, the pod manager…).
        plan.entrySet().removeIf(e -> {
            try {
                return !differs(d.settings().values(e.getKey()), e.getValue());
            } catch (ApiException x) {
                return false; // let apply report it
            }
        });
        saveSnapshot("before " + s.username() + " rolled back to " + what);
        for (var e : plan.entrySet()) {
            d.settings().apply(e.getKey(), e.getValue());
        }
        LOG.info("console: {} rolled back {} components to {}", s.username(), plan.size(), what);
        return ok(json.createObjectNode().put("rolledBack", plan.size()).put("from", what));
    }

    // --- live events

    private HttpResponse events(HttpRequest r, Session s) {
        java.util.Set<String> topics = java.util.Set.of(Optional.ofNullable(r.queryParam("topics")).orElse("status,logs").split(","));
        boolean status = topics.contains("status");
        boolean logs = topics.contains("logs");
        boolean pods = topics.contains("pods");
        boolean ota = topics.contains("ota");
        String id = s.id();
        return HttpResponse.events(sink -> {
            List<AutoCloseable> closers = new ArrayList<>();
            if (logs) {
                closers.add(d.logs().follow(l -> sink.send("log", text(l))));
            }
            if (topics.contains("devices")) {
                closers.add(followDevices(sink));
            }
            String[] lastPods = {null};
            String[] lastOta = {null};
            Runnable tick = () -> {
                if (d.sessions().peek(id).isEmpty()) {
                    close(sink, closers); // the session ended: so does the stream
                    return;
                }
                boolean sent = false;
                if (status) {
                    sink.send("status", text(d.status().status()));
                    sent = true;
                }
                if (pods) {
                    String doc;
                    try {
                        doc = text(d.pods().list());
                    } catch (ApiException e) {
                        doc = text(json.createObjectNode().put("error", e.getMessage()));
                    }
                    if (!doc.equals(lastPods[0])) { // only changes: the list is the same most of the time
                        lastPods[0] = doc;
                        sink.send("pods", doc);
                        sent = true;
                    }
                }
                if (ota) {
                    String doc;
                    try {
                        doc = text(d.ota().ota(50));
                    } catch (ApiException e) {
                        doc = text(json.createObjectNode().put("error", e.getMessage()));
                    }
                    if (!doc.equals(lastOta[0])) { // only changes, as for pods
                        lastOta[0] = doc;
                        sink.send("ota", doc);
                        sent = true;
                    }
                }
                if (!sent) {
                    sink.send("ping", "{}");
                }
            };
            ScheduledFuture<?> f = d.scheduler().scheduleWithFixedDelay(tick, 0, d.statusInterval().toMillis(), TimeUnit.MILLISECONDS);
            closers.add(() -> f.cancel(false));
            sink.onClose(() -> close(null, closers));
        });
    }

    /** Sends {@code event: device} with the device's document when its twins or state change, at most every 200 ms per device. */
    private AutoCloseable followDevices(EventSink sink) {
        java.util.Set<String> pending = java.util.concurrent.ConcurrentHashMap.newKeySet();
        return d.devices().onChange((ns, name) -> {
            if (!pending.add(ns + "/" + name)) {
                return; // already on its way: values change faster than a page needs
            }
            d.scheduler().schedule(() -> {
                pending.remove(ns + "/" + name);
                try {
                    sink.send("device", text(d.devices().device(ns, name)));
                } catch (ApiException e) {
                    sink.send("device", text(json.createObjectNode().put("namespace", ns).put("name", name).put("error", e.getMessage())));
                }
            }, 200, TimeUnit.MILLISECONDS);
        });
    }

    private static void close(EventSink sink, List<AutoCloseable> closers) {
        for (AutoCloseable c : closers) {
            try {
                c.close();
            } catch (Exception e) {
                // closing a listener cannot fail in a way that matters
            }
        }
        if (sink != null) {
            sink.send("end", "{\"reason\":\"session ended\"}");
            sink.close();
        }
    }

    // --- devices and pods

    private HttpResponse setDesired(HttpRequest r, Session s, String ns, String name, String property) throws ApiException {
        JsonNode b = body(r);
        JsonNode v = b.path("desired");
        if (!v.isValueNode() || v.isNull()) {
            throw new ApiException(400, "send {\"desired\": <value>}");
        }
        try {
            ObjectNode doc = d.devices().setDesired(ns, name, property, v.asText());
            LOG.info("console: {} set desired {} = {} of device {}/{}", s.username(), property, v.asText(), ns, name);
            return ok(doc);
        } catch (ApiException e) {
            if (e.status() == 422) {
                return fieldErrors(422, "the desired value of " + property + " was refused; nothing was changed", Map.of("desired", e.getMessage()));
            }
            throw e;
        }
    }

    private HttpResponse containerLog(HttpRequest r, Session s, String ns, String name) throws ApiException {
        int tail = intParam(r, "tail", 200, 1, 10_000);
        boolean previous = "true".equals(r.queryParam("previous"));
        boolean follow = "true".equals(r.queryParam("follow"));
        ContainerLog log = d.pods().log(ns, name, r.queryParam("container"), previous);
        if (!follow) {
            try (log) {
                return ok(json.createObjectNode().set("lines", json.valueToTree(lines(log.tail(tail)))));
            }
        }
        String id = s.id();
        return HttpResponse.events(sink -> {
            long[] quiet = {0};
            Runnable[] stop = {null};
            Runnable tick = () -> {
                try {
                    if (d.sessions().peek(id).isEmpty()) {
                        sink.send("end", "{\"reason\":\"session ended\"}");
                        sink.close();
                        return;
                    }
                    List<io.outpost.pod.api.LogLine> l = log.poll();
                    if (!l.isEmpty()) {
                        sink.send("lines", text(lines(l)));
                        quiet[0] = 0;
                    } else if (++quiet[0] * LOG_FOLLOW_PERIOD.toMillis() >= PING_PERIOD.toMillis()) {
                        sink.send("ping", "{}");
                        quiet[0] = 0;
                    }
                } catch (PodException e) {
                    sink.send("end", text(json.createObjectNode().put("reason", e.getMessage())));
                    sink.close();
                }
            };
            try {
                sink.send("lines", text(lines(log.tail(tail))));
            } catch (PodException e) {
                sink.send("end", text(json.createObjectNode().put("reason", e.getMessage())));
                sink.close();
            }
            ScheduledFuture<?> f = d.scheduler().scheduleWithFixedDelay(tick, LOG_FOLLOW_PERIOD.toMillis(), LOG_FOLLOW_PERIOD.toMillis(),
                    TimeUnit.MILLISECONDS);
            sink.onClose(() -> {
                f.cancel(false);
                log.close();
            });
        });
    }

    private static List<Map<String, String>> lines(List<io.outpost.pod.api.LogLine> lines) {
        List<Map<String, String>> out = new ArrayList<>(lines.size());
        for (io.outpost.pod.api.LogLine l : lines) {
            out.add(Map.of("time", l.time().toString(), "stream", l.stream(), "content", l.content()));
        }
        return out;
    }

    // --- helpers

    private JsonNode body(HttpRequest r) throws ApiException {
        if (r.body().length == 0) {
            throw new ApiException(400, "this request needs a JSON body");
        }
        try {
            return json.readTree(r.body());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new ApiException(400, "the body is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new ApiException(400, "the body is not valid JSON: " + e.getMessage());
        }
    }

    private static int intParam(HttpRequest r, String name, int def, int min, int max) throws ApiException {
        String v = r.queryParam(name);
        if (v == null) {
            return def;
        }
        try {
            int n = Integer.parseInt(v);
            if (n < min || n > max) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new ApiException(400, name + " must be a whole number from " + min + " to " + max);
        }
    }

    private static Object toJava(JsonNode n) {
        if (n == null || n.isNull()) {
            return null;
        }
        if (n.isArray()) {
            List<Object> l = new ArrayList<>();
            n.forEach(x -> l.add(toJava(x)));
            return l;
        }
        if (n.isBoolean()) {
            return n.booleanValue();
        }
        if (n.isNumber()) {
            return n.numberValue();
        }
        return n.isValueNode() ? n.asText() : n.toString();
    }

    /** Arrays of ConfigAdmin values as lists, for JSON. */
    /** @return whether applying {@code target} (null values remove) would change {@code current} */
    static boolean differs(Map<String, Object> current, Map<String, Object> target) {
        for (var e : target.entrySet()) {
            Object now = current.get(e.getKey());
            Object want = e.getValue();
            if (want == null ? now != null : now == null || !String.valueOf(plain(now)).equals(String.valueOf(plain(want)))) {
                return true;
            }
        }
        return false;
    }

    private static Object plain(Object v) {
        if (v != null && v.getClass().isArray()) {
            List<Object> l = new ArrayList<>();
            for (int i = 0; i < Array.getLength(v); i++) {
                l.add(Array.get(v, i));
            }
            return l;
        }
        if (v instanceof java.util.Collection<?> c) {
            return new ArrayList<>(c);
        }
        return v;
    }

    private String text(Object o) {
        try {
            return json.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            return "{}";
        }
    }

    private byte[] bytes(Object o) {
        try {
            return json.writeValueAsBytes(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private HttpResponse ok(Object doc) {
        return HttpResponse.of(200, "application/json", bytes(doc));
    }

    private HttpResponse error(int status, String message) {
        return HttpResponse.of(status, "application/json", bytes(json.createObjectNode().put("error", message)));
    }

    private HttpResponse fieldErrors(int status, String message, Map<String, String> errors) {
        ObjectNode o = json.createObjectNode().put("error", message);
        o.set("fields", json.valueToTree(errors));
        return HttpResponse.of(status, "application/json", bytes(o));
    }
}
