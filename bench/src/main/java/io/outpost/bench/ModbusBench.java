package io.outpost.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.outpost.mapper.api.DeviceListener;
import io.outpost.mapper.api.DeviceSession;
import io.outpost.mapper.api.Mapper;
import io.outpost.mapper.api.MapperException;
import io.outpost.mapper.api.Reading;
import io.outpost.mapper.modbus.ModbusMapper;
import io.outpost.twin.api.DeviceSpec;
import io.outpost.twin.api.PropertySpec;
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
 * Register reads per second through the Modbus mapper from one gateway: N devices (each its own
 * session and TCP connection, as the device manager opens them) with R holding registers each,
 * polled as fast as they answer by a pool of poller threads, against a local Modbus TCP server in
 * another JVM. Two modes: batched (all R properties in one {@code read}, which the mapper turns
 * into one request) and unbatched (one {@code read} per property, one request each).
 */
public final class ModbusBench {
    private ModbusBench() {
    }

    record Result(String mode, long requests, long registers, long errors, double seconds) {
        double requestsPerSecond() {
            return requests / seconds;
        }

        double registersPerSecond() {
            return registers / seconds;
        }
    }

    public static void main(String[] argv) throws Exception {
        Map<String, String> args = Args.parse(argv);
        int devices = Integer.parseInt(args.getOrDefault("devices", "50"));
        int registers = Integer.parseInt(args.getOrDefault("registers", "20"));
        int threads = Integer.parseInt(args.getOrDefault("threads", "8"));
        int warmup = Integer.parseInt(args.getOrDefault("warmup-seconds", "3"));
        int window = Integer.parseInt(args.getOrDefault("window-seconds", "10"));
        String command = args.getOrDefault("command", "bench/run-modbus.sh");
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        String serverJvm = "-Xmx256m -XX:+UseSerialGC";
        Process server = new ProcessBuilder(new File(System.getProperty("java.home"), "bin/java").getPath(), "-Xmx256m", "-XX:+UseSerialGC",
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-cp", System.getProperty("java.class.path"), ModbusBenchServer.class.getName(),
                Integer.toString(port), Integer.toString(devices), Integer.toString(registers)).redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
            String line;
            while ((line = out.readLine()) != null && !line.equals("ready")) {
                System.out.println("server: " + line);
            }
            if (line == null) {
                throw new IllegalStateException("the Modbus server ended before it was ready");
            }
            List<DeviceSpec> specs = new ArrayList<>();
            for (int d = 1; d <= devices; d++) {
                specs.add(device(d, port, registers));
            }
            Mapper mapper = new ModbusMapper();
            for (DeviceSpec s : specs) {
                List<String> problems = mapper.validate(s);
                if (!problems.isEmpty()) {
                    throw new IllegalStateException(problems.toString());
                }
            }
            List<Result> results = new ArrayList<>();
            for (boolean batched : new boolean[] {true, false}) {
                results.add(run(mapper, specs, batched, threads, warmup, window));
            }
            String report = report(results, devices, registers, threads, warmup, window, command, serverJvm);
            System.out.println(report);
            Path file = Path.of("bench/results/modbus-" + LocalDate.now(ZoneOffset.UTC) + ".md");
            Files.createDirectories(file.getParent());
            if (!Files.exists(file)) {
                Files.writeString(file, "# Outpost Modbus mapper benchmark, " + LocalDate.now(ZoneOffset.UTC)
                        + "\n\nProduced by `bench/run-modbus.sh`; what the numbers mean is in `bench/README.md`. Every run appends a section.\n");
            }
            Files.writeString(file, "\n" + report, StandardOpenOption.APPEND);
            System.out.println("written to " + file);
        } finally {
            server.destroy();
            server.waitFor(10, TimeUnit.SECONDS);
        }
    }

    static DeviceSpec device(int unit, int port, int registers) {
        ObjectMapper json = new ObjectMapper();
        ObjectNode model = json.createObjectNode();
        ArrayNode mprops = model.putObject("spec").putArray("properties");
        ObjectNode dev = json.createObjectNode();
        dev.putObject("metadata").put("name", "plc-" + unit).put("namespace", "default");
        ObjectNode spec = dev.putObject("spec");
        spec.putObject("deviceModelRef").put("name", "plc");
        ObjectNode protocol = spec.putObject("protocol");
        protocol.put("protocolName", "modbus");
        protocol.putObject("configData").put("ip", "127.0.0.1").put("port", port).put("slaveID", unit).put("timeout", 2000);
        ArrayNode props = spec.putArray("properties");
        for (int r = 0; r < registers; r++) {
            mprops.addObject().put("name", "r" + r).put("type", "INT");
            ObjectNode p = props.addObject().put("name", "r" + r);
            p.putObject("visitors").put("protocolName", "modbus").putObject("configData").put("register", "HoldingRegister").put("offset", r)
                    .put("dataType", "uint16");
        }
        return DeviceSpec.of(dev, model);
    }

    static Result run(Mapper mapper, List<DeviceSpec> specs, boolean batched, int threads, int warmupSeconds, int windowSeconds)
            throws Exception {
        AtomicLong requests = new AtomicLong();
        AtomicLong registers = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        AtomicBoolean counting = new AtomicBoolean();
        AtomicBoolean stop = new AtomicBoolean();
        DeviceListener quiet = new DeviceListener() {
            @Override
            public void value(String property, String value, long timestamp) {
            }

            @Override
            public void health(boolean online, String reason) {
                if (!online) {
                    System.err.println("offline: " + reason);
                }
            }
        };
        List<DeviceSession> sessions = new ArrayList<>();
        for (DeviceSpec s : specs) {
            sessions.add(mapper.open(s, quiet));
        }
        List<Thread> pollers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int first = t;
            Thread th = new Thread(() -> {
                while (!stop.get()) {
                    // Each poller owns every threads-th device and polls them in turn, as fast as they answer.
                    for (int i = first; i < sessions.size() && !stop.get(); i += threads) {
                        DeviceSpec spec = specs.get(i);
                        DeviceSession s = sessions.get(i);
                        try {
                            if (batched) {
                                Map<String, Reading> r = s.read(spec.properties());
                                if (counting.get()) {
                                    requests.incrementAndGet();
                                    registers.addAndGet(r.size());
                                }
                            } else {
                                for (PropertySpec p : spec.properties()) {
                                    Map<String, Reading> r = s.read(List.of(p));
                                    if (counting.get()) {
                                        requests.incrementAndGet();
                                        registers.addAndGet(r.size());
                                    }
                                }
                            }
                        } catch (MapperException e) {
                            errors.incrementAndGet();
                        }
                    }
                }
            }, "poller-" + t);
            th.start();
            pollers.add(th);
        }
        Thread.sleep(warmupSeconds * 1000L);
        counting.set(true);
        long t0 = System.nanoTime();
        Thread.sleep(windowSeconds * 1000L);
        counting.set(false);
        double seconds = (System.nanoTime() - t0) / 1e9;
        stop.set(true);
        for (Thread th : pollers) {
            th.join(10_000);
        }
        sessions.forEach(DeviceSession::close);
        return new Result(batched ? "batched" : "unbatched", requests.get(), registers.get(), errors.get(), seconds);
    }

    private static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return f[0] + " / " + f[1] + " / " + f[2];
        } catch (java.io.IOException e) {
            return "unknown";
        }
    }

    static String report(List<Result> results, int devices, int registers, int threads, int warmup, int window, String command,
            String serverJvm) {
        StringBuilder b = new StringBuilder();
        b.append("## Run ").append(ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss"))).append(" UTC\n\n");
        b.append("Command: `").append(command).append("`\n\n");
        b.append("Machine: ").append(Runtime.getRuntime().availableProcessors()).append(" cores, ").append(System.getProperty("java.vm.name"))
                .append(' ').append(System.getProperty("java.vm.version")).append(", ").append(System.getProperty("os.name")).append(' ')
                .append(System.getProperty("os.version")).append("; load average at the end (1/5/15 min): ").append(loadAverage()).append("\n\n");
        b.append("Settings: ").append(devices).append(" devices × ").append(registers).append(" holding registers (uint16, contiguous), each device its own "
                + "session and TCP connection; ").append(threads).append(" poller threads; ").append(warmup).append(" s warm-up, ").append(window)
                .append(" s measured window per mode; server: j2mod Modbus TCP slave on loopback in a separate JVM (").append(serverJvm)
                .append("), one unit id per device.\n\n");
        b.append("| mode | requests/s | register reads/s | registers per request | errors |\n|---|---:|---:|---:|---:|\n");
        for (Result r : results) {
            b.append(String.format("| %s | %.0f | %.0f | %.1f | %d |%n", r.mode(), r.requestsPerSecond(), r.registersPerSecond(),
                    r.requests() == 0 ? 0.0 : (double) r.registers() / r.requests(), r.errors()));
        }
        Result batched = results.get(0);
        Result single = results.get(1);
        double factor = batched.registersPerSecond() / Math.max(1e-9, single.registersPerSecond());
        b.append(String.format("%nBatching: %.1f× the register reads per second of one request per register; %.0f %% of the batched "
                + "throughput is owed to batching.%n", factor, 100 * (1 - 1 / factor)));
        return b.toString();
    }
}
