package io.outpost.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.handler.ssl.ClientAuth;
import io.outpost.hub.api.Groups;
import io.outpost.hub.api.Message;
import io.outpost.hub.api.MessageContext;
import io.outpost.hub.api.NodeSession;
import io.outpost.hub.api.Operations;
import io.outpost.hub.api.Resource;
import io.outpost.hub.api.ResourceTypes;
import io.outpost.link.hub.CloudHubCore;
import io.outpost.link.hub.Dispatcher;
import io.outpost.link.pki.CertifiedKey;
import io.outpost.link.pki.Pki;
import io.outpost.link.transport.LinkConnection;
import io.outpost.link.transport.LinkEndpoint;
import io.outpost.link.transport.LinkServer;
import io.outpost.link.transport.Tls;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The cloud side of the scale benchmark, run as its own JVM so that its memory is measured
 * alone: the real {@link CloudHubCore} on loopback with mutual TLS, and a dispatcher that
 * answers node status updates with "OK" as the node controller does (without the Kubernetes
 * API calls, which would measure the API server rather than the hub).
 *
 * <p>Talks to the driver over stdin/stdout, one line each: it prints {@code READY {...}} when
 * listening, {@code STATS {...}} every few seconds, and answers the commands {@code snapshot}
 * (counters and memory now), {@code gc} (the same after a full collection, for the live heap)
 * and {@code quit} with {@code SNAPSHOT {...}} or {@code BYE}.
 *
 * <p>Why the counting endpoint: {@link CloudHubCore} consumes keepalives itself (they never
 * reach the dispatcher, as in KubeEdge), and offers no counters. To count them at the cloud,
 * the benchmark binds the {@link LinkServer} itself and hands every callback to the hub core's
 * public {@link LinkEndpoint} methods after counting. The hub core's own listener (which its
 * constructor always binds) sits idle on an ephemeral port.
 */
public final class BenchCloud {
    /** The bytes a keepalive frame carries, as MessageCodec (and Go's encoding/json) writes them. */
    private static final byte[] KEEPALIVE_MARK = "\"operation\":\"keepalive\"".getBytes(StandardCharsets.US_ASCII);
    /** Keepalives are about 200 bytes; larger frames are not scanned for the mark. */
    private static final int KEEPALIVE_MAX_BYTES = 1024;

    private final CloudCounters counters = new CloudCounters();
    private final ObjectMapper json = new ObjectMapper();
    private final long startNanos = System.nanoTime();

    private BenchCloud() {
    }

    /**
     * Arguments: {@code --ca-cert FILE --ca-key FILE [--io-threads N] [--keepalive-timeout-seconds S]
     * [--max-frame-bytes B] [--stats-seconds S]}.
     */
    public static void main(String[] args) throws Exception {
        Map<String, String> a = Args.parse(args);
        new BenchCloud().run(
                Path.of(Args.required(a, "ca-cert")), Path.of(Args.required(a, "ca-key")),
                Integer.parseInt(a.getOrDefault("io-threads", "0")),
                Duration.ofSeconds(Long.parseLong(a.getOrDefault("keepalive-timeout-seconds", "45"))),
                Integer.parseInt(a.getOrDefault("max-frame-bytes", String.valueOf(8 * 1024 * 1024))),
                Integer.parseInt(a.getOrDefault("stats-seconds", "5")));
    }

