package io.outpost.mapper.modbus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.ghgande.j2mod.modbus.Modbus;
import com.ghgande.j2mod.modbus.slave.ModbusSlave;
import com.ghgande.j2mod.modbus.slave.ModbusSlaveFactory;
import com.ghgande.j2mod.modbus.util.SerialParameters;
import io.outpost.mapper.api.DeviceListener;
import io.outpost.mapper.api.DeviceSession;
import io.outpost.mapper.api.MapperException;
import io.outpost.mapper.api.Reading;
import io.outpost.mapper.modbus.protocol.Crc16;
import io.outpost.twin.api.DeviceSpec;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Modbus RTU over a pseudo-terminal pair made by socat (Debian package socat; .ci/test-all
 * installs it): the mapper's serial port (jSerialComm) on one end, a real RTU slave (j2mod's,
 * also through jSerialComm) or a misbehaving peer on the other.
 */
class ModbusRtuIT {
    private Path dir;
    private Process socat;
    private Path mapperEnd;
    private Path deviceEnd;
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
    void ptyPair() throws Exception {
        dir = Files.createTempDirectory("outpost-rtu");
        mapperEnd = dir.resolve("mapper");
        deviceEnd = dir.resolve("device");
        try {
            socat = new ProcessBuilder("socat", "pty,raw,echo=0,link=" + mapperEnd, "pty,raw,echo=0,link=" + deviceEnd)
                    .redirectErrorStream(true).redirectOutput(dir.resolve("socat.log").toFile()).start();
        } catch (IOException e) {
            throw new IllegalStateException("socat is needed for the RTU tests (Debian: apt-get install socat; .ci/test-all installs it)", e);
        }
        for (int i = 0; i < 100 && !(Files.exists(mapperEnd) && Files.exists(deviceEnd)); i++) {
            Thread.sleep(50);
        }
        assertTrue(Files.exists(mapperEnd) && Files.exists(deviceEnd), "socat made no pty pair: " + Files.readString(dir.resolve("socat.log")));
    }

