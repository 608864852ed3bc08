package io.outpost.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.netty.channel.nio.NioEventLoopGroup;
import io.outpost.hub.api.Groups;
import io.outpost.hub.api.Message;
import io.outpost.hub.api.Modules;
import io.outpost.hub.api.Operations;
import io.outpost.link.codec.MessageCodec;
import io.outpost.link.hub.EdgeHubCore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The link scale benchmark's driver. For each fleet size N it starts a fresh {@link BenchCloud}
 * JVM, measures its idle memory, connects N {@link SimulatedEdgeHub}s over real mutual TLS (all on
 * one shared event loop group in this JVM), lets them send keepalives and node status updates,
 * measures a steady-state window (rates at the cloud, response latency at the gateways, CPU of
 * both processes), measures the cloud's memory at N, and tears down. A step that fails to connect
 * everyone, loses connections or times out responses stops the larger steps. See
 * bench/README.md for what each number means.
 */
public final class LinkScaleBench {
    private static final String NODE_PREFIX = "edge-";
    /** Connect failures tolerated before a step gives up dialling the rest. */
    private static final int MAX_CONNECT_FAILURES = 50;

    private final BenchOptions options;
    private final long runStartNanos = System.nanoTime();

    private LinkScaleBench(BenchOptions options) {
        this.options = options;
    }

    public static void main(String[] args) throws Exception {
        BenchOptions options;
        try {
            options = BenchOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("link-scale: " + e.getMessage());
            System.exit(2);
            return;
        }
        new LinkScaleBench(options).run();
    }

    private void run() throws Exception {
        ZonedDateTime started = ZonedDateTime.now(ZoneOffset.UTC);
        var machine = MachineFacts.collect();
        log("profile %s: keepalive %d s, status %d s, N = %s, window %d s", options.profile(), options.keepaliveSeconds(),
                options.statusSeconds(), options.nodes(), options.windowSeconds());
        machine.forEach((k, v) -> log("  %s: %s", k, v));

        NodeIdentities identities = new NodeIdentities();
        log("making %d gateway identities (key pair, CSR, signing, TLS context) ...", options.maxNodes());
        identities.ensure(options.maxNodes(), NODE_PREFIX);
        var t = identities.timings();
        log("  keys+CSRs %.1f s, signing %.1f s, TLS contexts %.1f s", t.keyAndCsrMillis() / 1000.0, t.signMillis() / 1000.0,
                t.tlsContextMillis() / 1000.0);

        Path caDir = Files.createTempDirectory("outpost-bench-ca");
        Path caCert = caDir.resolve("ca.crt");
        Path caKey = caDir.resolve("ca.key");
        identities.writeCa(caCert, caKey);

        MessageCodec codec = new MessageCodec(MessageCodec.DEFAULT_MAX_BYTES);
        int statusBytes = codec.encode(statusMessage(NodeStatusContent.request(identities.name(0), 0, Instant.now()), identities.name(0)))
                .length;
        int keepaliveBytes = codec.encode(Message.builder().source(Modules.EDGE_HUB).group(Groups.RESOURCE).resource("node")
                .operation(Operations.KEEPALIVE).content(TextNode.valueOf("ping")).build()).length;

        NioEventLoopGroup clientGroup = new NioEventLoopGroup(options.clientThreads());
        List<StepResult> results = new ArrayList<>();
        String cloudJvmArgs = String.join(" ", options.cloudJvm());
        int cloudIoThreads = options.cloudIoThreads();
        double lastConnectRate = -1;
        try {
            String stoppedBy = null;
            for (int n : options.nodes()) {
                if (stoppedBy != null) {
                    StepResult notRun = new StepResult(n);
                    notRun.stop("not run: " + stoppedBy);
                    results.add(notRun);
                    continue;
                }
                long remaining = TimeUnit.MINUTES.toSeconds(options.maxMinutes()) - elapsedSeconds();
                long estimate = estimateStepSeconds(n, lastConnectRate);
                if (estimate > remaining) {
                    StepResult skipped = new StepResult(n);
                    skipped.stop(String.format("not run: it would take about %d s and %d s of the %d min budget are left",
                            estimate, Math.max(0, remaining), options.maxMinutes()));
                    results.add(skipped);
                    log("N=%d %s", n, skipped.outcome);
                    stoppedBy = "the time budget ran out before N=" + n;
                    continue;
                }
                StepStats stepInfo = new StepStats();
                StepResult r = runStep(n, identities, codec, clientGroup, caCert, caKey, stepInfo);
                if (stepInfo.cloudJvmArgs != null) {
                    cloudJvmArgs = stepInfo.cloudJvmArgs;
                    cloudIoThreads = stepInfo.cloudIoThreads;
                }
                results.add(r);
                lastConnectRate = r.connectRate() > 0 ? r.connectRate() : lastConnectRate;
                log("N=%d done: %s", n, r.outcome);
                if (!r.canContinue) {
                    stoppedBy = "the step N=" + n + " stopped (" + r.outcome + ")";
                }
            }
        } finally {
            clientGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
            Files.deleteIfExists(caCert);
            Files.deleteIfExists(caKey);
            Files.deleteIfExists(caDir);
        }

        var run = new ResultsReport.Run(options, machine, identities.timings(), cloudJvmArgs, cloudIoThreads, statusBytes, keepaliveBytes,
                started, elapsedSeconds());
        String md = ResultsReport.markdown(run, results);
        System.out.println();
        System.out.println(md);
        Path file = ResultsReport.append(options.resultsDir(), started, md);
        log("results appended to %s", file);
    }

