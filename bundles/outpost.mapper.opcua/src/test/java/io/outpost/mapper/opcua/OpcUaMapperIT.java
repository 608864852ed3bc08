package io.outpost.mapper.opcua;

import static io.outpost.mapper.opcua.Devices.device;
import static io.outpost.mapper.opcua.Devices.q;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.outpost.mapper.api.DeviceSession;
import io.outpost.mapper.api.MapperException;
import io.outpost.mapper.api.Reading;
import io.outpost.mapper.opcua.Devices.Prop;
import io.outpost.mapper.opcua.Devices.Recorder;
import io.outpost.examples.opcua.SimulatedServer;
import io.outpost.mapper.opcua.client.TrustStore;
import io.outpost.twin.api.DeviceSpec;
import io.outpost.twin.api.PropertySpec;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The mapper against a real OPC UA server (Milo's server SDK) on a random port. */
@Timeout(120)
class OpcUaMapperIT {
    static final String USER = "operator";
    static final String PASSWORD = "secret";
    static SimulatedServer server;
    @TempDir
    Path state;
    OpcUaMapper mapper;
    DeviceSession session;

    @BeforeAll
    static void startServer() throws Exception {
        // The simulator from examples/opcua-simulator: secure and insecure endpoints, anonymous and
        // user/password identities, a folder Plant with one variable of each type.
        server = SimulatedServer.builder("urn:outpost:test", "Plant")
                .variable("Temperature", 21.5).variable("Counter", 7).variable("Running", true).variable("Label", "boiler-1")
                .variable("Setpoint", 20.0f)
                .application("urn:outpost:test:server", "Outpost test server").secure(true).user(USER, PASSWORD)
                .build().start();
    }

    @AfterAll
    static void stopServer() throws Exception {
        server.close();
    }

    @BeforeEach
    void startMapper() {
        mapper = new OpcUaMapper(state, List.of());
    }

    @AfterEach
    void stopMapper() {
        if (session != null) {
            session.close();
        }
        mapper.stop();
    }

    private String insecure() {
        return "{\"url\":" + q(server.url()) + ",\"timeout\":3000,\"keepAlive\":1000}";
    }

    private String visitor(String name) {
        return "{\"nodeID\":" + q(server.nodeId(name)) + "}";
    }

    private DeviceSession open(DeviceSpec spec, Recorder rec) throws Exception {
        assertEquals(List.of(), mapper.validate(spec));
        session = mapper.open(spec, rec);
        return session;
    }

    private static PropertySpec prop(DeviceSpec spec, String name) {
        return spec.property(name).orElseThrow();
    }

    @Test
    void readsEveryTypeAndWritesOverTheInsecureEndpoint() throws Exception {
        server.set("Setpoint", 20.0f);
        DeviceSpec spec = device(insecure(), new Prop("temperature", "FLOAT", visitor("Temperature")), new Prop("counter", "INT", visitor("Counter")),
                new Prop("running", "BOOLEAN", visitor("Running")), new Prop("label", "STRING", visitor("Label")),
                new Prop("setpoint", "FLOAT", visitor("Setpoint")));
        Recorder rec = new Recorder();
        DeviceSession s = open(spec, rec);
        Map<String, Reading> r = s.read(spec.properties());
        assertEquals("21.5", r.get("temperature").value());
        assertEquals("7", r.get("counter").value());
        assertEquals("true", r.get("running").value());
        assertEquals("boiler-1", r.get("label").value());
        assertEquals("20", r.get("setpoint").value());
        s.write(prop(spec, "setpoint"), "23.5");
        assertEquals(23.5f, server.get("Setpoint"));
        assertEquals("23.5", s.read(List.of(prop(spec, "setpoint"))).get("setpoint").value());
        s.write(prop(spec, "counter"), "42");
        assertEquals(42, server.get("Counter"));
        assertEquals(Integer.class, server.get("Counter").getClass(), "written as the node's own type (Int32)");
        server.set("Counter", 7);
        assertTrue(rec.health.contains("online"));
        assertEquals(Stream.of().toList(), List.copyOf(s.pushed()), "nothing subscribed unless asked");
    }

    @Test
    void aValueOfTheWrongTypeIsRefusedWithoutWriting() throws Exception {
        DeviceSpec spec = device(insecure(), new Prop("counter", "STRING", visitor("Counter")), new Prop("running", "STRING", visitor("Running")));
        DeviceSession s = open(spec, new Recorder());
        MapperException e = assertThrows(MapperException.class, () -> s.write(prop(spec, "counter"), "abc"));
        assertEquals(MapperException.Kind.CONFIG, e.kind());
        assertTrue(e.getMessage().contains("holds Int32") && e.getMessage().contains("'abc' is not a whole number"), e.getMessage());
        e = assertThrows(MapperException.class, () -> s.write(prop(spec, "counter"), "3000000000"));
        assertTrue(e.getMessage().contains("outside Int32's range"), e.getMessage());
        e = assertThrows(MapperException.class, () -> s.write(prop(spec, "running"), "maybe"));
        assertTrue(e.getMessage().contains("holds Boolean") && e.getMessage().contains("not a boolean"), e.getMessage());
        assertEquals(7, server.get("Counter"));
    }

    @Test
    void anUnknownNodeIdSaysSo() throws Exception {
        String bad = "{\"nodeID\":" + q("ns=" + server.namespaceIndex() + ";s=NoSuchThing") + "}";
        DeviceSpec spec = device(insecure(), new Prop("temperature", "FLOAT", visitor("Temperature")), new Prop("ghost", "FLOAT", bad));
        Recorder rec = new Recorder();
        DeviceSession s = open(spec, rec);
        Map<String, Reading> r = s.read(spec.properties());
        assertEquals(Map.of("temperature", "21.5"), Map.of("temperature", r.get("temperature").value()));
        assertFalse(r.containsKey("ghost"));
        assertTrue(rec.lastHealth().contains("property ghost") && rec.lastHealth().contains("Bad_NodeIdUnknown")
                && rec.lastHealth().contains("check visitors.configData.nodeID"), rec.lastHealth());
        MapperException e = assertThrows(MapperException.class, () -> s.read(List.of(prop(spec, "ghost"))));
        assertEquals(MapperException.Kind.CONFIG, e.kind());
        assertTrue(e.getMessage().contains("NoSuchThing"), e.getMessage());
    }

    @Test
    void aBrowsePathFindsTheNode() throws Exception {
        int ns = server.namespaceIndex();
        DeviceSpec spec = device(insecure(), new Prop("label", "STRING", "{\"browseName\":" + q(ns + ":Plant/" + ns + ":Label") + "}"));
        DeviceSession s = open(spec, new Recorder());
        assertEquals("boiler-1", s.read(spec.properties()).get("label").value());
    }

    @Test
    void subscribedPropertiesArePushedAndComeBackAfterTheServerRestarts() throws Exception {
        DeviceSpec spec = device("{\"url\":" + q(server.url()) + ",\"timeout\":2000,\"keepAlive\":500,\"publishingInterval\":100}",
                new Prop("temperature", "FLOAT", "{\"nodeID\":" + q(server.nodeId("Temperature")) + ",\"subscribe\":true,\"samplingInterval\":50}"),
                new Prop("label", "STRING", visitor("Label")));
        Recorder rec = new Recorder();
        DeviceSession s = open(spec, rec);
        assertEquals(java.util.Set.of("temperature"), s.pushed());
        waitFor(() -> rec.saw("temperature", "21.5"), "the initial value is pushed");
        server.set("Temperature", 30.25);
        waitFor(() -> rec.saw("temperature", "30.25"), "a change is pushed");
        server.restart();
        waitFor(() -> rec.health.stream().anyMatch(h -> h.startsWith("offline: unreachable")), "the lost session is reported offline: " + rec.health);
        waitFor(() -> "online".equals(rec.lastHealth()), "online again after the restart: " + rec.health);
        server.set("Temperature", 31.5);
        waitFor(() -> rec.saw("temperature", "31.5"), "changes are pushed again: the subscription was created anew");
        assertEquals("boiler-1", s.read(List.of(prop(spec, "label"))).get("label").value(), "reads work after the restart");
        server.set("Temperature", 21.5);
    }

    @Test
    void anUntrustedServerCertificateIsRefusedUntilTrusted() throws Exception {
        DeviceSpec spec = device("{\"url\":" + q(server.url()) + ",\"securityPolicy\":\"Basic256Sha256\",\"securityMode\":\"SignAndEncrypt\",\"timeout\":3000}",
                new Prop("temperature", "FLOAT", visitor("Temperature")));
        Recorder rec = new Recorder();
        java.io.PrintStream err = System.err;
        java.io.ByteArrayOutputStream log = new java.io.ByteArrayOutputStream();
        DeviceSession s;
        MapperException e;
        // slf4j-simple writes to System.err as it is at each call: the log of three attempts.
        System.setErr(new java.io.PrintStream(log, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            s = open(spec, rec);
            e = assertThrows(MapperException.class, () -> s.read(spec.properties()));
            assertThrows(MapperException.class, () -> s.read(spec.properties()));
            assertThrows(MapperException.class, () -> s.read(spec.properties()));
        } finally {
            System.setErr(err);
        }
        String logged = log.toString(java.nio.charset.StandardCharsets.UTF_8);
        System.err.print(logged);
        assertFalse(logged.contains("ERROR") || logged.contains("\tat "), "no ERROR and no stack trace for a refused certificate:\n" + logged);
        assertEquals(1, logged.split("is not trusted", -1).length - 1, "one WARN for the certificate, not one per attempt:\n" + logged);
        assertTrue(logged.contains("WARN") && logged.contains("trustedCertificates"), logged);
        assertEquals(MapperException.Kind.SECURITY, e.kind(), e.getMessage());
        String sha1 = TrustStore.thumbprint(server.certificate(), "SHA-1");
        Path rejected = state.resolve("pki/rejected/" + sha1 + ".der");
        assertTrue(e.getMessage().contains("is not trusted") && e.getMessage().contains("move " + rejected)
                && e.getMessage().contains("trustedCertificates ," + sha1), e.getMessage());
        assertTrue(Files.exists(rejected));
        Files.createDirectories(state.resolve("pki/trusted"));
        Files.move(rejected, state.resolve("pki/trusted/test-server.der"));
        assertEquals("21.5", s.read(spec.properties()).get("temperature").value(), "trusted once the file is in trusted/");
        assertTrue(Files.exists(state.resolve("pki/own/client.der")), "the gateway's certificate was made on first use");
    }

    @Test
    void signOnlyWithATrustedThumbprintAndAUserFromAPasswordFile() throws Exception {
        mapper.trustStore().setThumbprints(List.of(TrustStore.thumbprint(server.certificate(), "SHA-256")));
        Files.writeString(state.resolve("operator.password"), PASSWORD + "\n");
        Files.writeString(state.resolve("wrong.password"), "guess\n");
        String cfg = "{\"url\":" + q(server.url()) + ",\"securityPolicy\":\"Basic256Sha256\",\"securityMode\":\"Sign\",\"timeout\":3000,"
                + "\"userName\":\"operator\",\"password\":\"%s\"}";
        DeviceSpec spec = device(String.format(cfg, "operator.password"), new Prop("counter", "INT", visitor("Counter")));
        DeviceSession s = open(spec, new Recorder());
        assertEquals("7", s.read(spec.properties()).get("counter").value());
        s.close();
        DeviceSpec wrong = device(String.format(cfg, "wrong.password"), new Prop("counter", "INT", visitor("Counter")));
        DeviceSession w = open(wrong, new Recorder());
        MapperException e = assertThrows(MapperException.class, () -> w.read(wrong.properties()));
        assertEquals(MapperException.Kind.SECURITY, e.kind(), e.getMessage());
        assertTrue(e.getMessage().contains("userName"), e.getMessage());
    }

    @Test
    void aServerThatIsNotThereIsRefused() throws Exception {
        int port;
        try (ServerSocket ss = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            port = ss.getLocalPort();
        }
        DeviceSpec spec = device("{\"url\":\"opc.tcp://127.0.0.1:" + port + "\",\"timeout\":1000}", new Prop("t", "FLOAT", "{\"nodeID\":\"ns=2;s=T\"}"));
        Recorder rec = new Recorder();
        DeviceSession s = open(spec, rec);
        MapperException e = assertThrows(MapperException.class, () -> s.read(spec.properties()));
        assertEquals(MapperException.Kind.UNREACHABLE, e.kind());
        assertTrue(e.getMessage().contains("connection refused by 127.0.0.1:" + port), e.getMessage());
    }

    @Test
    void anEndpointTheServerDoesNotOfferIsAConfigurationError() throws Exception {
        DeviceSpec spec = device("{\"url\":" + q(server.url()) + ",\"securityPolicy\":\"Aes256_Sha256_RsaPss\",\"timeout\":3000}",
                new Prop("t", "FLOAT", visitor("Temperature")));
        DeviceSession s = open(spec, new Recorder());
        MapperException e = assertThrows(MapperException.class, () -> s.read(spec.properties()));
        assertEquals(MapperException.Kind.CONFIG, e.kind());
        assertTrue(e.getMessage().contains("it offers None/None, Basic256Sha256/Sign, Basic256Sha256/SignAndEncrypt"), e.getMessage());
    }

    @Test
    void browseListsTheChildrenOfANode() throws Exception {
        var settings = new io.outpost.mapper.opcua.client.UaConnection.Settings(server.url(),
                org.eclipse.milo.opcua.stack.core.security.SecurityPolicy.None,
                org.eclipse.milo.opcua.stack.core.types.enumerated.MessageSecurityMode.None, "", "", 3000, 1000, 1000);
        var events = new io.outpost.mapper.opcua.client.UaConnection.Events() {
            @Override
            public void online() {
            }

            @Override
            public void offline(io.outpost.mapper.opcua.client.UaFailure why) {
            }

            @Override
            public void value(String key, org.eclipse.milo.opcua.stack.core.types.builtin.DataValue value) {
            }
        };
        var scheduler = java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
        try (var c = new io.outpost.mapper.opcua.client.UaConnection(settings, () -> {
            throw new java.io.IOException("not needed on None");
        }, mapper.trustStore(), events, scheduler)) {
            int ns = server.namespaceIndex();
            var top = c.browse(org.eclipse.milo.opcua.stack.core.NodeIds.ObjectsFolder);
            assertTrue(top.stream().anyMatch(r -> r.browseName().equals(ns + ":Plant") && r.nodeId().equals("ns=" + ns + ";s=Plant")), top.toString());
            var plant = c.browse(org.eclipse.milo.opcua.stack.core.types.builtin.NodeId.parse("ns=" + ns + ";s=Plant"));
            assertEquals(java.util.Set.of("Temperature", "Counter", "Running", "Label", "Setpoint"),
                    plant.stream().map(r -> r.browseName().substring(r.browseName().indexOf(':') + 1)).collect(java.util.stream.Collectors.toSet()));
            assertTrue(plant.stream().allMatch(r -> r.nodeClass().equals("Variable")), plant.toString());
            var e = assertThrows(io.outpost.mapper.opcua.client.UaFailure.class, () -> c.resolve(ns + ":Plant/" + ns + ":Nothing"));
            assertEquals(io.outpost.mapper.opcua.client.UaFailure.Kind.CONFIG, e.kind());
            assertTrue(e.getMessage().contains("names no node under Objects"), e.getMessage());
        } finally {
            scheduler.shutdownNow();
        }
    }

    static void waitFor(BooleanSupplier condition, String what) throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(45).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("timed out waiting: " + what);
            }
            Thread.sleep(50);
        }
        assertNotNull(what);
    }
}
