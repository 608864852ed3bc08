package io.outpost.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.outpost.edge.device.BenchDevices;
import io.outpost.edge.meta.SqliteMetaStore;
import io.outpost.edge.twin.BenchTwin;
import io.outpost.mapper.opcua.OpcUaMapper;
import io.outpost.twin.api.DeviceSpec;
import io.outpost.twin.api.DeviceState;
import io.outpost.twin.api.TwinEvent;
import io.outpost.twin.api.TwinListener;
import io.outpost.twin.api.TwinProperty;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Monitored-item updates per second through to the twin: a Milo server (the simulator of
 * examples/opcua-simulator, in another JVM) whose I Double variables all change every
 * {@code change-ms}; N devices, each driven by the device manager's real per-device driver
 * ({@code DeviceWorker}) through the real OPC UA mapper (one session, connection and subscription
 * per device), feeding the gateway's real twin ({@code TwinEngine} on the real SQLite meta store,
 * ticked every 100 ms as the twin component does). Counted where the twin announces that a
 * property's reported (actual) value changed: its {@link TwinListener}s, which is where the
 * gateway's event bus takes values to MQTT. What the twin then sends to the cloud (one message
 * per device and report cycle, latest values only) is counted at its cloud link, which accepts
 * every message at once. One run per publishing interval given.
 */
public final class OpcUaBench {
    private OpcUaBench() {
    }

    record Result(int publishingMillis, long updates, long cloudValues, long cloudMessages, int online, int devices, double seconds,
            double offeredPerSecond, double cpuCores) {
        double perSecond() {
            return updates / seconds;
        }
    }

