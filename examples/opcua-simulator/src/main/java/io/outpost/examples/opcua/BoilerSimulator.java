package io.outpost.examples.opcua;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * An OPC UA boiler for examples/devices/opcua-boiler.yaml: an insecure endpoint (anonymous) at
 * {@code opc.tcp://127.0.0.1:<port>}, a folder Boiler in namespace 2 with Temperature
 * (ns=2;s=Boiler.Temperature, a Double that drifts every 500 ms), Setpoint (ns=2;s=Boiler.Setpoint,
 * Double, writable, 50 at start), Running (ns=2;i=1005, Boolean) and Label (ns=2;s=Boiler.Label, String).
 *
 * <pre>java -jar examples/opcua-simulator/target/outpost-example-opcua-simulator-0.1.0-SNAPSHOT.jar [port, default 4840]</pre>
 */
public final class BoilerSimulator {
    private BoilerSimulator() {
    }

    public static void main(String[] args) throws Exception {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 4840;
        SimulatedServer boiler;
        try {
            // Namespace 1 is the server's own (its application URI); the boiler's objects are at 2.
            boiler = SimulatedServer.builder("urn:outpost:example:boiler:plant", "Boiler")
                    .variable("Temperature", "Boiler.Temperature", 55.0, 100.0)
                    .variable("Setpoint", "Boiler.Setpoint", 50.0, 100.0)
                    .variable("Running", 1005, true, 100.0)
                    .variable("Label", "Boiler.Label", "OUTPOST-B1", 100.0)
                    .port(port).bind("0.0.0.0", "127.0.0.1").path("")
                    .application("urn:outpost:example:boiler", "Outpost boiler simulator")
                    .build().start();
        } catch (IllegalStateException e) {
            System.err.println(e.getMessage());
            System.exit(1);
            return;
        }
        ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor();
        long t0 = System.currentTimeMillis();
        ticker.scheduleAtFixedRate(() -> {
            double t = (System.currentTimeMillis() - t0) / 1000.0;
            boiler.set("Temperature", Math.round((55 + 5 * Math.sin(t / 10)) * 100) / 100.0);
        }, 0, 500, TimeUnit.MILLISECONDS);
        System.out.println("OPC UA boiler on " + boiler.url() + " (namespace " + boiler.namespaceIndex() + ")");
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            ticker.shutdownNow();
            try {
                boiler.close();
            } catch (Exception e) {
                // exiting anyway
            }
        }));
        Thread.currentThread().join();
    }
}
