package io.outpost.edge.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.outpost.edge.meta.SqliteMetaStore;
import io.outpost.edge.twin.TwinHarness;
import io.outpost.examples.opcua.SimulatedServer;
import io.outpost.mapper.opcua.OpcUaMapper;
import io.outpost.twin.api.DeviceSpec;
import io.outpost.twin.api.DeviceState;
import io.outpost.twin.api.DeviceTwin;
import io.outpost.twin.api.TwinEvent;
import io.outpost.twin.api.TwinListener;
import io.outpost.twin.api.TwinProperty;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Desired values reach a device again after it lost them (ADR 0023): the device manager's worker
 * with the real OPC UA mapper, the real twin on SQLite, and a real OPC UA server (the simulator
 * of examples/opcua-simulator) that is restarted without the values written to it.
 */
@Timeout(120)
class DesiredValuesIT {
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;
    SimulatedServer server;
    SqliteMetaStore store;
    OpcUaMapper mapper;
    ScheduledExecutorService scheduler;
    DeviceWorker worker;
    TwinHarness twins;

    @BeforeEach
    void setUp() throws Exception {
        server = SimulatedServer.builder("urn:outpost:test", "Boiler").variable("Temperature", 21.5).variable("Setpoint", 20.0)
                .variable("Mode", "eco").build().start();
        store = new SqliteMetaStore(dir.resolve("meta.db"));
        twins = new TwinHarness(store, List.of());
        mapper = new OpcUaMapper(dir.resolve("opcua"), List.of());
        scheduler = Executors.newScheduledThreadPool(2);
    }

    @AfterEach
    void tearDown() throws Exception {
        if (worker != null) {
            worker.stop();
        }
        scheduler.shutdown();
        mapper.stop();
        server.close();
        store.close();
    }

    DeviceSpec boiler(String setpoint, boolean subscribe) throws Exception {
        String visitor = subscribe ? ",\"subscribe\":true,\"samplingInterval\":50" : "";
        return DeviceSpec.of(JSON.readTree(("""
                {"metadata":{"name":"boiler","namespace":"default"},"spec":{"deviceModelRef":{"name":"boiler"},
                 "protocol":{"protocolName":"opcua","configData":{"url":"%s","timeout":2000,"keepAlive":500,"publishingInterval":100}},
                 "properties":[
                  {"name":"temperature","collectCycle":200,"visitors":{"protocolName":"opcua","configData":{"nodeID":"%s"%s}}},
                  {"name":"setpoint","collectCycle":200,"desired":{"value":"%s"},"visitors":{"protocolName":"opcua","configData":{"nodeID":"%s"%s}}},
                  {"name":"mode","collectCycle":200,"desired":{"value":"comfort"},"visitors":{"protocolName":"opcua","configData":{"nodeID":"%s"%s}}}]}}""")
                .formatted(server.url(), server.nodeId("Temperature"), visitor, setpoint, server.nodeId("Setpoint"), visitor,
                        server.nodeId("Mode"), visitor)),
                JSON.readTree("""
                {"metadata":{"name":"boiler","namespace":"default"},"spec":{"properties":[
                  {"name":"temperature","type":"DOUBLE","accessMode":"ReadOnly"},
                  {"name":"setpoint","type":"DOUBLE","accessMode":"ReadWrite"},
                  {"name":"mode","type":"STRING","accessMode":"ReadWrite"}]}}"""));
    }

    void start(DeviceSpec spec) {
        twins.deviceChanged(spec);
        worker = new DeviceWorker(spec, mapper, twins.twin(), scheduler, System::currentTimeMillis);
        worker.start();
    }

    String actual(String property) {
        TwinProperty p = twins.twin().twins("default", "boiler").orElseThrow().get(property);
        return p == null || p.actual() == null ? null : p.actual().value();
    }

    String state() {
        return twins.twin().state("default", "boiler").orElseThrow().state();
    }

    @Test
    void desiredValuesAreWrittenAgainAfterAServerRestartLostThem() throws Exception {
        polledOrSubscribed(false);
    }

    @Test
    void alsoWhenEveryPropertyIsSubscribed() throws Exception {
        polledOrSubscribed(true);
    }

