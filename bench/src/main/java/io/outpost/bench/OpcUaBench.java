package io.outpost.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.outpost.mapper.api.DeviceListener;
import io.outpost.mapper.api.DeviceSession;
import io.outpost.mapper.opcua.OpcUaMapper;
import io.outpost.twin.api.DeviceSpec;
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
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Monitored-item updates per second through the OPC UA mapper: N devices (each its own session,
 * connection and subscription, as the device manager opens them) with I subscribed properties
 * each, against a local Milo server in another JVM whose variables all change every
 * {@code change-ms}. Counted at the mapper SPI's {@link DeviceListener#value}, i.e. after the
 * mapper decoded the notification and turned the value into the twin's text — the point where
 * the device manager hands it to the twin. One run per publishing interval given.
 */
public final class OpcUaBench {
    private OpcUaBench() {
    }

    record Result(int publishingMillis, long updates, long offline, double seconds, double offeredPerSecond) {
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
                    specs.add(device(d, port, ns, items, sampling, p));
                }
                for (DeviceSpec s : specs) {
                    if (!mapper.validate(s).isEmpty()) {
                        throw new IllegalStateException(mapper.validate(s).toString());
                    }
                }
                // Each item can deliver at most one value per publish (queue size 1: the twin wants the
                // latest value) and the server changes it every change-ms.
                double offered = (double) devices * items * 1000.0 / Math.max(change, Math.max(sampling, p));
                results.add(run(mapper, specs, p, warmup, window, offered));
            }
            String report = report(results, devices, items, change, sampling, warmup, window, command, serverJvm);
            System.out.println(report);
            Path file = Path.of("bench/results/opcua-" + LocalDate.now(ZoneOffset.UTC) + ".md");
            Files.createDirectories(file.getParent());
            if (!Files.exists(file)) {
                Files.writeString(file, "# Outpost OPC UA mapper benchmark, " + LocalDate.now(ZoneOffset.UTC)
                        + "\n\nProduced by `bench/run-opcua.sh`; what the numbers mean is in `bench/README.md`. Every run appends a section.\n");
            }
            Files.writeString(file, "\n" + report, StandardOpenOption.APPEND);
            System.out.println("written to " + file);
        } finally {
            mapper.stop();
            server.destroy();
            server.waitFor(10, TimeUnit.SECONDS);
        }
    }

    static DeviceSpec device(int n, int port, int ns, int items, int sampling, int publishing) {
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
            props.addObject().put("name", "v" + i).putObject("visitors").put("protocolName", "opcua").putObject("configData")
                    .put("nodeID", "ns=" + ns + ";s=v" + i).put("samplingInterval", sampling);
        }
        return DeviceSpec.of(dev, model);
    }

    static Result run(OpcUaMapper mapper, List<DeviceSpec> specs, int publishing, int warmupSeconds, int windowSeconds, double offered)
            throws Exception {
        AtomicLong updates = new AtomicLong();
        AtomicLong offline = new AtomicLong();
        AtomicBoolean counting = new AtomicBoolean();
        DeviceListener counter = new DeviceListener() {
            @Override
            public void value(String property, String value, long timestamp) {
                if (counting.get()) {
                    updates.incrementAndGet();
                }
            }

            @Override
            public void health(boolean online, String reason) {
                if (!online) {
                    offline.incrementAndGet();
                    System.err.println("offline: " + reason);
                }
            }
        };
        List<DeviceSession> sessions = new ArrayList<>();
        for (DeviceSpec s : specs) {
            sessions.add(mapper.open(s, counter));
        }
        Thread.sleep(warmupSeconds * 1000L);
        counting.set(true);
        long t0 = System.nanoTime();
        Thread.sleep(windowSeconds * 1000L);
        counting.set(false);
        double seconds = (System.nanoTime() - t0) / 1e9;
        sessions.forEach(DeviceSession::close);
        return new Result(publishing, updates.get(), offline.get(), seconds, offered);
    }

    static String report(List<Result> results, int devices, int items, int change, int sampling, int warmup, int window, String command,
            String serverJvm) {
        StringBuilder sb = new StringBuilder();
        sb.append("## ").append(ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ISO_INSTANT)).append("\n\n");
        sb.append("`").append(command).append("` — ").append(devices).append(" devices × ").append(items)
                .append(" monitored items (one session and subscription per device), server values change every ").append(change)
                .append(" ms, sampling ").append(sampling).append(" ms, queue size 1; ").append(warmup).append(" s warm-up, ")
                .append(window).append(" s window; server in its own JVM (").append(serverJvm).append("), Java ")
                .append(System.getProperty("java.version")).append(", ").append(Runtime.getRuntime().availableProcessors()).append(" cores\n\n");
        sb.append("| publishing interval | updates received | updates/s at the SPI listener | most the server can offer /s | share | offline reports |\n");
        sb.append("|---:|---:|---:|---:|---:|---:|\n");
        for (Result r : results) {
            sb.append("| ").append(r.publishingMillis()).append(" ms | ").append(r.updates()).append(" | ")
                    .append(String.format("%.0f", r.perSecond())).append(" | ").append(String.format("%.0f", r.offeredPerSecond())).append(" | ")
                    .append(String.format("%.0f %%", 100 * r.perSecond() / r.offeredPerSecond())).append(" | ").append(r.offline()).append(" |\n");
        }
        return sb.toString();
    }
}
