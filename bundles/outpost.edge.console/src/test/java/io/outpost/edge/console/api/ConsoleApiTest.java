package io.outpost.edge.console.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.outpost.edge.console.auth.Authenticator;
import io.outpost.edge.console.auth.LoginThrottle;
import io.outpost.edge.console.auth.MutableClock;
import io.outpost.edge.console.auth.PasswordRecords;
import io.outpost.edge.console.auth.SessionStore;
import io.outpost.edge.console.config.ComponentDef;
import io.outpost.edge.console.config.FieldDef;
import io.outpost.edge.console.config.SnapshotStore;
import io.outpost.edge.console.http.HttpRequest;
import io.outpost.edge.console.http.HttpResponse;
import io.outpost.edge.console.logs.LogBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The API's rules — login, forced password change, CSRF, lockout, validation — with in-memory
 * stand-ins for the gateway's services (the real ones are exercised by the browser end-to-end test).
 */
class ConsoleApiTest {
    @TempDir
    Path dir;
    private final ObjectMapper json = new ObjectMapper();
    private final MutableClock clock = new MutableClock();
    private final Map<String, String> users = new HashMap<>(Map.of("karaf", "generated-pw"));
    private final Map<String, Map<String, Object>> configs = new HashMap<>();
    private ScheduledExecutorService scheduler;
    private final LogBuffer apiLogs = new LogBuffer(100);
    private ConsoleApi api;
    /** The pods backend: null stands for "outpost-pods is not installed". */
    private final List<io.outpost.pod.api.LogLine> podLog = new java.util.concurrent.CopyOnWriteArrayList<>();
    private boolean podsInstalled = true;
    private final Map<String, String> desired = new HashMap<>();
    private final List<java.util.function.BiConsumer<String, String>> deviceListeners = new java.util.concurrent.CopyOnWriteArrayList<>();

    private final Authenticator auth = new Authenticator() {
        @Override
        public void authenticate(String u, char[] p) throws AuthException {
            if (!new String(p).equals(users.get(u))) {
                throw new AuthException("bad", true);
            }
        }

        @Override
        public void changePassword(String u, char[] p) {
            users.put(u, new String(p));
        }
    };

    private final ComponentDef node = new ComponentDef("io.outpost.edge.node", "Node status", "", "outpost.edge.node", List.of(
            new FieldDef("statusUpdateSeconds", "Status update seconds", "", FieldDef.Type.INTEGER, 0, "1", null, List.of(), List.of(), List.of("10")),
            new FieldDef("token", "Token", "", FieldDef.Type.PASSWORD, 0, null, null, List.of(), List.of(), List.of())));

    @BeforeEach
    void setUp() {
        scheduler = Executors.newSingleThreadScheduledExecutor();
        Backends.Settings settings = new Backends.Settings() {
            @Override
            public List<ComponentDef> components() {
                return List.of(node);
            }

            @Override
            public Map<String, Object> values(String pid) {
                return configs.getOrDefault(pid, Map.of());
            }

            @Override
            public void apply(String pid, Map<String, Object> changes) {
                Map<String, Object> m = new LinkedHashMap<>(configs.getOrDefault(pid, Map.of()));
                changes.forEach((k, v) -> {
                    if (v == null) {
                        m.remove(k);
                    } else {
                        m.put(k, v);
                    }
                });
                configs.put(pid, m);
            }
        };
        Backends.Features noFeatures = new Backends.Features() {
            @Override
            public ArrayNode list() throws ApiException {
                throw ApiException.unavailable("Karaf's features service", "is the 'feature' feature running?");
            }

            @Override
            public void install(String n, String v) throws ApiException {
                list();
            }

            @Override
            public void uninstall(String n, String v) throws ApiException {
                list();
            }

            @Override
            public String update(String n, String v) throws ApiException {
                list();
                return v;
            }
        };
        api = new ConsoleApi(new ConsoleApi.Deps(new SessionStore(clock, Duration.ofMinutes(15), 10),
                new LoginThrottle(clock, 3, Duration.ofMinutes(5)), new PasswordRecords(dir.resolve("pw.properties")), () -> auth,
                () -> json.createObjectNode().put("node", "gw"), null, noFeatures, settings, devices(), pods(), ota(), apiLogs,
                new SnapshotStore(dir.resolve("snapshots"), clock, json), scheduler, json, Duration.ofSeconds(1)));
    }

