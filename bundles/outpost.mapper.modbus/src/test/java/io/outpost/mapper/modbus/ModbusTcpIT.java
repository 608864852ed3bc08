package io.outpost.mapper.modbus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.ghgande.j2mod.modbus.procimg.SimpleDigitalIn;
import io.outpost.mapper.api.DeviceListener;
import io.outpost.mapper.api.DeviceSession;
import io.outpost.mapper.api.MapperException;
import io.outpost.mapper.api.Reading;
import io.outpost.mapper.modbus.protocol.ModbusIOException;
import io.outpost.mapper.modbus.protocol.TcpTransport;
import io.outpost.twin.api.DeviceSpec;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The mapper against a real Modbus TCP server (j2mod's slave) on a random local port. */
class ModbusTcpIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private ModbusServer server;
    private final ModbusMapper mapper = new ModbusMapper();
    private final List<String> health = new CopyOnWriteArrayList<>();
    private final DeviceListener listener = new DeviceListener() {
        @Override
        public void value(String property, String value, long timestamp) {
        }

        @Override
        public void health(boolean online, String reason) {
            health.add(online ? "online" : "offline: " + reason);
        }
    };

    @BeforeEach
    void start() throws Exception {
        server = new ModbusServer(ModbusServer.freePort(), 1, 64);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    /** A Device and its model: properties as (name, model type, visitor JSON). */
    static DeviceSpec device(String config, String... props) throws Exception {
        StringBuilder model = new StringBuilder("{\"spec\":{\"properties\":[");
        StringBuilder dev = new StringBuilder("{\"metadata\":{\"name\":\"plc\",\"namespace\":\"default\"},\"spec\":{\"deviceModelRef\":{\"name\":\"m\"},"
                + "\"protocol\":{\"protocolName\":\"modbus\",\"configData\":" + config + "},\"properties\":[");
        for (int i = 0; i < props.length; i += 3) {
            String sep = i == 0 ? "" : ",";
            model.append(sep).append("{\"name\":\"").append(props[i]).append("\",\"type\":\"").append(props[i + 1]).append("\"}");
            dev.append(sep).append("{\"name\":\"").append(props[i]).append("\",\"visitors\":{\"protocolName\":\"modbus\",\"configData\":")
                    .append(props[i + 2]).append("}}");
        }
        JsonNode m = JSON.readTree(model.append("]}}").toString());
        JsonNode d = JSON.readTree(dev.append("]}}").toString());
        return DeviceSpec.of(d, m);
    }

    private String tcp(String extra) {
        return "{\"ip\":\"127.0.0.1\",\"port\":" + server.port + ",\"slaveID\":1,\"timeout\":500,\"retries\":1,\"reconnectDelay\":100,"
                + "\"maxReconnectDelay\":400" + extra + "}";
    }

    private DeviceSession open(DeviceSpec d) throws MapperException {
        assertEquals(List.of(), mapper.validate(d));
        return mapper.open(d, listener);
    }

    @Test
    void readsEveryRegisterKindAndDataType() throws Exception {
        server.holding(0, 0xFFFE); // int16 -2
        server.holding(1, 0xFFFE); // uint16 65534
        server.holding(2, 0x0002, 0x0001); // int32 0x00010002 with word swap
        server.holding(4, 0xFFFF, 0xFFFE); // uint32
        server.holding(6, 0x0000, 0x41AC); // float32 21.5, CDAB
        server.holding(8, 0x4037, 0, 0, 0); // float64 23.0
        server.holding(12, 0x4F75, 0x7470, 0x6F73, 0x7400); // "Outpost"
        server.holding(16, 0xAC41, 0x0000); // float32 21.5, BADC
        server.input(0, 615); // 615 × 0.1 − 40 = 21.5
        server.image.getDigitalOut(3).set(true);
        server.image.setDigitalIn(5, new SimpleDigitalIn(true));
        DeviceSpec d = device(tcp(""),
                "i16", "INT", "{\"register\":\"HoldingRegister\",\"offset\":0,\"dataType\":\"int16\"}",
                "u16", "INT", "{\"register\":\"HoldingRegister\",\"offset\":1,\"dataType\":\"uint16\"}",
                "i32", "INT", "{\"register\":\"HoldingRegister\",\"offset\":2,\"dataType\":\"int32\",\"isRegisterSwap\":true}",
                "u32", "INT", "{\"register\":\"HoldingRegister\",\"offset\":4,\"limit\":2,\"dataType\":\"uint32\"}",
                "f32", "FLOAT", "{\"register\":\"HoldingRegister\",\"offset\":6,\"dataType\":\"float32\",\"isRegisterSwap\":true}",
                "f64", "DOUBLE", "{\"register\":\"HoldingRegister\",\"offset\":8,\"dataType\":\"float64\"}",
                "text", "STRING", "{\"register\":\"HoldingRegister\",\"offset\":12,\"limit\":4,\"dataType\":\"string\"}",
                "f32b", "FLOAT", "{\"register\":\"HoldingRegister\",\"offset\":16,\"dataType\":\"float32\",\"isSwap\":true}",
                "scaled", "FLOAT", "{\"register\":\"InputRegister\",\"offset\":0,\"scale\":0.1,\"valueOffset\":-40,\"dataType\":\"uint16\"}",
                "coil", "BOOLEAN", "{\"register\":\"CoilRegister\",\"offset\":3}",
                "input", "BOOLEAN", "{\"register\":\"DiscreteInputRegister\",\"offset\":5}");
        try (DeviceSession s = open(d)) {
            Map<String, Reading> r = s.read(d.properties());
            assertEquals("-2", r.get("i16").value());
            assertEquals("65534", r.get("u16").value());
            assertEquals(Integer.toString(0x00010002), r.get("i32").value());
            assertEquals("4294967294", r.get("u32").value());
            assertEquals("21.5", r.get("f32").value());
            assertEquals("23", r.get("f64").value());
            assertEquals("Outpost", r.get("text").value());
            assertEquals("21.5", r.get("f32b").value());
            assertEquals("21.5", r.get("scaled").value());
            assertEquals("true", r.get("coil").value());
            assertEquals("true", r.get("input").value());
            assertEquals(11, r.size());
        }
        assertEquals(List.of("online"), health);
    }

    @Test
    void contiguousRegistersAreReadInOneRequest() throws Exception {
        String[] props = new String[60];
        for (int i = 0; i < 20; i++) {
            server.holding(20 + i, 100 + i);
            props[3 * i] = "r" + i;
            props[3 * i + 1] = "INT";
            props[3 * i + 2] = "{\"register\":\"HoldingRegister\",\"offset\":" + (20 + i) + "}";
        }
        DeviceSpec d = device(tcp(""), props);
        try (DeviceSession s = open(d)) {
            int before = server.image.reads.get();
            Map<String, Reading> r = s.read(d.properties());
            assertEquals(1, server.image.reads.get() - before, "20 contiguous registers, one request");
            assertEquals(20, r.size());
            assertEquals("119", r.get("r19").value());
            // Only some due: still one request for those.
            before = server.image.reads.get();
            s.read(List.of(d.properties().get(3), d.properties().get(4), d.properties().get(5)));
            assertEquals(1, server.image.reads.get() - before);
            // Two separate blocks: two requests.
            before = server.image.reads.get();
            s.read(List.of(d.properties().get(0), d.properties().get(19)));
            assertEquals(2, server.image.reads.get() - before);
        }
    }

    @Test
    void writesAHoldingRegisterAFloatAndACoil() throws Exception {
        DeviceSpec d = device(tcp(""),
                "setpoint", "FLOAT", "{\"register\":\"HoldingRegister\",\"offset\":30,\"dataType\":\"int16\",\"scale\":0.1}",
                "big", "FLOAT", "{\"register\":\"HoldingRegister\",\"offset\":31,\"dataType\":\"float32\",\"isRegisterSwap\":true}",
                "pump", "BOOLEAN", "{\"register\":\"CoilRegister\",\"offset\":7}");
        try (DeviceSession s = open(d)) {
            s.write(d.property("setpoint").orElseThrow(), "21.5");
            assertEquals(215, server.holding(30));
            s.write(d.property("big").orElseThrow(), "21.5");
            assertEquals(0x0000, server.holding(31));
            assertEquals(0x41AC, server.holding(32));
            s.write(d.property("pump").orElseThrow(), "true");
            assertTrue(server.image.getDigitalOut(7).isSet());
            Map<String, Reading> r = s.read(d.properties());
            assertEquals("21.5", r.get("setpoint").value());
            assertEquals("21.5", r.get("big").value());
            assertEquals("true", r.get("pump").value());
            s.write(d.property("pump").orElseThrow(), "false");
            assertFalse(server.image.getDigitalOut(7).isSet());
        }
    }

    @Test
    void writingAnInputRegisterIsRefusedWithoutIo() throws Exception {
        DeviceSpec d = device(tcp(""), "t", "INT", "{\"register\":\"InputRegister\",\"offset\":0}");
        try (DeviceSession s = open(d)) {
            MapperException e = assertThrows(MapperException.class, () -> s.write(d.properties().get(0), "1"));
            assertEquals(MapperException.Kind.UNSUPPORTED, e.kind());
            assertTrue(e.getMessage().contains("only CoilRegister and HoldingRegister are writable"), e.getMessage());
        }
    }

    @Test
    void anIllegalAddressIsAClearErrorAndAnOfflineReason() throws Exception {
        DeviceSpec d = device(tcp(""),
                "ok", "INT", "{\"register\":\"HoldingRegister\",\"offset\":0}",
                "missing", "INT", "{\"register\":\"HoldingRegister\",\"offset\":1000}");
        try (DeviceSession s = open(d)) {
            Map<String, Reading> r = s.read(d.properties());
            assertEquals(List.of("ok"), List.copyOf(r.keySet()), "what could be read is returned");
            String reason = health.get(health.size() - 1);
            assertTrue(reason.startsWith("offline: exception 2 (illegal data address) to function 3 from 127.0.0.1:" + server.port
                    + " unit 1 reading HoldingRegister 1000..1000 (properties missing): the device has no such addresses"), reason);
            MapperException e = assertThrows(MapperException.class, () -> s.read(List.of(d.property("missing").orElseThrow())));
            assertEquals(MapperException.Kind.DEVICE_ERROR, e.kind());
            assertTrue(e.getMessage().contains("illegal data address"), e.getMessage());
            MapperException w = assertThrows(MapperException.class, () -> s.write(d.property("missing").orElseThrow(), "1"));
            assertEquals(MapperException.Kind.DEVICE_ERROR, w.kind());
            assertTrue(w.getMessage().startsWith("exception 2 (illegal data address) to function 6"), w.getMessage());
            // The device answers: the next good read puts it back online.
            s.read(List.of(d.property("ok").orElseThrow()));
            assertEquals("online", health.get(health.size() - 1));
        }
    }

    @Test
    void anIllegalFunctionComesBackAsExceptionOne() throws Exception {
        // The mapper only sends functions every server has; Read Exception Status (7, serial line only) shows the refusal.
        TcpTransport t = new TcpTransport("127.0.0.1", server.port, 500);
        try {
            byte[] pdu = t.exchange(1, new byte[] {7}, 1000);
            assertEquals((byte) (7 | 0x80), pdu[0]);
            assertEquals(1, pdu[1]);
            assertEquals("illegal function", ModbusIOException.exceptionName(pdu[1]));
        } finally {
            t.close();
        }
    }

    @Test
    void aSilentDeviceTimesOutAndTheOthersAreNotStalled() throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            CountDownLatch accepted = new CountDownLatch(1);
            Thread acceptor = new Thread(() -> {
                try (Socket ignored = silent.accept()) {
                    accepted.countDown();
                    Thread.sleep(20_000);
                } catch (Exception e) {
                    // closed at the end of the test
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
            DeviceSpec slow = device("{\"ip\":\"127.0.0.1\",\"port\":" + silent.getLocalPort() + ",\"timeout\":1500,\"retries\":1}",
                    "t", "INT", "{\"register\":\"HoldingRegister\",\"offset\":0}");
            DeviceSpec fast = device(tcp(""), "t", "INT", "{\"register\":\"HoldingRegister\",\"offset\":0}");
            server.holding(0, 42);
            AtomicReference<MapperException> slowError = new AtomicReference<>();
            List<String> slowHealth = new CopyOnWriteArrayList<>();
            DeviceSession slowSession = mapper.open(slow, new DeviceListener() {
                @Override
                public void value(String property, String value, long timestamp) {
                }

                @Override
                public void health(boolean online, String reason) {
                    slowHealth.add(online ? "online" : reason);
                }
            });
            Thread poller = new Thread(() -> {
                try {
                    slowSession.read(slow.properties());
                } catch (MapperException e) {
                    slowError.set(e);
                }
            });
            poller.start();
            assertTrue(accepted.await(5, TimeUnit.SECONDS));
            try (DeviceSession s = open(fast)) {
                for (int i = 0; i < 5; i++) {
                    assertEquals("42", s.read(fast.properties()).get("t").value());
                }
                assertTrue(poller.isAlive(), "the fast device was read while the slow one was still waiting");
            }
            poller.join(10_000);
            MapperException e = slowError.get();
            assertEquals(MapperException.Kind.TIMEOUT, e.kind());
            assertTrue(e.getMessage().startsWith("timeout: no answer from 127.0.0.1:" + silent.getLocalPort()), e.getMessage());
            assertEquals("timeout: no answer from 127.0.0.1:" + silent.getLocalPort() + " unit 1 within 1500 ms, 2 attempts", e.getMessage());
            assertEquals(List.of(e.getMessage()), slowHealth);
            // Backing off: the next read fails at once, without waiting for another timeout.
            MapperException again = assertThrows(MapperException.class, () -> slowSession.read(slow.properties()));
            assertTrue(again.getMessage().contains("next attempt in"), again.getMessage());
            slowSession.close();
        }
    }

    @Test
    void aRefusedConnectionIsReportedAsSuch() throws Exception {
        int port = ModbusServer.freePort();
        DeviceSpec d = device("{\"ip\":\"127.0.0.1\",\"port\":" + port + "}", "t", "INT", "{\"register\":\"HoldingRegister\",\"offset\":0}");
        try (DeviceSession s = open(d)) {
            MapperException e = assertThrows(MapperException.class, () -> s.read(d.properties()));
            assertEquals(MapperException.Kind.UNREACHABLE, e.kind());
            assertEquals("refused: connection refused by 127.0.0.1:" + port, e.getMessage());
            assertEquals(List.of("offline: " + e.getMessage()), health);
        }
    }

    @Test
    void reconnectsAfterTheServerRestarts() throws Exception {
        int port = ModbusServer.freePort();
        DeviceSpec d = device(tcp("").replace("\"port\":" + server.port, "\"port\":" + port), "t", "INT",
                "{\"register\":\"HoldingRegister\",\"offset\":0}");
        try (DeviceSession s = open(d)) {
            try (ModbusServerProcess p = new ModbusServerProcess(port, 7)) {
                assertEquals("7", s.read(d.properties()).get("t").value());
            }
            MapperException e = assertThrows(MapperException.class, () -> s.read(d.properties()));
            assertEquals(MapperException.Kind.UNREACHABLE, e.kind());
            assertTrue(e.getMessage().startsWith("refused: ") || e.getMessage().startsWith("unreachable: "), e.getMessage());
            try (ModbusServerProcess p = new ModbusServerProcess(port, 8)) {
                String value = null;
                for (int i = 0; i < 100 && value == null; i++) {
                    try {
                        value = s.read(d.properties()).get("t").value();
                    } catch (MapperException again) {
                        Thread.sleep(50);
                    }
                }
                assertEquals("8", value);
            }
            assertEquals("online", health.get(0));
            assertTrue(health.get(1).startsWith("offline: "), health.toString());
            assertEquals("online", health.get(health.size() - 1));
        }
    }

    @Test
    void aWrongUnitIdIsNotTakenForTheDevice() throws Exception {
        DeviceSpec d = device(tcp("").replace("\"slaveID\":1", "\"slaveID\":9"), "t", "INT", "{\"register\":\"HoldingRegister\",\"offset\":0}");
        try (DeviceSession s = open(d)) {
            MapperException e = assertThrows(MapperException.class, () -> s.read(d.properties()));
            assertTrue(e.getMessage().contains("unit 9"), e.getMessage());
        }
        assertFalse(health.isEmpty());
        assertTrue(health.get(0).startsWith("offline: "), health.toString());
    }

}