    private void polledOrSubscribed(boolean subscribe) throws Exception {
        start(boiler("42.5", subscribe));
        waitFor(() -> Double.valueOf(42.5).equals(server.get("Setpoint")) && "comfort".equals(server.get("Mode")),
                "the desired values are written when the device starts: " + server.get("Setpoint") + " " + server.get("Mode"));
        waitFor(() -> "42.5".equals(actual("setpoint")) && "online".equals(state()), "the twin reports them: " + actual("setpoint"));

        // The server restarts and has forgotten what was written (as a PLC after a power cycle).
        server.stop();
        server.reset();
        waitFor(() -> "offline".equals(state()), "offline while the server is down: " + state());
        server.start();
        assertEquals(20.0, server.get("Setpoint"), "the restarted server lost the value");
        waitFor(() -> Double.valueOf(42.5).equals(server.get("Setpoint")) && "comfort".equals(server.get("Mode")),
                "written again once the device is back: " + server.get("Setpoint") + " " + server.get("Mode"));
        waitFor(() -> "online".equals(state()) && "42.5".equals(actual("setpoint")) && "comfort".equals(actual("mode")),
                "the twin shows the device's values again: " + actual("setpoint") + " " + actual("mode"));
    }

    @Test
    void aValueChangedOnTheDeviceWhileItStaysOnlineIsReportedNotOverwritten() throws Exception {
        start(boiler("42.5", false));
        waitFor(() -> "42.5".equals(actual("setpoint")) && "online".equals(state()), "written and read: " + actual("setpoint"));
        // Someone on site changes the setpoint while the device stays connected: reported, not fought.
        server.set("Setpoint", 30.0);
        waitFor(() -> "30".equals(actual("setpoint")), "the local change is read: " + actual("setpoint"));
        Thread.sleep(1000);
        assertEquals(30.0, server.get("Setpoint"), "a value changed on the device while online is not overwritten");
        Map<String, TwinProperty> t = twins.twin().twins("default", "boiler").orElseThrow();
        assertTrue(t.get("setpoint").hasDelta(), "it shows as a delta in the twin");

    }

    @Test
    void aValueTheDeviceRefusesIsNotWrittenAgainAndAgain() throws Exception {
        AtomicInteger offline = new AtomicInteger();
        twins = new TwinHarness(store, List.of(new TwinListener() {
            @Override
            public void twinChanged(TwinEvent event) {
            }

            @Override
            public void stateChanged(String namespace, String name, DeviceState state) {
                if (DeviceState.OFFLINE.equals(state.state())) {
                    offline.incrementAndGet();
                }
            }
        }));
        // The model says STRING, the node holds a Double: the twin takes "warm", the server refuses it.
        DeviceSpec spec = DeviceSpec.of(JSON.readTree("""
                {"metadata":{"name":"boiler","namespace":"default"},"spec":{"deviceModelRef":{"name":"boiler"},
                 "protocol":{"protocolName":"opcua","configData":{"url":"%s","timeout":2000}},
                 "properties":[{"name":"setpoint","collectCycle":100,"desired":{"value":"warm"},
                   "visitors":{"protocolName":"opcua","configData":{"nodeID":"%s"}}}]}}""".formatted(server.url(), server.nodeId("Setpoint"))),
                JSON.readTree("""
                {"metadata":{"name":"boiler","namespace":"default"},"spec":{"properties":[
                  {"name":"setpoint","type":"STRING","accessMode":"ReadWrite"}]}}"""));
        start(spec);
        waitFor(() -> offline.get() >= 1, "the refused write is reported");
        waitFor(() -> "online".equals(state()) && "20".equals(actual("setpoint")), "online again at the next read: " + state());
        Thread.sleep(2000); // twenty collect cycles
        assertEquals(1, offline.get(), "one refusal, not one per read");
        assertTrue(twins.twin().state("default", "boiler").orElseThrow().state().equals("online"));
        assertEquals(20.0, server.get("Setpoint"));
    }

    static void waitFor(BooleanSupplier condition, String what) throws InterruptedException {
        long end = System.currentTimeMillis() + 30_000;
        while (!condition.getAsBoolean()) {
            if (System.currentTimeMillis() > end) {
                throw new AssertionError("timed out: " + what);
            }
            Thread.sleep(50);
        }
    }
}