    public static void main(String[] argv) throws Exception {
        Map<String, String> args = Args.parse(argv);
        int devices = Integer.parseInt(args.getOrDefault("devices", "10"));
        int items = Integer.parseInt(args.getOrDefault("items", "100"));
        int change = Integer.parseInt(args.getOrDefault("change-ms", "10"));
        int sampling = Integer.parseInt(args.getOrDefault("sampling-ms", "10"));
        List<Integer> publishing = new ArrayList<>();
        for (String p : args.getOrDefault("publishing-ms", "100,20,10").split(",")) {
            publishing.add(Integer.parseInt(p.trim()));
        }
        int warmup = Integer.parseInt(args.getOrDefault("warmup-seconds", "10"));
        int window = Integer.parseInt(args.getOrDefault("window-seconds", "10"));
        int report = Integer.parseInt(args.getOrDefault("report-ms", "1000"));
        int threads = Integer.parseInt(args.getOrDefault("threads", "4"));
        String command = args.getOrDefault("command", "bench/run-opcua.sh");
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        String serverJvm = "-Xmx512m -XX:+UseSerialGC";
        Process server = new ProcessBuilder(new File(System.getProperty("java.home"), "bin/java").getPath(), "-Xmx512m", "-XX:+UseSerialGC",
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-cp", System.getProperty("java.class.path"), OpcUaBenchServer.class.getName(),
                Integer.toString(port), Integer.toString(items), Integer.toString(change)).redirectErrorStream(true).start();
        Path state = Files.createTempDirectory("opcua-bench");
        OpcUaMapper mapper = new OpcUaMapper(state, List.of());
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
            String line;
            while ((line = out.readLine()) != null && !line.startsWith("ready")) {
                System.out.println("server: " + line);
            }
            if (line == null) {
                throw new IllegalStateException("the OPC UA server ended before it was ready");
            }
            int ns = Integer.parseInt(line.split(" ")[1]);
            List<Result> results = new ArrayList<>();
            for (int p : publishing) {
                List<DeviceSpec> specs = new ArrayList<>();
                for (int d = 1; d <= devices; d++) {
                    specs.add(device(d, port, ns, items, sampling, p, report));
                }
                for (DeviceSpec s : specs) {
                    if (!mapper.validate(s).isEmpty()) {
                        throw new IllegalStateException(mapper.validate(s).toString());
                    }
                }
                // Each item can deliver at most one value per publish (queue size 1: the twin wants the
                // latest value) and the server changes it every change-ms.
                double offered = (double) devices * items * 1000.0 / Math.max(change, Math.max(sampling, p));
                results.add(run(mapper, specs, p, warmup, window, offered, threads, state));
            }
            String table = report(results, devices, items, change, sampling, report, threads, warmup, window, command, serverJvm);
            System.out.println(table);
            Path file = Path.of("bench/results/opcua-" + LocalDate.now(ZoneOffset.UTC) + ".md");
            Files.createDirectories(file.getParent());
            if (!Files.exists(file)) {
                Files.writeString(file, "# Outpost OPC UA mapper benchmark, " + LocalDate.now(ZoneOffset.UTC)
                        + "\n\nProduced by `bench/run-opcua.sh`; what the numbers mean is in `bench/README.md`. Every run appends a section.\n");
            }
            Files.writeString(file, "\n" + table, StandardOpenOption.APPEND);
            System.out.println("written to " + file);
        } finally {
            mapper.stop();
            server.destroy();
            server.waitFor(10, TimeUnit.SECONDS);
        }
    }

    static DeviceSpec device(int n, int port, int ns, int items, int sampling, int publishing, int report) {
        ObjectMapper json = new ObjectMapper();
        ObjectNode model = json.createObjectNode();
        ArrayNode mprops = model.putObject("spec").putArray("properties");
        ObjectNode dev = json.createObjectNode();
        dev.putObject("metadata").put("name", "machine-" + n).put("namespace", "default");
        ObjectNode spec = dev.putObject("spec");
        spec.putObject("deviceModelRef").put("name", "machine");
        ObjectNode protocol = spec.putObject("protocol");
        protocol.put("protocolName", "opcua");
        protocol.putObject("configData").put("url", "opc.tcp://127.0.0.1:" + port + "/bench").put("subscribe", true)
                .put("publishingInterval", publishing).put("timeout", 10000);
        ArrayNode props = spec.putArray("properties");
        for (int i = 0; i < items; i++) {
            mprops.addObject().put("name", "v" + i).put("type", "DOUBLE");
            props.addObject().put("name", "v" + i).put("reportCycle", report).put("reportToCloud", true).putObject("visitors").put("protocolName", "opcua").putObject("configData")
                    .put("nodeID", "ns=" + ns + ";s=v" + i).put("samplingInterval", sampling);
        }
        return DeviceSpec.of(dev, model);
    }

    static Result run(OpcUaMapper mapper, List<DeviceSpec> specs, int publishing, int warmupSeconds, int windowSeconds, double offered,
            int threads, Path state) throws Exception {
        AtomicLong updates = new AtomicLong();
        AtomicBoolean counting = new AtomicBoolean();
        // Fired by the twin only for properties whose value changed (TwinEngine.update).
        TwinListener counter = new TwinListener() {
            @Override
            public void twinChanged(TwinEvent event) {
                if (!counting.get()) {
                    return;
                }
                for (var e : event.current().entrySet()) {
                    TwinProperty before = event.last().get(e.getKey());
                    if (e.getValue().actual() != null && (before == null || before.actual() == null
                            || !before.actual().value().equals(e.getValue().actual().value()))) {
                        updates.incrementAndGet();
                    }
                }
            }

            @Override
            public void stateChanged(String namespace, String name, DeviceState s) {
                if (!DeviceState.ONLINE.equals(s.state())) {
                    System.err.println(namespace + "/" + name + ": " + s.state() + " " + s.reason());
                }
            }
        };
        SqliteMetaStore store = new SqliteMetaStore(state.resolve("meta-" + publishing + ".db"));
        BenchTwin twin = new BenchTwin(store, List.of(counter));
        // As the device manager and the twin component run them: a shared pool for the devices
        // (its "threads" setting, 4 by default) and one thread ticking the twin every 100 ms.
        ScheduledExecutorService devices = Executors.newScheduledThreadPool(threads, r -> new Thread(r, "outpost-devices"));
        ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "outpost-twin"));
        ticker.scheduleWithFixedDelay(twin::tick, 100, 100, TimeUnit.MILLISECONDS);
        List<Runnable> stops = new ArrayList<>();
        try {
            for (DeviceSpec s : specs) {
                twin.deviceChanged(s);
                stops.add(BenchDevices.start(s, mapper, twin.twin(), devices));
            }
            Thread.sleep(warmupSeconds * 1000L);
            long cloudValues0 = twin.cloudValues.get();
            long cloudMessages0 = twin.cloudMessages.get();
            long cpu0 = ProcessStats.processCpuNanos();
            counting.set(true);
            long t0 = System.nanoTime();
            Thread.sleep(windowSeconds * 1000L);
            counting.set(false);
            double seconds = (System.nanoTime() - t0) / 1e9;
            double cpu = (ProcessStats.processCpuNanos() - cpu0) / 1e9 / seconds;
            long cloudValues = twin.cloudValues.get() - cloudValues0;
            long cloudMessages = twin.cloudMessages.get() - cloudMessages0;
            int online = 0;
            for (DeviceSpec s : specs) {
                if (twin.twin().state(s.namespace(), s.name()).map(x -> DeviceState.ONLINE.equals(x.state())).orElse(false)) {
                    online++;
                }
            }
            return new Result(publishing, updates.get(), cloudValues, cloudMessages, online, specs.size(), seconds, offered, cpu);
        } finally {
            stops.forEach(Runnable::run);
            devices.shutdown();
            devices.awaitTermination(10, TimeUnit.SECONDS);
            ticker.shutdown();
            ticker.awaitTermination(10, TimeUnit.SECONDS);
            twin.flush();
            store.close();
        }
    }

    static String report(List<Result> results, int devices, int items, int change, int sampling, int reportMillis, int threads, int warmup,
            int window, String command, String serverJvm) {
        StringBuilder sb = new StringBuilder();
        sb.append("## ").append(ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ISO_INSTANT)).append("\n\n");
        sb.append("`").append(command).append("` — Milo server (examples/opcua-simulator, own JVM: ").append(serverJvm).append(") → OPC UA mapper → ")
                .append("device manager (DeviceWorker, ").append(threads).append(" threads) → twin (TwinEngine on SQLite, 100 ms tick). ")
                .append(devices).append(" devices × ").append(items)
                .append(" monitored items (one session and subscription per device), server values change every ").append(change)
                .append(" ms, sampling ").append(sampling).append(" ms, queue size 1, reportCycle ").append(reportMillis).append(" ms; ")
                .append(warmup).append(" s warm-up, ").append(window).append(" s window; Java ")
                .append(System.getProperty("java.version")).append(", ").append(Runtime.getRuntime().availableProcessors())
                .append(" cores, load ").append(MachineFacts.collect().getOrDefault("load average at start (1/5/15 min)", "?")).append("\n\n");
        sb.append("| publishing interval | devices × items | updates/s offered | updates/s reaching the twin | share | values/s sent to the cloud (messages/s) | devices online | gateway-side CPU (cores) |\n");
        sb.append("|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Result r : results) {
            sb.append("| ").append(r.publishingMillis()).append(" ms | ").append(r.devices()).append(" × ").append(items).append(" | ")
                    .append(String.format("%.0f", r.offeredPerSecond())).append(" | ")
                    .append(String.format("%.0f", r.perSecond())).append(" | ")
                    .append(String.format("%.0f %%", 100 * r.perSecond() / r.offeredPerSecond())).append(" | ")
                    .append(String.format("%.0f (%.1f)", r.cloudValues() / r.seconds(), r.cloudMessages() / r.seconds())).append(" | ")
                    .append(r.online()).append("/").append(r.devices()).append(" | ")
                    .append(String.format("%.2f", r.cpuCores())).append(" |\n");
        }
        sb.append("\nOffered: what the server can deliver, devices × items × 1000 / max(change, sampling, publishing) ms (queue size 1: one value per item and publish). ")
                .append("Reaching the twin: property values whose reported value changed in the twin (its TwinListener events, where the event bus takes them to MQTT). ")
                .append("Sent to the cloud: what the twin's report cycle sends up (latest value per property and cycle; the cloud link accepts at once). ")
                .append("CPU: the driver JVM (mapper, device manager, twin, SQLite), not the server's.\n");
        return sb.toString();
    }
}
