package io.outpost.bench;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Options of a {@link LinkScaleBench} run.
 *
 * @param nodes the fleet sizes to run, in order; a step that fails stops the larger ones
 * @param profile "default" (KubeEdge's periods) or "stress" (1 s periods, for per-second capacity)
 * @param keepaliveSeconds the gateways' keepalive period
 * @param statusSeconds the gateways' node status period
 * @param warmupSeconds after all gateways are connected, traffic runs this long before measuring
 *     (so that every gateway's timers have fired and the load is spread over the period)
 * @param windowSeconds the measured steady-state window
 * @param connectConcurrency connects in flight at once (a fleet does not dial in one instant, and
 *     an unbounded burst only measures the kernel's SYN backlog)
 * @param connectBudgetSeconds a step whose gateways are not all connected by then is stopped
 * @param handshakeTimeoutSeconds TCP connect, TLS and WebSocket handshake of one gateway
 * @param responseTimeoutSeconds a status update without response after this long is a timeout
 *     (the node status reporter waits 15 s)
 * @param halfOpenSeconds a gateway that receives nothing for this long closes its connection. The
 *     edge hub uses 3 keepalive periods (45 s by default); the benchmark keeps 45 s in the
 *     stress profile too, so that a busy cloud shows as slow responses rather than as a cascade
 *     of 3-second reconnects
 * @param clientThreads event loop threads of the driver's one shared group (all gateways)
 * @param cloudIoThreads event loop threads of the cloud hub; 0 = Netty's default, 2 x cores,
 *     which is also the cloud hub component's default
 * @param cloudKeepaliveTimeoutSeconds the cloud hub's idle timeout (component default 45 s)
 * @param cloudJvm flags of the cloud JVM
 * @param maxMinutes steps that would not finish within this budget are skipped
 * @param resultsDir where the markdown results go
 * @param logDir where the cloud process logs go
 * @param command the command line as launched, for the report
 */
record BenchOptions(List<Integer> nodes, String profile, int keepaliveSeconds, int statusSeconds, int warmupSeconds,
        int windowSeconds, int connectConcurrency, int connectBudgetSeconds, int handshakeTimeoutSeconds, int responseTimeoutSeconds,
        int halfOpenSeconds, int clientThreads, int cloudIoThreads, int cloudKeepaliveTimeoutSeconds, List<String> cloudJvm,
        int maxMinutes, Path resultsDir, Path logDir, String command) {

    static final String DEFAULT_CLOUD_JVM = "-Xms64m -Xmx1g -XX:+UseG1GC -XX:+ExitOnOutOfMemoryError "
            + "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn";

    static BenchOptions parse(String[] args) {
        Map<String, String> a = Args.parse(args);
        String profile = a.getOrDefault("profile", "default");
        boolean stress = switch (profile) {
            case "default" -> false;
            case "stress" -> true;
            default -> throw new IllegalArgumentException("--profile is 'default' or 'stress', not '" + profile + "'");
        };
        // KubeEdge: heartbeat 15 s, node status 10 s. Stress: both every second.
        int keepalive = intOpt(a, "keepalive-seconds", stress ? 1 : 15);
        int status = intOpt(a, "status-seconds", stress ? 1 : 10);
        // Long enough for every gateway's timers to have fired, and (stress) for the backlog the
        // connect phase leaves in the fixed-rate keepalive timers to drain.
        int warmup = intOpt(a, "warmup-seconds", stress ? 10 : Math.max(keepalive, status) + 1);
        BenchOptions o = new BenchOptions(
                Arrays.stream(a.getOrDefault("nodes", "1000,2000,5000,10000").split(",")).map(String::trim).map(Integer::valueOf).toList(),
                profile, keepalive, status, warmup,
                intOpt(a, "window-seconds", stress ? 30 : 60),
                intOpt(a, "connect-concurrency", 200),
                intOpt(a, "connect-budget-seconds", 180),
                intOpt(a, "handshake-timeout-seconds", 30),
                intOpt(a, "response-timeout-seconds", 15),
                intOpt(a, "half-open-seconds", 45),
                intOpt(a, "client-threads", 2),
                intOpt(a, "cloud-io-threads", 0),
                intOpt(a, "cloud-keepalive-timeout-seconds", 45),
                List.of(a.getOrDefault("cloud-jvm", DEFAULT_CLOUD_JVM).trim().split("\\s+")),
                intOpt(a, "max-minutes", 15),
                Path.of(a.getOrDefault("results-dir", "bench/results")),
                Path.of(a.getOrDefault("log-dir", "bench/target/bench-logs")),
                a.getOrDefault("command", "java ... io.outpost.bench.LinkScaleBench " + String.join(" ", args)).trim());
        if (o.nodes.isEmpty() || o.nodes.stream().anyMatch(n -> n <= 0)) {
            throw new IllegalArgumentException("--nodes needs positive counts, e.g. 1000,2000,5000,10000");
        }
        if (keepalive <= 0 || status <= 0 || o.windowSeconds <= 0 || o.connectConcurrency <= 0 || o.clientThreads <= 0) {
            throw new IllegalArgumentException("periods, window, concurrency and threads must be positive");
        }
        return o;
    }

    private static int intOpt(Map<String, String> a, String name, int def) {
        String v = a.get(name);
        try {
            return v == null ? def : Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " must be a whole number, not '" + v + "'");
        }
    }

    int maxNodes() {
        return nodes.stream().mapToInt(Integer::intValue).max().orElse(0);
    }
}
