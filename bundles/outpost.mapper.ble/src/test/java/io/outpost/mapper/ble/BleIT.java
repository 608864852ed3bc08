package io.outpost.mapper.ble;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.outpost.examples.ble.FakeBluez;
import io.outpost.examples.ble.PrivateBus;
import io.outpost.mapper.api.DeviceListener;
import io.outpost.mapper.api.DeviceSession;
import io.outpost.mapper.api.MapperException;
import io.outpost.mapper.api.Reading;
import io.outpost.twin.api.DeviceSpec;
import io.outpost.twin.api.PropertySpec;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The mapper against a fake BlueZ on a private dbus-daemon: the mapper only has the bus address
 * and talks BlueZ's D-Bus API as it would to bluetoothd.
 */
class BleIT {
    static final String MAC = "A4:C1:38:0B:5E:21";
    static final String TEMP = "00002a6e-0000-1000-8000-00805f9b34fb";
    /** BlueZ names UUIDs in lower case with dashes; KubeEdge's manifests often leave the dashes out. */
    static final String HUMID = "f000aa03-0451-4000-b000-000000000000";
    static final String NAME = "00002a00-0000-1000-8000-00805f9b34fb";
    static final String SWITCH = "f000aa66-0451-4000-b000-000000000000";
    private static final ObjectMapper JSON = new ObjectMapper();

    private PrivateBus bus;
    private FakeBluez bluez;
    private BleMapper mapper;
    private final List<DeviceSession> sessions = new CopyOnWriteArrayList<>();
    private final List<String> health = new CopyOnWriteArrayList<>();
    private final List<String> pushed = new CopyOnWriteArrayList<>();
    private final DeviceListener listener = new DeviceListener() {
        @Override
        public void value(String property, String value, long timestamp) {
            pushed.add(property + "=" + value);
        }

        @Override
        public void health(boolean online, String reason) {
            health.add(online ? "online" : "offline: " + reason);
        }
    };

    @BeforeEach
    void start() throws Exception {
        bus = new PrivateBus();
        bluez = new FakeBluez(bus.address);
        Map<String, byte[]> chars = new LinkedHashMap<>();
        chars.put(TEMP, new byte[] {(byte) 0x66, 0x08}); // 2150 little-endian: 21.5 °C in 0.01 steps
        chars.put(HUMID, new byte[] {0x00, (byte) 0xC8, 0x00}); // bytes 2,1 → 0x00C8 = 200 >> 1 = 100 × 0.5 = 50
        chars.put(NAME, "thermo-1".getBytes());
        chars.put(SWITCH, new byte[] {0});
        bluez.peripheral(MAC, chars);
        mapper = new BleMapper(bus.address);
    }

    @AfterEach
    void stop() throws Exception {
        sessions.forEach(DeviceSession::close);
        mapper.deactivate();
        bluez.close();
        bus.close();
    }

    static DeviceSpec device(String config, String... props) throws Exception {
        StringBuilder model = new StringBuilder("{\"spec\":{\"properties\":[");
        StringBuilder dev = new StringBuilder("{\"metadata\":{\"name\":\"thermo\",\"namespace\":\"default\"},\"spec\":{\"deviceModelRef\":{\"name\":\"m\"},"
                + "\"protocol\":{\"protocolName\":\"ble\",\"configData\":" + config + "},\"properties\":[");
        for (int i = 0; i < props.length; i += 3) {
            String sep = i == 0 ? "" : ",";
            model.append(sep).append("{\"name\":\"").append(props[i]).append("\",\"type\":\"").append(props[i + 1]).append("\"}");
            dev.append(sep).append("{\"name\":\"").append(props[i]).append("\",\"visitors\":{\"protocolName\":\"ble\",\"configData\":")
                    .append(props[i + 2]).append("}}");
        }
        JsonNode m = JSON.readTree(model.append("]}}").toString());
        JsonNode d = JSON.readTree(dev.append("]}}").toString());
        return DeviceSpec.of(d, m);
    }

    static String config(String mac) {
        return "{\"macAddress\":\"" + mac + "\",\"timeout\":500,\"connectTimeout\":2000,\"discoveryTimeout\":1500,"
                + "\"reconnectDelay\":100,\"maxReconnectDelay\":400}";
    }

    private DeviceSession open(DeviceSpec d) throws MapperException {
        assertEquals(List.of(), mapper.validate(d));
        DeviceSession s = mapper.open(d, listener);
        sessions.add(s);
        return s;
    }