    private final List<String> otaPhases = new java.util.concurrent.CopyOnWriteArrayList<>();
    private volatile boolean otaInstalled = true;

    /** A stand-in for the OTA page's backend: one record per phase in otaPhases, newest first. */
    private Backends.Ota ota() {
        return limit -> {
            if (!otaInstalled) {
                throw new ApiException(503, "the OTA agent (feature outpost-ota) is not running on this gateway");
            }
            var o = json.createObjectNode();
            var h = o.putArray("history");
            otaPhases.stream().limit(limit).forEach(p -> h.addObject().put("name", "hello").put("phase", p));
            return o.put("total", otaPhases.size());
        };
    }

    private Backends.Pods pods() {
        return new Backends.Pods() {
            private void installed() throws ApiException {
                if (!podsInstalled) {
                    throw new ApiException(503, "the pod manager (feature outpost-pods) is not running on this gateway");
                }
            }

            @Override
            public ArrayNode list() throws ApiException {
                installed();
                ArrayNode a = json.createArrayNode();
                a.addObject().put("namespace", "default").put("name", "web").put("status", "Running");
                return a;
            }

            @Override
            public com.fasterxml.jackson.databind.node.ObjectNode pod(String ns, String name) throws ApiException {
                installed();
                if (!name.equals("web")) {
                    throw new ApiException(404, "pod " + ns + "/" + name + " is not on this gateway");
                }
                return json.createObjectNode().put("namespace", ns).put("name", name);
            }

            @Override
            public io.outpost.pod.api.ContainerLog log(String ns, String name, String container, boolean previous) throws ApiException {
                pod(ns, name);
                int[] read = {podLog.size()};
                return new io.outpost.pod.api.ContainerLog() {
                    @Override
                    public Path file() {
                        return dir.resolve("0.log");
                    }

                    @Override
                    public List<io.outpost.pod.api.LogLine> tail(int lines) {
                        read[0] = podLog.size();
                        return podLog.subList(Math.max(0, podLog.size() - lines), podLog.size());
                    }

                    @Override
                    public List<io.outpost.pod.api.LogLine> poll() {
                        List<io.outpost.pod.api.LogLine> l = List.copyOf(podLog.subList(read[0], podLog.size()));
                        read[0] = podLog.size();
                        return l;
                    }

                    @Override
                    public void close() {
                    }
                };
            }
        };
    }

    private Backends.Devices devices() {
        return new Backends.Devices() {
            @Override
            public ArrayNode list() {
                return json.createArrayNode();
            }

            @Override
            public com.fasterxml.jackson.databind.node.ObjectNode device(String ns, String name) throws ApiException {
                if (!name.equals("thermometer-1")) {
                    throw new ApiException(404, "device " + ns + "/" + name + " is not assigned to this gateway");
                }
                var o = json.createObjectNode().put("id", ns + "/" + name);
                desired.forEach(o::put);
                return o;
            }

            @Override
            public com.fasterxml.jackson.databind.node.ObjectNode setDesired(String ns, String name, String property, String value)
                    throws ApiException {
                device(ns, name);
                if (Double.parseDouble(value) > 30) {
                    throw new ApiException(422, "property setpoint: " + value + " is outside the model's range [5, 30]");
                }
                desired.put(property, value);
                deviceListeners.forEach(l -> l.accept(ns, name));
                return device(ns, name);
            }

            @Override
            public AutoCloseable onChange(java.util.function.BiConsumer<String, String> listener) {
                deviceListeners.add(listener);
                return () -> deviceListeners.remove(listener);
            }
        };
    }

    @AfterEach
    void tearDown() {
        scheduler.shutdownNow();
    }