    @AfterEach
    void close() throws Exception {
        socat.destroy();
        socat.waitFor(5, TimeUnit.SECONDS);
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private String rtu(int unit) throws IOException {
        return "{\"serialPort\":\"" + mapperEnd.toRealPath().toString() + "\",\"baudRate\":19200,\"dataBits\":8,\"parity\":\"none\","
                + "\"stopBits\":1,\"slaveID\":" + unit + ",\"timeout\":500,\"retries\":1,\"reconnectDelay\":100}";
    }

    private ModbusSlave slave(ModbusServer.CountingImage image) throws Exception {
        SerialParameters p = new SerialParameters();
        p.setPortName(deviceEnd.toRealPath().toString());
        p.setBaudRate(19200);
        p.setDatabits(8);
        p.setParity("None");
        p.setStopbits(1);
        p.setEncoding(Modbus.SERIAL_ENCODING_RTU);
        p.setEcho(false);
        ModbusSlave s = ModbusSlaveFactory.createSerialSlave(p);
        s.addProcessImage(1, image);
        s.open();
        return s;
    }

    private static ModbusServer.CountingImage image() {
        ModbusServer.CountingImage img = new ModbusServer.CountingImage(1);
        for (int i = 0; i < 16; i++) {
            img.addRegister(new com.ghgande.j2mod.modbus.procimg.SimpleRegister(0));
            img.addDigitalOut(new com.ghgande.j2mod.modbus.procimg.SimpleDigitalOut(false));
        }
        return img;
    }

    @Test
    void readsBatchesAndWritesThroughARealRtuSlave() throws Exception {
        ModbusServer.CountingImage img = image();
        img.getRegister(0).setValue(0x41AC);
        img.getRegister(1).setValue(0x0000);
        img.getRegister(2).setValue(1234);
        img.getDigitalOut(4).set(true);
        ModbusSlave slave = slave(img);
        try {
            DeviceSpec d = ModbusTcpIT.device(rtu(1),
                    "temp", "FLOAT", "{\"register\":\"HoldingRegister\",\"offset\":0,\"dataType\":\"float32\"}",
                    "count", "INT", "{\"register\":\"HoldingRegister\",\"offset\":2}",
                    "fan", "BOOLEAN", "{\"register\":\"CoilRegister\",\"offset\":4}");
            ModbusMapper mapper = new ModbusMapper();
            assertEquals(List.of(), mapper.validate(d));
            try (DeviceSession s = mapper.open(d, listener)) {
                int before = img.reads.get();
                Map<String, Reading> r = s.read(d.properties());
                assertEquals("21.5", r.get("temp").value());
                assertEquals("1234", r.get("count").value());
                assertEquals("true", r.get("fan").value());
                assertEquals(2, img.reads.get() - before, "registers 0..2 in one read, the coil in another");
                s.write(d.property("count").orElseThrow(), "4321");
                assertEquals(4321, img.getRegister(2).getValue());
                s.write(d.property("fan").orElseThrow(), "false");
                assertEquals(false, img.getDigitalOut(4).isSet());
            }
            assertEquals("online", health.get(0));
        } finally {
            ModbusSlaveFactory.close(slave);
        }
    }

    @Test
    void devicesOnOneBusShareItsPortAndTakeTurns() throws Exception {
        ModbusServer.CountingImage one = image();
        one.getRegister(0).setValue(11);
        ModbusServer.CountingImage two = new ModbusServer.CountingImage(2);
        two.addRegister(new com.ghgande.j2mod.modbus.procimg.SimpleRegister(22));
        ModbusSlave slave = slave(one);
        slave.addProcessImage(2, two);
        try {
            ModbusMapper mapper = new ModbusMapper();
            DeviceSpec d1 = ModbusTcpIT.device(rtu(1), "t", "INT", "{\"register\":\"HoldingRegister\",\"offset\":0}");
            DeviceSpec d2 = ModbusTcpIT.device(rtu(2), "t", "INT", "{\"register\":\"HoldingRegister\",\"offset\":0}");
            DeviceSpec d9 = ModbusTcpIT.device(rtu(9), "t", "INT", "{\"register\":\"HoldingRegister\",\"offset\":0}");
            DeviceSession s1 = mapper.open(d1, listener);
            DeviceSession s2 = mapper.open(d2, listener);
            DeviceSession s9 = mapper.open(d9, listener);
            List<String> got = new CopyOnWriteArrayList<>();
            Thread a = new Thread(() -> {
                try {
                    for (int i = 0; i < 10; i++) {
                        got.add(s1.read(d1.properties()).get("t").value());
                    }
                } catch (MapperException e) {
                    got.add(e.getMessage());
                }
            });
            a.start();
            for (int i = 0; i < 10; i++) {
                got.add(s2.read(d2.properties()).get("t").value());
            }
            a.join(20_000);
            assertEquals(10, got.stream().filter("11"::equals).count(), got.toString());
            assertEquals(10, got.stream().filter("22"::equals).count(), got.toString());
            // A silent unit on the bus times out without closing the port for the others.
            assertThrows(MapperException.class, () -> s9.read(d9.properties()));
            assertEquals("22", s2.read(d2.properties()).get("t").value());
            s9.close();
            s1.close();
            assertEquals("22", s2.read(d2.properties()).get("t").value(), "the port stays open while a device uses it");
            s2.close();
        } finally {
            ModbusSlaveFactory.close(slave);
        }
    }

    @Test
    void anIllegalAddressOverRtuIsAnExceptionResponse() throws Exception {
        ModbusSlave slave = slave(image());
        try {
            DeviceSpec d = ModbusTcpIT.device(rtu(1), "far", "INT", "{\"register\":\"HoldingRegister\",\"offset\":500}");
            try (DeviceSession s = new ModbusMapper().open(d, listener)) {
                MapperException e = assertThrows(MapperException.class, () -> s.read(d.properties()));
                assertEquals(MapperException.Kind.DEVICE_ERROR, e.kind());
                assertTrue(e.getMessage().startsWith("exception 2 (illegal data address) to function 3"), e.getMessage());
            }
        } finally {
            ModbusSlaveFactory.close(slave);
        }
    }

    @Test
    void anotherUnitsSilenceIsATimeout() throws Exception {
        ModbusSlave slave = slave(image());
        try {
            DeviceSpec d = ModbusTcpIT.device(rtu(9), "t", "INT", "{\"register\":\"HoldingRegister\",\"offset\":0}");
            try (DeviceSession s = new ModbusMapper().open(d, listener)) {
                MapperException e = assertThrows(MapperException.class, () -> s.read(d.properties()));
                assertEquals(MapperException.Kind.TIMEOUT, e.kind());
                assertTrue(e.getMessage().startsWith("timeout: no answer from unit 9 on "), e.getMessage());
                assertEquals(List.of("offline: " + e.getMessage()), health);
            }
        } finally {
            ModbusSlaveFactory.close(slave);
        }
    }

    /** A peer on the device end that answers every request with the given bytes (raw pty I/O). */
    private Thread badPeer(byte[] answer) throws IOException {
        RandomAccessFile pty = new RandomAccessFile(deviceEnd.toRealPath().toFile(), "rw");
        Thread t = new Thread(() -> {
            byte[] req = new byte[8];
            try (pty) {
                while (true) {
                    int got = 0;
                    while (got < 8) {
                        int n = pty.read(req, got, 8 - got);
                        if (n < 0) {
                            return;
                        }
                        got += n;
                    }
                    pty.write(answer);
                }
            } catch (IOException e) {
                // the pty went away at the end of the test
            }
        });
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static byte[] frame(int... bytes) {
        byte[] f = new byte[bytes.length + 2];
        for (int i = 0; i < bytes.length; i++) {
            f[i] = (byte) bytes[i];
        }
        int crc = Crc16.of(f, 0, bytes.length);
        f[bytes.length] = (byte) crc;
        f[bytes.length + 1] = (byte) (crc >> 8);
        return f;
    }

    @Test
    void aCrcErrorIsReportedAndNothingIsRead() throws Exception {
        byte[] bad = frame(1, 3, 2, 0, 42);
        bad[4] ^= 0x10;
        badPeer(bad);
        DeviceSpec d = ModbusTcpIT.device(rtu(1), "t", "INT", "{\"register\":\"HoldingRegister\",\"offset\":0}");
        try (DeviceSession s = new ModbusMapper().open(d, listener)) {
            MapperException e = assertThrows(MapperException.class, () -> s.read(d.properties()));
            assertEquals(MapperException.Kind.DEVICE_ERROR, e.kind());
            assertTrue(e.getMessage().startsWith("CRC error in RTU frame"), e.getMessage());
            assertTrue(health.get(0).startsWith("offline: CRC error"), health.toString());
        }
    }

    @Test
    void aDeviceWithoutCoilsAnswersIllegalFunction() throws Exception {
        badPeer(frame(1, 0x81, 1));
        DeviceSpec d = ModbusTcpIT.device(rtu(1), "pump", "BOOLEAN", "{\"register\":\"CoilRegister\",\"offset\":0}");
        try (DeviceSession s = new ModbusMapper().open(d, listener)) {
            MapperException e = assertThrows(MapperException.class, () -> s.read(d.properties()));
            assertEquals(MapperException.Kind.DEVICE_ERROR, e.kind());
            assertTrue(e.getMessage().startsWith("exception 1 (illegal function) to function 1 from ") && e.getMessage()
                    .endsWith("reading CoilRegister 0..0 (properties pump): the device does not support reading CoilRegisters; check register"),
                    e.getMessage());
            assertEquals(List.of("offline: " + e.getMessage()), health);
        }
    }

    @Test
    void aTruncatedFrameIsATimeoutThatSaysSo() throws Exception {
        byte[] whole = frame(1, 3, 2, 0, 42);
        badPeer(java.util.Arrays.copyOf(whole, 4));
        DeviceSpec d = ModbusTcpIT.device(rtu(1), "t", "INT", "{\"register\":\"HoldingRegister\",\"offset\":0}");
        try (DeviceSession s = new ModbusMapper().open(d, listener)) {
            MapperException e = assertThrows(MapperException.class, () -> s.read(d.properties()));
            assertEquals(MapperException.Kind.TIMEOUT, e.kind());
            assertTrue(e.getMessage().contains("truncated RTU frame from unit 1"), e.getMessage());
        }
    }

    @Test
    void aGoodAnswerFromTheRawPeerReads() throws Exception {
        badPeer(frame(1, 3, 2, 0, 42));
        DeviceSpec d = ModbusTcpIT.device(rtu(1), "t", "INT", "{\"register\":\"HoldingRegister\",\"offset\":0}");
        try (DeviceSession s = new ModbusMapper().open(d, listener)) {
            assertEquals("42", s.read(d.properties()).get("t").value());
        }
    }
}