    private void run(Path caCert, Path caKey, int ioThreads, Duration keepaliveTimeout, int maxFrameBytes, int statsSeconds)
            throws Exception {
        CertifiedKey ca = new CertifiedKey(Pki.parsePrivateKey(Files.readString(caKey)), Pki.parseCertificate(Files.readAllBytes(caCert)));
        CertifiedKey server = Pki.issueServer(ca, "outpost-bench-cloudhub", List.of("localhost", "127.0.0.1"), Duration.ofDays(2));
        var ssl = Tls.server(server, ca.certificate(), ClientAuth.REQUIRE);
        // 0 = Netty's default (2 x cores), which is also the cloud hub component's default.
        NioEventLoopGroup group = new NioEventLoopGroup(ioThreads);
        CloudHubCore core = new CloudHubCore(group, new CloudHubCore.Config(new InetSocketAddress("127.0.0.1", 0), maxFrameBytes,
                keepaliveTimeout), ssl, new StatusDispatcher(), new Sessions());
        LinkServer listener = LinkServer.bind(group, new InetSocketAddress("127.0.0.1", 0), ssl, maxFrameBytes, keepaliveTimeout,
                new CountingEndpoint(core));

        ScheduledExecutorService reporter = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "bench-cloud-stats");
            t.setDaemon(true);
            return t;
        });
        reporter.scheduleAtFixedRate(() -> emit("STATS", snapshot(false)), statsSeconds, statsSeconds, TimeUnit.SECONDS);

        ObjectNode ready = json.createObjectNode();
        ready.put("port", listener.address().getPort());
        ready.put("pid", ProcessHandle.current().pid());
        ready.put("ioThreads", group.executorCount());
        ready.put("keepaliveTimeoutSeconds", keepaliveTimeout.toSeconds());
        ready.put("maxFrameBytes", maxFrameBytes);
        ready.put("jvmArgs", String.join(" ", ManagementFactory.getRuntimeMXBean().getInputArguments()));
        emit("READY", ready);

        try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
            String cmd;
            // End of input means the driver is gone: stop rather than linger as an orphan.
            while ((cmd = in.readLine()) != null) {
                switch (cmd.trim()) {
                    case "snapshot" -> emit("SNAPSHOT", snapshot(false));
                    case "gc" -> {
                        fullGc();
                        emit("SNAPSHOT", snapshot(true));
                    }
                    case "quit" -> {
                        cmd = null;
                    }
                    default -> System.err.println("bench cloud: unknown command '" + cmd + "'");
                }
                if (cmd == null) {
                    break;
                }
            }
        }
        reporter.shutdownNow();
        listener.close();
        core.close();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        System.out.println("BYE");
        System.out.flush();
    }

    /** Two full collections with a pause, so that objects freed by finalization-like cleanups are gone too. */
    private static void fullGc() throws InterruptedException {
        System.gc();
        Thread.sleep(200);
        System.gc();
    }

    private ObjectNode snapshot(boolean afterGc) {
        ObjectNode o = counters.toJson();
        o.put("uptimeMillis", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos));
        o.put("afterGc", afterGc);
        o.put("heapUsed", ProcessStats.heapUsedBytes());
        o.put("heapAfterLastGc", ProcessStats.heapAfterLastGcBytes());
        o.put("heapCommitted", ProcessStats.heapCommittedBytes());
        o.put("directBuffers", ProcessStats.directBufferBytes());
        o.put("rssKib", ProcessStats.rssKib());
        o.put("cpuNanos", ProcessStats.processCpuNanos());
        o.put("threads", ProcessStats.threadCount());
        o.put("gcCount", ProcessStats.gcCount());
        o.put("gcMillis", ProcessStats.gcTimeMillis());
        return o;
    }

    private static void emit(String kind, ObjectNode body) {
        // println on System.out is synchronized, so lines of the stats thread and the command
        // loop never interleave.
        System.out.println(kind + " " + body);
        System.out.flush();
    }

    /** Counts frames and keepalives, then hands every callback to the real hub core. */
    private final class CountingEndpoint implements LinkEndpoint {
        private final CloudHubCore core;

        CountingEndpoint(CloudHubCore core) {
            this.core = core;
        }

        @Override
        public void opened(LinkConnection connection) {
            core.opened(connection);
        }

        @Override
        public void received(LinkConnection connection, byte[] frame) {
            counters.framesReceived.increment();
            if (frame.length <= KEEPALIVE_MAX_BYTES && contains(frame, KEEPALIVE_MARK)) {
                counters.keepalives.increment();
            }
            core.received(connection, frame);
        }

        @Override
        public void closed(LinkConnection connection, String reason) {
            core.closed(connection, reason);
        }
    }

    private static boolean contains(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    /**
     * Answers node status updates as the node controller does: the same checks (a node reports
     * only about itself, the content is a NodeStatusRequest), then a response carrying "OK".
     * Runs on the I/O thread because there is no blocking Kubernetes call to move away from it.
     */
    private final class StatusDispatcher implements Dispatcher {
        private final TextNode ok = TextNode.valueOf("OK");

        @Override
        public boolean dispatch(MessageContext ctx, Message m) {
            counters.dispatched(m.operation());
            Resource r = Resource.parse(m.resource());
            if (!Groups.RESOURCE.equals(m.group()) || !Operations.UPDATE.equals(m.operation())
                    || !ResourceTypes.NODE_STATUS.equals(r.type())) {
                return false;
            }
            counters.statusUpdates.increment();
            if (!r.name().isEmpty() && !ctx.nodeName().equals(r.name())) {
                counters.statusRefused.increment();
                throw new IllegalArgumentException("node " + ctx.nodeName() + " can only report about itself, not about node " + r.name());
            }
            if (!m.content().path("Status").isObject()) {
                counters.statusRefused.increment();
                throw new IllegalArgumentException("a node status must carry a NodeStatusRequest object {UID, Status, ExtendResources}");
            }
            if (ctx.reply(m.response(ok))) {
                counters.statusRepliesSent.increment();
            } else {
                counters.repliesDropped.increment();
            }
            return true;
        }
    }

    private final class Sessions implements CloudHubCore.SessionListener {
        @Override
        public void connected(NodeSession session) {
            counters.connects.increment();
            counters.sessions.incrementAndGet();
        }

        @Override
        public void disconnected(NodeSession session, String reason) {
            counters.disconnected(reason);
        }
    }
}