    private HttpResponse call(String method, String path, String cookie, String csrf, String body) {
        Map<String, String> h = new HashMap<>();
        if (cookie != null) {
            h.put("cookie", ConsoleApi.COOKIE + "=" + cookie);
        }
        if (csrf != null) {
            h.put("x-csrf-token", csrf);
        }
        Map<String, List<String>> query = new HashMap<>();
        int q = path.indexOf('?');
        if (q >= 0) {
            for (String kv : path.substring(q + 1).split("&")) {
                query.put(kv.substring(0, kv.indexOf('=')), List.of(kv.substring(kv.indexOf('=') + 1)));
            }
            path = path.substring(0, q);
        }
        return api.handle(new HttpRequest(method, path, query, h, body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8), "127.0.0.1"));
    }

    private JsonNode body(HttpResponse r) throws Exception {
        return json.readTree(r.body());
    }

    private record Login(String cookie, String csrf, JsonNode doc) {
    }

    private Login login(String user, String pw) throws Exception {
        HttpResponse r = call("POST", "/api/login", null, null, json.writeValueAsString(Map.of("username", user, "password", pw)));
        assertEquals(200, r.status(), new String(r.body()));
        String setCookie = r.headers().get("Set-Cookie");
        String cookie = setCookie.substring(setCookie.indexOf('=') + 1, setCookie.indexOf(';'));
        return new Login(cookie, body(r).get("csrfToken").asText(), body(r));
    }

    @Test
    void theSessionCookieIsHttpOnlySecureAndStrict() throws Exception {
        HttpResponse r = call("POST", "/api/login", null, null, "{\"username\":\"karaf\",\"password\":\"generated-pw\"}");
        String c = r.headers().get("Set-Cookie");
        assertTrue(c.contains("HttpOnly") && c.contains("Secure") && c.contains("SameSite=Strict") && c.contains("Path=/"), c);
    }

    @Test
    void aPasswordNotChosenInTheConsoleMustBeChangedBeforeAnythingElse() throws Exception {
        Login l = login("karaf", "generated-pw");
        assertTrue(l.doc().get("mustChangePassword").asBoolean());
        HttpResponse blocked = call("GET", "/api/status", l.cookie(), null, null);
        assertEquals(403, blocked.status());
        assertEquals("password_change_required", blocked.headers().get("X-Error-Code"));
        assertTrue(body(blocked).get("error").asText().contains("change your password first"));

        HttpResponse weak = call("POST", "/api/password", l.cookie(), l.csrf(), "{\"currentPassword\":\"generated-pw\",\"newPassword\":\"short\"}");
        assertEquals(422, weak.status());
        assertTrue(body(weak).get("fields").get("newPassword").asText().contains("at least 10"));

        HttpResponse wrong = call("POST", "/api/password", l.cookie(), l.csrf(), "{\"currentPassword\":\"nope\",\"newPassword\":\"a much better one\"}");
        assertEquals(403, wrong.status());
        assertEquals("wrong password", body(wrong).get("fields").get("currentPassword").asText());

        HttpResponse ok = call("POST", "/api/password", l.cookie(), l.csrf(), "{\"currentPassword\":\"generated-pw\",\"newPassword\":\"a much better one\"}");
        assertEquals(200, ok.status(), new String(ok.body()));
        assertEquals("a much better one", users.get("karaf"), "stored through the realm");
        assertEquals(200, call("GET", "/api/status", l.cookie(), null, null).status());

        Login again = login("karaf", "a much better one");
        assertFalse(again.doc().get("mustChangePassword").asBoolean(), "the chosen password is not asked to change again");
    }

    private Login ready() throws Exception {
        Login l = login("karaf", "generated-pw");
        assertEquals(200, call("POST", "/api/password", l.cookie(), l.csrf(), "{\"currentPassword\":\"generated-pw\",\"newPassword\":\"a much better one\"}").status());
        return l;
    }

    @Test
    void stateChangingRequestsWithoutTheCsrfTokenAreRefused() throws Exception {
        Login l = ready();
        String change = "{\"values\":{\"statusUpdateSeconds\":20}}";
        HttpResponse none = call("PUT", "/api/config/io.outpost.edge.node", l.cookie(), null, change);
        assertEquals(403, none.status());
        assertEquals("csrf", none.headers().get("X-Error-Code"));
        assertTrue(body(none).get("error").asText().contains("CSRF token"));
        assertEquals(403, call("PUT", "/api/config/io.outpost.edge.node", l.cookie(), "forged", change).status());
        assertEquals(403, call("POST", "/api/logout", l.cookie(), null, null).status());
        assertEquals(403, call("POST", "/api/features/ota-hello/update", l.cookie(), null, "{}").status());
        assertFalse(configs.containsKey("io.outpost.edge.node"), "nothing changed");
        assertEquals(200, call("PUT", "/api/config/io.outpost.edge.node", l.cookie(), l.csrf(), change).status());
        assertEquals(20, configs.get("io.outpost.edge.node").get("statusUpdateSeconds"));
    }

    @Test
    void withoutASessionEverythingButLoginIs401() throws Exception {
        HttpResponse r = call("GET", "/api/status", null, null, null);
        assertEquals(401, r.status());
        assertTrue(body(r).get("error").asText().contains("log in"));
        assertEquals(401, call("GET", "/api/status", "made-up", null, null).status());
    }

    @Test
    void repeatedWrongPasswordsLockTheUserOut() throws Exception {
        for (int i = 0; i < 3; i++) {
            assertEquals(401, call("POST", "/api/login", null, null, "{\"username\":\"karaf\",\"password\":\"guess" + i + "\"}").status());
        }
        HttpResponse locked = call("POST", "/api/login", null, null, "{\"username\":\"karaf\",\"password\":\"generated-pw\"}");
        assertEquals(429, locked.status(), "even the right password waits for the cool-down");
        assertEquals("300", locked.headers().get("Retry-After"));
        assertTrue(body(locked).get("error").asText().contains("try again in 300 s"));
        clock.advance(Duration.ofMinutes(5));
        assertEquals(200, call("POST", "/api/login", null, null, "{\"username\":\"karaf\",\"password\":\"generated-pw\"}").status());
    }

    @Test
    void invalidSettingsAreRefusedPerFieldAndNothingChanges() throws Exception {
        Login l = ready();
        HttpResponse r = call("PUT", "/api/config/io.outpost.edge.node", l.cookie(), l.csrf(), "{\"values\":{\"statusUpdateSeconds\":\"0\"}}");
        assertEquals(422, r.status());
        assertEquals("must be at least 1", body(r).get("fields").get("statusUpdateSeconds").asText());
        assertFalse(configs.containsKey("io.outpost.edge.node"));
        HttpResponse t = call("PUT", "/api/config/io.outpost.edge.node", l.cookie(), l.csrf(), "{\"values\":{\"statusUpdateSeconds\":\"ten\"}}");
        assertEquals("must be a whole number, not 'ten'", body(t).get("fields").get("statusUpdateSeconds").asText());
    }

    @Test
    void passwordsAreNeverSentBackNorSnapshotted() throws Exception {
        Login l = ready();
        call("PUT", "/api/config/io.outpost.edge.node", l.cookie(), l.csrf(), "{\"values\":{\"token\":\"secret-token\",\"statusUpdateSeconds\":5}}");
        HttpResponse get = call("GET", "/api/config/io.outpost.edge.node", l.cookie(), null, null);
        assertFalse(new String(get.body()).contains("secret-token"));
        assertTrue(new String(get.body()).contains("\"set\":true"));
        HttpResponse snap = call("GET", "/api/snapshots/current", l.cookie(), null, null);
        assertFalse(new String(snap.body()).contains("secret-token"));
        assertEquals(5, body(snap).get("configurations").get("io.outpost.edge.node").get("statusUpdateSeconds").asInt());
    }

    @Test
    void aSnapshotIsTakenBeforeEachChangeAndRollsBack() throws Exception {
        Login l = ready();
        call("PUT", "/api/config/io.outpost.edge.node", l.cookie(), l.csrf(), "{\"values\":{\"statusUpdateSeconds\":5}}");
        clock.advance(Duration.ofSeconds(1));
        call("PUT", "/api/config/io.outpost.edge.node", l.cookie(), l.csrf(), "{\"values\":{\"statusUpdateSeconds\":7,\"token\":\"kept\"}}");
        JsonNode list = body(call("GET", "/api/snapshots", l.cookie(), null, null));
        assertEquals(2, list.size());
        String before7 = list.get(0).get("id").asText(); // newest first: taken when the value was 5
        HttpResponse rb = call("POST", "/api/snapshots/" + before7 + "/rollback", l.cookie(), l.csrf(), null);
        assertEquals(200, rb.status(), new String(rb.body()));
        assertEquals(5, configs.get("io.outpost.edge.node").get("statusUpdateSeconds"));
        assertEquals("kept", configs.get("io.outpost.edge.node").get("token"), "passwords survive a rollback");
        assertEquals(1, body(rb).get("rolledBack").asInt());
        int snapshots = body(call("GET", "/api/snapshots", l.cookie(), null, null)).size();
        HttpResponse again = call("POST", "/api/snapshots/" + before7 + "/rollback", l.cookie(), l.csrf(), null);
        assertEquals(0, body(again).get("rolledBack").asInt(), "an unchanged component is not written again (it would restart)");
        assertEquals(snapshots + 1, body(call("GET", "/api/snapshots", l.cookie(), null, null)).size());

        HttpResponse bad = call("POST", "/api/snapshots/rollback", l.cookie(), l.csrf(),
                "{\"configurations\":{\"io.outpost.edge.node\":{\"statusUpdateSeconds\":-1},\"io.gone\":{}}}");
        assertEquals(422, bad.status());
        assertEquals("must be at least 1", body(bad).get("fields").get("io.outpost.edge.node.statusUpdateSeconds").asText());
        assertNotNull(body(bad).get("fields").get("io.gone"));
        assertEquals(5, configs.get("io.outpost.edge.node").get("statusUpdateSeconds"), "nothing changed");
        assertEquals(404, call("POST", "/api/snapshots/20250101T000000000Z/rollback", l.cookie(), l.csrf(), null).status());
    }

    @Test
    void aMissingServiceGivesAClearJsonError() throws Exception {
        Login l = ready();
        HttpResponse r = call("GET", "/api/features", l.cookie(), null, null);
        assertEquals(503, r.status());
        assertEquals("Karaf's features service is not available: is the 'feature' feature running?", body(r).get("error").asText());
        assertEquals("application/json", r.contentType());
        HttpResponse u = call("POST", "/api/features/ota-hello/update", l.cookie(), l.csrf(), "{}");
        assertEquals(503, u.status(), "an update with the CSRF token reaches the features backend");
        assertEquals("Karaf's features service is not available: is the 'feature' feature running?", body(u).get("error").asText());
    }

    @Test
    void malformedBodiesAndUnknownPathsGetClearErrors() throws Exception {
        HttpResponse r = call("POST", "/api/login", null, null, "{not json");
        assertEquals(400, r.status());
        assertTrue(body(r).get("error").asText().startsWith("the body is not valid JSON"));
        assertEquals(400, call("POST", "/api/login", null, null, "{}").status());
        Login l = ready();
        assertEquals(404, call("GET", "/api/nothing", l.cookie(), null, null).status());
        assertEquals(404, call("GET", "/api/config/io.unknown", l.cookie(), null, null).status());
        assertEquals(400, call("GET", "/api/logs?lines=999999", l.cookie(), null, null).status());
        assertEquals(404, call("GET", "/../etc/passwd", null, null, null).status());
    }

    @Test
    void theEventStreamSendsStatusAndLogsAndEndsWithTheSession() throws Exception {
        Login l = ready();
        HttpResponse r = call("GET", "/api/events?topics=status,logs", l.cookie(), null, null);
        assertEquals("text/event-stream; charset=utf-8", r.contentType());
        java.util.concurrent.BlockingQueue<String> got = new java.util.concurrent.LinkedBlockingQueue<>();
        java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();
        r.stream().accept(new io.outpost.edge.console.http.EventSink() {
            @Override
            public void send(String event, String data) {
                got.add(event + " " + data);
            }

            @Override
            public void close() {
                closed.set(true);
            }

            @Override
            public boolean isOpen() {
                return !closed.get();
            }

            @Override
            public void onClose(Runnable action) {
            }
        });
        String first = got.poll(5, java.util.concurrent.TimeUnit.SECONDS);
        assertEquals("status {\"node\":\"gw\"}", first);
        api.handle(new HttpRequest("GET", "/api/status", Map.of(), Map.of(), new byte[0], "x")); // unrelated traffic
        apiLogs.add(1L, "WARN", "io.test", "something happened");
        String log;
        do {
            log = got.poll(5, java.util.concurrent.TimeUnit.SECONDS);
        } while (log != null && !log.startsWith("log "));
        assertNotNull(log);
        assertTrue(log.contains("\"message\":\"something happened\""), log);
        call("POST", "/api/logout", l.cookie(), l.csrf(), null);
        String end;
        do {
            end = got.poll(5, java.util.concurrent.TimeUnit.SECONDS);
        } while (end != null && !end.startsWith("end "));
        assertNotNull(end, "the stream ends with the session");
        awaitTrue(closed::get, "the stream is closed after its end event");
    }

    private static final class Sink implements io.outpost.edge.console.http.EventSink {
        final java.util.concurrent.BlockingQueue<String> got = new java.util.concurrent.LinkedBlockingQueue<>();
        final List<Runnable> onClose = new java.util.concurrent.CopyOnWriteArrayList<>();
        volatile boolean closed;

        @Override
        public void send(String event, String data) {
            got.add(event + " " + data);
        }

        @Override
        public void close() {
            closed = true;
            onClose.forEach(Runnable::run);
        }

        @Override
        public boolean isOpen() {
            return !closed;
        }

        @Override
        public void onClose(Runnable action) {
            onClose.add(action);
        }

        String next(String event) throws InterruptedException {
            String e;
            do {
                e = got.poll(5, java.util.concurrent.TimeUnit.SECONDS);
            } while (e != null && !e.startsWith(event + " "));
            assertNotNull(e, "no '" + event + "' event");
            return e.substring(event.length() + 1);
        }
    }

    /** The end event and the close come from the scheduler's thread, one after the other. */
    private static void awaitTrue(java.util.function.BooleanSupplier condition, String what) throws InterruptedException {
        long until = System.currentTimeMillis() + 5000;
        while (!condition.getAsBoolean() && System.currentTimeMillis() < until) {
            Thread.sleep(10);
        }
        assertTrue(condition.getAsBoolean(), what);
    }

    private static io.outpost.pod.api.LogLine line(String text) {
        return new io.outpost.pod.api.LogLine(java.time.Instant.parse("2026-11-27T10:00:00Z"), "stdout", text);
    }

    @Test
    void podsAndTheirLogsTailAndFollow() throws Exception {
        Login l = ready();
        assertEquals("web", body(call("GET", "/api/pods", l.cookie(), null, null)).get(0).get("name").asText());
        assertEquals(404, call("GET", "/api/pods/default/nope", l.cookie(), null, null).status());
        podLog.addAll(List.of(line("one"), line("two"), line("three")));
        JsonNode tail = body(call("GET", "/api/pods/default/web/logs?tail=2", l.cookie(), null, null));
        assertEquals("two", tail.get("lines").get(0).get("content").asText());
        assertEquals("stdout", tail.get("lines").get(1).get("stream").asText());
        assertEquals(2, tail.get("lines").size());
        assertEquals(400, call("GET", "/api/pods/default/web/logs?tail=0", l.cookie(), null, null).status());

        HttpResponse follow = call("GET", "/api/pods/default/web/logs?tail=1&follow=true", l.cookie(), null, null);
        assertEquals("text/event-stream; charset=utf-8", follow.contentType());
        Sink sink = new Sink();
        follow.stream().accept(sink);
        assertTrue(sink.next("lines").contains("\"content\":\"three\""));
        podLog.add(line("four"));
        assertTrue(sink.next("lines").contains("\"content\":\"four\""), "new lines follow");
        call("POST", "/api/logout", l.cookie(), l.csrf(), null);
        sink.next("end");
        awaitTrue(() -> sink.closed, "the stream ends with the session");
    }

    @Test
    void withoutThePodManagerThePodsApiSaysHowToInstallIt() throws Exception {
        Login l = ready();
        podsInstalled = false;
        HttpResponse r = call("GET", "/api/pods", l.cookie(), null, null);
        assertEquals(503, r.status());
        assertTrue(body(r).get("error").asText().contains("outpost-pods"));
        HttpResponse ev = call("GET", "/api/events?topics=pods", l.cookie(), null, null);
        Sink sink = new Sink();
        ev.stream().accept(sink);
        assertTrue(sink.next("pods").contains("outpost-pods"), "the live list says so too");
        podsInstalled = true;
        assertTrue(sink.next("pods").contains("\"name\":\"web\""), "and shows the pods once it runs");
        sink.close();
    }

    @Test
    void theOtaHistoryIsServedAndFollowedLive() throws Exception {
        Login l = ready();
        otaPhases.add("Succeeded");
        JsonNode doc = body(call("GET", "/api/ota?limit=5", l.cookie(), null, null));
        assertEquals("Succeeded", doc.get("history").get(0).get("phase").asText());
        assertEquals(400, call("GET", "/api/ota?limit=0", l.cookie(), null, null).status());
        assertEquals(400, call("GET", "/api/ota?limit=x", l.cookie(), null, null).status());
        assertEquals(401, call("GET", "/api/ota", null, null, null).status());

        HttpResponse ev = call("GET", "/api/events?topics=ota", l.cookie(), null, null);
        Sink sink = new Sink();
        ev.stream().accept(sink);
        assertTrue(sink.next("ota").contains("\"total\":1"));
        otaPhases.add(0, "Downloading");
        assertTrue(sink.next("ota").contains("\"phase\":\"Downloading\""), "a new update reaches open pages");
        otaInstalled = false;
        assertTrue(sink.next("ota").contains("outpost-ota"), "and so does the agent going away");
        assertEquals(503, call("GET", "/api/ota", l.cookie(), null, null).status());
        sink.close();
    }

    @Test
    void aDesiredValueNeedsTheCsrfTokenAndIsCheckedAgainstTheModel() throws Exception {
        Login l = ready();
        String path = "/api/devices/default/thermometer-1/twins/setpoint";
        HttpResponse noToken = call("PUT", path, l.cookie(), null, "{\"desired\":\"22\"}");
        assertEquals(403, noToken.status());
        assertTrue(desired.isEmpty());
        HttpResponse refused = call("PUT", path, l.cookie(), l.csrf(), "{\"desired\":99}");
        assertEquals(422, refused.status());
        assertEquals("property setpoint: 99 is outside the model's range [5, 30]", body(refused).get("fields").get("desired").asText());
        assertTrue(desired.isEmpty(), "nothing changed");
        assertEquals(400, call("PUT", path, l.cookie(), l.csrf(), "{\"value\":1}").status());
        assertEquals(404, call("PUT", "/api/devices/default/nope/twins/setpoint", l.cookie(), l.csrf(), "{\"desired\":\"22\"}").status());

        HttpResponse ev = call("GET", "/api/events?topics=devices", l.cookie(), null, null);
        Sink sink = new Sink();
        ev.stream().accept(sink);
        HttpResponse ok = call("PUT", path, l.cookie(), l.csrf(), "{\"desired\":\"22.5\"}");
        assertEquals(200, ok.status(), new String(ok.body()));
        assertEquals("22.5", body(ok).get("setpoint").asText());
        assertTrue(sink.next("device").contains("\"setpoint\":\"22.5\""), "open pages hear of the change");
        sink.close();
    }

    @Test
    void theAppIsServedWithoutASession() {
        HttpResponse r = call("GET", "/", null, null, null);
        assertEquals(200, r.status());
        assertTrue(new String(r.body()).contains("<script src=\"/app.js\""));
        assertEquals(200, call("GET", "/app.js", null, null, null).status());
    }
}