    private static DeviceSpec thermometer() throws Exception {
        return device(config(MAC),
                "temperature", "float", "{\"characteristicUUID\":\"2a6e\",\"dataType\":\"int16\",\"scale\":0.01}",
                "humidity", "float", "{\"characteristicUUID\":\"" + HUMID.replace("-", "") + "\",\"dataConverter\":{\"startIndex\":2,\"endIndex\":1,"
                        + "\"shiftRight\":1,\"orderOfOperations\":[{\"operationType\":\"Multiply\",\"operationValue\":\"0.5\"}]}}",
                "name", "string", "{\"characteristicUUID\":\"00002A00-0000-1000-8000-00805F9B34FB\"}",
                "power", "string", "{\"characteristicUUID\":\"" + SWITCH.replace("-", "") + "\",\"dataWrite\":{\"ON\":[1],\"OFF\":[0]}}");
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + 10_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("not within 10 s: " + what);
            }
            Thread.sleep(20);
        }
    }

    private static Map<String, String> values(Map<String, Reading> r) {
        Map<String, String> out = new LinkedHashMap<>();
        r.forEach((k, v) -> out.put(k, v.value()));
        return out;
    }

    @Test
    void discoversConnectsReadsAndWrites() throws Exception {
        DeviceSpec d = thermometer();
        DeviceSession s = open(d);
        Map<String, Reading> r = s.read(d.properties());
        assertEquals("21.5", r.get("temperature").value());
        assertEquals("50", r.get("humidity").value());
        assertEquals("thermo-1", r.get("name").value());
        assertTrue(bluez.calls.contains("StartDiscovery"), "the device was unknown to BlueZ, so discovery ran: " + bluez.calls);
        assertTrue(bluez.calls.contains("StopDiscovery"), "and was stopped once the device was found: " + bluez.calls);
        assertTrue(bluez.calls.contains("Connect " + MAC));
        assertEquals("online", health.get(health.size() - 1));

        s.write(d.property("power").orElseThrow(), "ON");
        assertArrayEquals(new byte[] {1}, bluez.device(MAC).writes.get(0));
        assertTrue(bluez.calls.contains("WriteValue " + SWITCH + " request"), bluez.calls.toString());
        s.write(d.property("temperature").orElseThrow(), "-3.25");
        assertArrayEquals(new byte[] {(byte) 0xBB, (byte) 0xFE}, bluez.device(MAC).writes.get(1), "-325 as int16 little-endian");
        assertEquals("-3.25", s.read(List.of(d.property("temperature").orElseThrow())).get("temperature").value());

        MapperException bad = assertThrows(MapperException.class, () -> s.write(d.property("power").orElseThrow(), "HALF"));
        assertEquals(MapperException.Kind.CONFIG, bad.kind());
        assertTrue(bad.getMessage().contains("none of the dataWrite values"), bad.getMessage());
    }

    @Test
    void notificationsArePushed() throws Exception {
        DeviceSpec d = device(config(MAC), "temperature", "float", "{\"characteristicUUID\":\"2a6e\",\"dataType\":\"int16\",\"scale\":0.01,\"notify\":true}");
        DeviceSession s = open(d);
        assertEquals(Set.of("temperature"), s.pushed());
        // Nobody polls: the session connects and subscribes on its own.
        await("connected and subscribed", () -> bluez.calls.contains("StartNotify " + TEMP));
        await("online", () -> health.contains("online"));
        bluez.notifyValue(MAC, TEMP, new byte[] {(byte) 0xE8, 0x03});
        await("the notification reaches the listener", () -> pushed.contains("temperature=10"));
        bluez.notifyValue(MAC, TEMP, new byte[] {(byte) 0x18, (byte) 0xFC});
        await("a negative value", () -> pushed.contains("temperature=-10"));
    }

    @Test
    void reconnectsWhenTheDeviceGoesAwayAndComesBack() throws Exception {
        DeviceSpec d = device(config(MAC), "temperature", "float", "{\"characteristicUUID\":\"2a6e\",\"dataType\":\"int16\",\"scale\":0.01,\"notify\":true}");
        open(d);
        await("online", () -> health.contains("online"));
        bluez.goAway(MAC);
        await("offline with a reason", () -> health.stream().anyMatch(h -> h.startsWith("offline: disconnected: device " + MAC + " dropped the connection")
                || h.startsWith("offline: not found: device " + MAC)));
        // While it is away, attempts fail with "not found" and back off.
        await("not found while away", () -> health.stream().anyMatch(h -> h.startsWith("offline: not found: device " + MAC + " was not found")));
        int before = health.size();
        bluez.comeBack(MAC);
        await("online again", () -> health.subList(before, health.size()).contains("online"));
        await("subscribed again", () -> bluez.calls.stream().filter(c -> c.equals("StartNotify " + TEMP)).count() == 2);
        bluez.notifyValue(MAC, TEMP, new byte[] {0x10, 0x27});
        await("notifications flow again", () -> pushed.contains("temperature=100"));
    }

    @Test
    void aMissingCharacteristicIsAClearStatusAndTheOthersAreStillRead() throws Exception {
        DeviceSpec d = device(config(MAC),
                "temperature", "float", "{\"characteristicUUID\":\"2a6e\",\"dataType\":\"int16\",\"scale\":0.01}",
                "pressure", "float", "{\"characteristicUUID\":\"2a6d\",\"dataType\":\"uint32\"}");
        DeviceSession s = open(d);
        Map<String, Reading> r = s.read(d.properties());
        assertEquals(Map.of("temperature", "21.5"), values(r));
        String last = health.get(health.size() - 1);
        assertTrue(last.startsWith("offline: characteristic missing: property pressure names characteristic 00002a6d-0000-1000-8000-00805f9b34fb,"
                + " which device " + MAC + " does not have"), last);
        assertTrue(last.contains("it has") && last.contains(TEMP), last);
        MapperException e = assertThrows(MapperException.class, () -> s.read(List.of(d.property("pressure").orElseThrow())));
        assertEquals(MapperException.Kind.DEVICE_ERROR, e.kind());
        MapperException w = assertThrows(MapperException.class, () -> s.write(d.property("pressure").orElseThrow(), "1"));
        assertTrue(w.getMessage().startsWith("characteristic missing"), w.getMessage());
    }

    @Test
    void aDisconnectDuringAReadIsReportedAndRecovered() throws Exception {
        DeviceSpec d = thermometer();
        DeviceSession s = open(d);
        s.read(d.properties());
        bluez.device(MAC).modes.put(TEMP, FakeBluez.ReadMode.DISCONNECT);
        MapperException e = assertThrows(MapperException.class, () -> s.read(d.properties()));
        assertEquals(MapperException.Kind.UNREACHABLE, e.kind());
        assertTrue(e.getMessage().startsWith("disconnected: "), e.getMessage());
        assertTrue(e.getMessage().contains("reading temperature"), e.getMessage());
        assertTrue(health.get(health.size() - 1).startsWith("offline: disconnected: "), health.toString());
        // The scheduler reconnects after the back-off; reads work again.
        await("reconnected", () -> health.get(health.size() - 1).equals("online"));
        assertEquals("21.5", s.read(d.properties()).get("temperature").value());
    }

    @Test
    void aSilentDeviceTimesOut() throws Exception {
        DeviceSpec d = thermometer();
        DeviceSession s = open(d);
        s.read(d.properties());
        bluez.device(MAC).modes.put(TEMP, FakeBluez.ReadMode.SILENT);
        long t0 = System.nanoTime();
        MapperException e = assertThrows(MapperException.class, () -> s.read(List.of(d.property("temperature").orElseThrow())));
        assertTrue((System.nanoTime() - t0) / 1_000_000 < 2500, "waits the configured 500 ms, not dbus-java's 20 s");
        assertEquals(MapperException.Kind.TIMEOUT, e.kind());
        assertTrue(e.getMessage().startsWith("timeout: ReadValue "), e.getMessage());
        assertTrue(e.getMessage().contains("no answer within 500 ms"), e.getMessage());
    }

    @Test
    void aDeviceOutOfRangeIsNotFound() throws Exception {
        DeviceSpec d = device(config("11:22:33:44:55:66"), "temperature", "float", "{\"characteristicUUID\":\"2a6e\",\"dataType\":\"int16\"}");
        DeviceSession s = open(d);
        await("reported not found", () -> health.stream().anyMatch(h -> h.startsWith("offline: not found: device 11:22:33:44:55:66 was not found by "
                + FakeBluez.ADAPTER + " within 1500 ms of discovery")));
        MapperException e = assertThrows(MapperException.class, () -> s.read(d.properties()));
        assertEquals(MapperException.Kind.UNREACHABLE, e.kind());
        assertTrue(e.getMessage().startsWith("not found: "), e.getMessage());
    }

    @Test
    void noBluezOnTheBusIsAClearStatus() throws Exception {
        bluez.close();
        DeviceSpec d = thermometer();
        DeviceSession s = open(d);
        MapperException e = assertThrows(MapperException.class, () -> s.read(d.properties()));
        assertTrue(e.getMessage().startsWith("bluetooth unavailable: "), e.getMessage());
        assertTrue(e.getMessage().contains("GetManagedObjects"), e.getMessage());
        bluez = new FakeBluez(bus.address);
    }

    @Test
    void closingDisconnectsTheDevice() throws Exception {
        DeviceSpec d = thermometer();
        DeviceSession s = open(d);
        s.read(d.properties());
        s.close();
        assertTrue(bluez.calls.contains("Disconnect " + MAC), bluez.calls.toString());
        MapperException e = assertThrows(MapperException.class, () -> s.read(d.properties()));
        assertEquals(MapperException.Kind.UNREACHABLE, e.kind());
        PropertySpec p = d.property("temperature").orElseThrow();
        assertThrows(MapperException.class, () -> s.write(p, "1"));
    }
}