    /** What the report needs to know about the cloud JVM, learnt from the first step that started one. */
    private static final class StepStats {
        String cloudJvmArgs;
        int cloudIoThreads;
    }

    private long estimateStepSeconds(int n, double connectRate) {
        double rate = connectRate > 0 ? connectRate : 150; // a cautious first guess for 2 cores
        return (long) (n / rate) + options.warmupSeconds() + options.windowSeconds() + 30;
    }

    private long elapsedSeconds() {
        return TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - runStartNanos);
    }

    private static Message statusMessage(ObjectNode content, String node) {
        return Message.builder().source(Modules.EDGED).group(Groups.RESOURCE).operation(Operations.UPDATE)
                .resource("default/nodestatus/" + node).sync(true).content(content).build();
    }

    private StepResult runStep(int n, NodeIdentities ids, MessageCodec codec, NioEventLoopGroup group, Path caCert, Path caKey,
            StepStats info) throws Exception {
        StepResult r = new StepResult(n);
        log("N=%d: starting a fresh cloud", n);
        List<String> cloudArgs = List.of("--ca-cert", caCert.toString(), "--ca-key", caKey.toString(),
                "--io-threads", Integer.toString(options.cloudIoThreads()),
                "--keepalive-timeout-seconds", Integer.toString(options.cloudKeepaliveTimeoutSeconds()));
        Path logBase = options.logDir().resolve("cloud-" + options.profile() + "-" + n);
        FleetCounters counters = new FleetCounters();
        List<SimulatedEdgeHub> hubs = new ArrayList<>(n);
        try (CloudProcess cloud = new CloudProcess(options.cloudJvm(), cloudArgs, logBase)) {
            info.cloudJvmArgs = cloud.jvmArgs();
            info.cloudIoThreads = cloud.ioThreads();
            JsonNode idle = cloud.snapshotAfterGc();
            r.idleHeapBytes = idle.path("heapUsed").asLong(-1);
            r.idleRssKib = idle.path("rssKib").asLong(-1);
            log("N=%d: cloud listening on port %d; idle heap %.1f MiB, RSS %.1f MiB", n, cloud.port(), r.idleHeapBytes / 1048576.0,
                    r.idleRssKib / 1024.0);

            SimulatedEdgeHub.Settings settings = new SimulatedEdgeHub.Settings(EdgeHubCore.DEFAULT_PROJECT_ID,
                    Duration.ofSeconds(options.keepaliveSeconds()), Duration.ofSeconds(options.statusSeconds()),
                    Duration.ofSeconds(options.responseTimeoutSeconds()), Duration.ofSeconds(options.handshakeTimeoutSeconds()),
                    Duration.ofSeconds(options.halfOpenSeconds()), MessageCodec.DEFAULT_MAX_BYTES);
            Instant now = Instant.now();
            for (int i = 0; i < n; i++) {
                hubs.add(new SimulatedEdgeHub(ids.name(i), NodeStatusContent.request(ids.name(i), i, now), settings, codec, counters, group));
            }

            JsonNode beforeConnect = cloud.snapshot();
            long driverCpuBeforeConnect = ProcessStats.processCpuNanos();
            connectAll(r, hubs, ids, cloud.port());
            JsonNode afterConnect = cloud.snapshot();
            if (r.connected > 0) {
                // CPU per connect shows what a handshake costs each side, whatever else runs on the box.
                r.connectCloudCpuMillisPerNode = delta(afterConnect, beforeConnect, "cpuNanos") / 1e6 / r.connected;
                r.connectDriverCpuMillisPerNode = (ProcessStats.processCpuNanos() - driverCpuBeforeConnect) / 1e6 / r.connected;
                double seconds = (afterConnect.path("uptimeMillis").asLong() - beforeConnect.path("uptimeMillis").asLong()) / 1000.0;
                r.connectCloudCpuCores = delta(afterConnect, beforeConnect, "cpuNanos") / 1e9 / seconds;
            }
            if (r.connected <= 0) {
                r.stop("no gateway connected");
                return r;
            }
            if (r.connectFailures > 0) {
                r.stop(r.connectFailures + " of " + n + " connects failed");
            } else if (r.connected < n) {
                r.stop("only " + r.connected + " of " + n + " connected within the " + options.connectBudgetSeconds() + " s budget");
            }

            log("N=%d: %d connected in %.1f s (%.0f/s), CPU per connect: cloud %.1f ms, driver %.1f ms; warming up %d s", n,
                    r.connected, r.connectSeconds, r.connectRate(), r.connectCloudCpuMillisPerNode, r.connectDriverCpuMillisPerNode,
                    options.warmupSeconds());
            Thread.sleep(TimeUnit.SECONDS.toMillis(options.warmupSeconds()));

            measureWindow(r, cloud, counters);

            JsonNode loaded = cloud.snapshotAfterGc();
            r.loadedHeapBytes = loaded.path("heapUsed").asLong(-1);
            r.loadedRssKib = loaded.path("rssKib").asLong(-1);
            r.loadedDirectBytes = loaded.path("directBuffers").asLong(-1);
            r.loadedHeapCommittedBytes = loaded.path("heapCommitted").asLong(-1);
            System.gc();
            r.driverHeapBytes = ProcessStats.heapUsedBytes();
            r.driverRssKib = ProcessStats.rssKib();
            log("N=%d: cloud heap %.1f MiB (live, after GC), RSS %.1f MiB, direct %.1f MiB, sessions %d", n,
                    r.loadedHeapBytes / 1048576.0, r.loadedRssKib / 1024.0, r.loadedDirectBytes / 1048576.0, loaded.path("sessions").asInt());

            judge(r, n);
            hubs.forEach(SimulatedEdgeHub::stop);
            awaitDrained(cloud, n);
        } finally {
            hubs.forEach(SimulatedEdgeHub::stop);
        }
        return r;
    }

    /**
     * Dials every gateway with at most {@code connectConcurrency} handshakes in flight; the time to
     * all connected runs from the first dial to the last completed handshake.
     */
    private void connectAll(StepResult r, List<SimulatedEdgeHub> hubs, NodeIdentities ids, int port) throws InterruptedException {
        int n = hubs.size();
        Semaphore inFlight = new Semaphore(options.connectConcurrency());
        AtomicInteger ok = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        AtomicLong lastDone = new AtomicLong();
        Set<String> errors = java.util.Collections.synchronizedSet(new LinkedHashSet<>());
        LatencyHistogram handshakes = new LatencyHistogram();
        long start = System.nanoTime();
        long deadline = start + TimeUnit.SECONDS.toNanos(options.connectBudgetSeconds());
        int started = 0;
        for (int i = 0; i < n; i++) {
            if (failed.get() > MAX_CONNECT_FAILURES) {
                r.notes.add("stopped dialling after " + failed.get() + " failed connects");
                break;
            }
            if (!inFlight.tryAcquire(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                r.notes.add("connect budget of " + options.connectBudgetSeconds() + " s ran out after dialling " + started);
                break;
            }
            long dialled = System.nanoTime();
            started++;
            hubs.get(i).connect(port, ids.context(i)).whenComplete((conn, err) -> {
                long done = System.nanoTime();
                lastDone.accumulateAndGet(done, Math::max);
                if (err == null) {
                    ok.incrementAndGet();
                    handshakes.recordMicros(TimeUnit.NANOSECONDS.toMicros(done - dialled));
                } else {
                    failed.incrementAndGet();
                    Throwable c = err instanceof CompletionException && err.getCause() != null ? err.getCause() : err;
                    if (errors.size() < 5) {
                        errors.add(String.valueOf(c.getMessage()));
                    }
                }
                inFlight.release();
            });
            if ((i + 1) % 1000 == 0) {
                log("  dialled %d, connected %d, failed %d", i + 1, ok.get(), failed.get());
            }
        }
        // Wait for the handshakes still in flight (each ends by its own handshake timeout).
        long waitUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(options.handshakeTimeoutSeconds() + 5);
        while (ok.get() + failed.get() < started && System.nanoTime() < waitUntil) {
            Thread.sleep(20);
        }
        r.connected = ok.get();
        r.connectFailures = failed.get() + (started - ok.get() - failed.get());
        r.connectErrors.addAll(errors);
        r.connectSeconds = (Math.max(lastDone.get(), start) - start) / 1e9;
        r.handshakeP50Micros = handshakes.percentileMicros(50);
        r.handshakeP99Micros = handshakes.percentileMicros(99);
    }

    /** The measured window: cloud counters and CPU at both ends, gateway counters, latencies. */
    private void measureWindow(StepResult r, CloudProcess cloud, FleetCounters counters) throws Exception {
        JsonNode c0 = cloud.snapshot();
        FleetCounters.Snapshot g0 = counters.snapshot();
        long driverCpu0 = ProcessStats.processCpuNanos();
        long[] machine0 = ProcessStats.machineCpuTicks();
        long wall0 = System.nanoTime();
        counters.resetResponseLatency();

        JsonNode prev = c0;
        long end = wall0 + TimeUnit.SECONDS.toNanos(options.windowSeconds());
        while (System.nanoTime() < end) {
            Thread.sleep(Math.min(10_000, Math.max(1, TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime()))));
            JsonNode cur = cloud.snapshot();
            double dt = (cur.path("uptimeMillis").asLong() - prev.path("uptimeMillis").asLong()) / 1000.0;
            if (dt > 0) {
                log("  window %3.0f s: sessions %d, keepalives %.0f/s, status %.0f/s, cloud CPU %.2f cores", (System.nanoTime() - wall0) / 1e9,
                        cur.path("sessions").asInt(), delta(cur, prev, "keepalives") / dt, delta(cur, prev, "statusUpdates") / dt,
                        delta(cur, prev, "cpuNanos") / 1e9 / dt);
            }
            prev = cur;
        }

        JsonNode c1 = prev;
        long wall1 = System.nanoTime();
        FleetCounters.Snapshot g1 = counters.snapshot();
        long driverCpu1 = ProcessStats.processCpuNanos();
        long[] machine1 = ProcessStats.machineCpuTicks();
        LatencyHistogram latency = counters.responseLatency();

        double cloudSeconds = (c1.path("uptimeMillis").asLong() - c0.path("uptimeMillis").asLong()) / 1000.0;
        r.windowSeconds = cloudSeconds;
        r.sessionsAtWindowEnd = c1.path("sessions").asInt();
        r.keepalivesPerSecond = delta(c1, c0, "keepalives") / cloudSeconds;
        r.statusUpdatesPerSecond = delta(c1, c0, "statusUpdates") / cloudSeconds;
        r.cloudRepliesDropped = (long) delta(c1, c0, "repliesDropped");
        r.cloudDisconnectsInWindow = (long) delta(c1, c0, "disconnects");
        r.cloudCpuCores = delta(c1, c0, "cpuNanos") / 1e9 / cloudSeconds;
        double wallSeconds = (wall1 - wall0) / 1e9;
        r.driverCpuCores = (driverCpu1 - driverCpu0) / 1e9 / wallSeconds;
        if (machine0[1] > 0 && machine1[1] > machine0[1]) {
            r.machineCpuBusyPercent = 100.0 * (machine1[0] - machine0[0]) / (machine1[1] - machine0[1]);
        }
        r.gateways = g1.minus(g0);
        r.responseP50Micros = latency.percentileMicros(50);
        r.responseP99Micros = latency.percentileMicros(99);
        r.responseMaxMicros = latency.maxMicros();
        r.closeReasons = counters.closeReasons();
        log("N=%d window: keepalives %.0f/s, status %.0f/s, response p50 %.1f ms p99 %.1f ms, timeouts %d, cloud CPU %.2f, driver CPU %.2f, "
                + "machine %.0f %%", r.nodes, r.keepalivesPerSecond, r.statusUpdatesPerSecond, r.responseP50Micros / 1000.0,
                r.responseP99Micros / 1000.0, r.gateways.responseTimeouts(), r.cloudCpuCores, r.driverCpuCores, r.machineCpuBusyPercent);
    }

    /** Decides whether the step is healthy enough for larger steps to be worth running. */
    private void judge(StepResult r, int n) {
        FleetCounters.Snapshot g = r.gateways;
        if (g == null) {
            return;
        }
        if (g.unexpectedCloses() > 0 || r.cloudDisconnectsInWindow > 0) {
            r.stop(Math.max(g.unexpectedCloses(), r.cloudDisconnectsInWindow) + " connections were lost during the steady state");
        }
        if (g.statusSent() > 0 && g.responseTimeouts() * 100 > g.statusSent()) {
            r.stop(g.responseTimeouts() + " of " + g.statusSent() + " status updates timed out (> 1 %): the cloud (or this 2-core box) "
                    + "is saturated");
        }
        double offered = (double) r.connected / options.statusSeconds();
        if (r.statusUpdatesPerSecond >= 0 && r.statusUpdatesPerSecond < 0.9 * offered) {
            r.notes.add(String.format("the cloud handled %.0f status updates/s of the %.0f/s offered (%.0f %%)", r.statusUpdatesPerSecond,
                    offered, 100 * r.statusUpdatesPerSecond / offered));
        }
        if (g.sendsDropped() > 0) {
            r.notes.add(g.sendsDropped() + " frames were dropped by gateways whose connection was over its write-buffer high-water mark");
        }
        if (r.cloudRepliesDropped > 0) {
            r.notes.add(r.cloudRepliesDropped + " responses were dropped by the cloud (connection not writable)");
        }
        if (r.connected == n && r.outcome.equals("ok") && r.notes.isEmpty()) {
            r.notes.add("all " + n + " gateways connected, nothing lost");
        }
    }

    /** Waits until the cloud has seen every gateway go, so the next step starts clean. */
    private void awaitDrained(CloudProcess cloud, int n) throws Exception {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < until) {
            if (cloud.snapshot().path("sessions").asInt() == 0) {
                return;
            }
            Thread.sleep(250);
        }
        log("N=%d: the cloud still had sessions 20 s after the gateways closed", n);
    }

    private static double delta(JsonNode a, JsonNode b, String field) {
        return a.path(field).asDouble() - b.path(field).asDouble();
    }

    private void log(String fmt, Object... args) {
        System.out.printf("[%6.1f s] %s%n", (System.nanoTime() - runStartNanos) / 1e9, String.format(java.util.Locale.ROOT, fmt, args));
    }
}
