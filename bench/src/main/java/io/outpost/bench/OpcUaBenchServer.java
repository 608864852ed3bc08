package io.outpost.bench;

import io.outpost.examples.opcua.SimulatedServer;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The OPC UA benchmark's server, run in its own JVM: the simulator of examples/opcua-simulator on
 * 127.0.0.1 with {@code variables} Double variables (ns=2;s=v0 …) whose values all change every
 * {@code changeMillis}. Prints "ready &lt;namespace index&gt;" once it serves.
 * Arguments: port variables changeMillis.
 */
public final class OpcUaBenchServer {
    private OpcUaBenchServer() {
    }

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        int count = Integer.parseInt(args[1]);
        long change = Long.parseLong(args[2]);
        SimulatedServer.Builder b = SimulatedServer.builder("urn:outpost:bench", "Bench").port(port).path("/bench")
                .application("urn:outpost:bench:server", "Outpost bench server");
        for (int i = 0; i < count; i++) {
            b.variable("v" + i, "v" + i, 0.0, 0.0);
        }
        SimulatedServer server = b.build().start();
        ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor();
        double[] tick = {0};
        ticker.scheduleAtFixedRate(() -> {
            tick[0]++;
            for (int i = 0; i < count; i++) {
                server.set("v" + i, tick[0]);
            }
        }, change, change, TimeUnit.MILLISECONDS);
        System.out.println("ready " + server.namespaceIndex());
        System.out.flush();
        Thread.currentThread().join();
    }
}
