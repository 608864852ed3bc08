package io.outpost.edge.device;

import static io.outpost.edge.device.DesiredValuesIT.waitFor;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.ghgande.j2mod.modbus.facade.ModbusTCPMaster;
import io.outpost.edge.meta.SqliteMetaStore;
import io.outpost.edge.twin.TwinHarness;
import io.outpost.mapper.modbus.ModbusMapper;
import io.outpost.twin.api.DeviceSpec;
import io.outpost.twin.api.TwinProperty;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * ADR 0023 with Modbus: the device manager's worker and the real Modbus mapper against the
 * example thermostat (examples/modbus-simulator, its own process); the process is killed and
 * started again — a power cycle: the thermostat boots with setpoint 21.5 and heating off — and the
 * desired values must be back on the device. Here the way back online is a poll that works again.
 */
@Timeout(120)
class DesiredValuesModbusIT {
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;
    int port;
    Process thermostat;
    SqliteMetaStore store;
    TwinHarness twins;
    ScheduledExecutorService scheduler;
    DeviceWorker worker;

    @BeforeEach
    void setUp() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        store = new SqliteMetaStore(dir.resolve("meta.db"));
        twins = new TwinHarness(store, List.of());
        scheduler = Executors.newScheduledThreadPool(2);
    }

    @AfterEach
    void tearDown() throws Exception {
        if (worker != null) {
            worker.stop();
        }
        scheduler.shutdown();
        powerOff();
        store.close();
    }

    void powerOn() throws Exception {
        thermostat = new ProcessBuilder(new File(System.getProperty("java.home"), "bin/java").getPath(), "-Xmx64m", "-cp",
                System.getProperty("java.class.path"), "io.outpost.examples.modbus.ThermostatSimulator", Integer.toString(port))
                .redirectErrorStream(true).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(thermostat.getInputStream(), StandardCharsets.UTF_8));
        String line;
        while ((line = out.readLine()) != null && !line.startsWith("Modbus thermostat simulator on")) {
            System.out.println("thermostat: " + line);
        }
        if (line == null) {
            throw new IllegalStateException("the thermostat simulator ended before it listened");
        }
    }

    void powerOff() throws Exception {
        if (thermostat != null) {
            thermostat.destroyForcibly();
            thermostat.waitFor(10, TimeUnit.SECONDS);
            thermostat = null;
        }
    }

    /** The thermostat's setpoint register (tenths of a degree) and heating coil, read by a second Modbus client. */
    String onDevice() throws Exception {
        ModbusTCPMaster m = new ModbusTCPMaster("127.0.0.1", port);
        m.connect();
        try {
            return m.readMultipleRegisters(1, 10, 1)[0].getValue() + " " + m.readCoils(1, 0, 1).getBit(0);
        } finally {
            m.disconnect();
        }
    }

    String actual(String property) {
        TwinProperty p = twins.twin().twins("default", "thermostat").orElseThrow().get(property);
        return p == null || p.actual() == null ? null : p.actual().value();
    }

    @Test
    void desiredValuesAreWrittenAgainAfterAPowerCycle() throws Exception {
        powerOn();
        assertEquals("215 false", onDevice(), "the thermostat boots with 21.5 and heating off");
        DeviceSpec spec = DeviceSpec.of(JSON.readTree("""
                {"metadata":{"name":"thermostat","namespace":"default"},"spec":{"deviceModelRef":{"name":"thermostat"},
                 "protocol":{"protocolName":"modbus","configData":{"ip":"127.0.0.1","port":%d,"slaveID":1,"timeout":500,"retries":0,
                   "reconnectDelay":200,"maxReconnectDelay":1000}},
                 "properties":[
                  {"name":"setpoint","collectCycle":200,"desired":{"value":"25"},
                   "visitors":{"protocolName":"modbus","configData":{"register":"HoldingRegister","offset":10,"limit":1,"dataType":"int16","scale":0.1}}},
                  {"name":"heating","collectCycle":200,"desired":{"value":"true"},
                   "visitors":{"protocolName":"modbus","configData":{"register":"CoilRegister","offset":0}}}]}}""".formatted(port)),
                JSON.readTree("""
                {"metadata":{"name":"thermostat","namespace":"default"},"spec":{"properties":[
                  {"name":"setpoint","type":"FLOAT","accessMode":"ReadWrite","minimum":"5","maximum":"30"},
                  {"name":"heating","type":"BOOLEAN","accessMode":"ReadWrite"}]}}"""));
        twins.deviceChanged(spec);
        worker = new DeviceWorker(spec, new ModbusMapper(), twins.twin(), scheduler, System::currentTimeMillis);
        worker.start();
        waitFor(() -> "250 true".equals(quietly()), "the desired values are written when the device starts: " + quietly());
        waitFor(() -> "25".equals(actual("setpoint")) && "true".equals(actual("heating")), "and read into the twin: " + actual("setpoint"));

        powerOff();
        waitFor(() -> "offline".equals(twins.twin().state("default", "thermostat").orElseThrow().state()), "offline while powered off");
        powerOn();
        waitFor(() -> "250 true".equals(quietly()), "written again once the thermostat is back: " + quietly());
        waitFor(() -> "online".equals(twins.twin().state("default", "thermostat").orElseThrow().state()) && "25".equals(actual("setpoint"))
                && "true".equals(actual("heating")), "online, and the twin shows the values: " + actual("setpoint") + " " + actual("heating"));
    }

    private String quietly() {
        try {
            return onDevice();
        } catch (Exception e) {
            return e.toString();
        }
    }
}
