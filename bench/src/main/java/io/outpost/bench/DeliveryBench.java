package io.outpost.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.handler.ssl.ClientAuth;
import io.outpost.hub.api.LinkStatus;
import io.outpost.hub.api.Message;
import io.outpost.hub.api.NodeSession;
import io.outpost.hub.api.Operations;
import io.outpost.link.delivery.AckRecord;
import io.outpost.link.delivery.DeliveryQueues;
import io.outpost.link.delivery.ObjectRef;
import io.outpost.link.hub.BootstrapService;
import io.outpost.link.hub.CloudHubCore;
import io.outpost.link.hub.Dispatcher;
import io.outpost.link.hub.EdgeHubCore;
import io.outpost.link.pki.CertifiedKey;
import io.outpost.link.pki.Pki;
import io.outpost.link.token.JoinToken;
import io.outpost.link.transport.HttpsServer;
import io.outpost.link.transport.Tls;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Pod dispatch through reliable delivery at scale (issue 3): the real cloud hub core with the
 * delivery queues wired as the cloud hub component wires them, and N real edge hubs in this JVM
 * (joined through the real certificate bootstrap, TLS, WebSocket) whose "pod manager" is a fake
 * runtime that stores the pod in memory and ACKs, as the real one does after its SQLite write.
 * Per N: a burst of N × 10 pod inserts, then N × 10 updates, then N × 10 inserts with 10 % of first
 * deliveries lost (no handler yet: no ACK, so the cloud resends). Latency is enqueue → ACK back
 * at the cloud. Prints a table and appends it to bench/results/delivery-&lt;date&gt;.md.
 *
 * <p>Arguments: the N values (default 100 500 1000).
 */
public final class DeliveryBench {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int PODS = 10;

    public static void main(String[] args) throws Exception {
        List<Integer> ns = new ArrayList<>();
        for (String a : args) {
            ns.add(Integer.parseInt(a));
        }
        if (ns.isEmpty()) {
            ns = List.of(100, 500, 1000);
        }
        StringBuilder table = new StringBuilder();
        table.append("## Run ").append(Instant.now()).append(" — `bench/run-delivery.sh ").append(String.join(" ", args)).append("`\n\n");
        table.append("Machine: ").append(Runtime.getRuntime().availableProcessors()).append(" cores, Java ")
                .append(System.getProperty("java.version")).append("; cloud and gateways in one JVM (2 I/O threads each side), "
                        + "ack timeout 5 s (the default), window 64, no ObjectSync writes (AckRecord.NONE; see bench/README.md)\n\n");
        table.append("| N gateways | phase | messages | time (s) | msgs/s | latency p50 / p90 / p99 / max (ms) | resends |\n");
        table.append("|---:|---|---:|---:|---:|---|---:|\n");
        for (int n : ns) {
            run(n, table);
        }
        System.out.println(table);
        Path out = Path.of("bench/results/delivery-" + LocalDate.now() + ".md");
        Files.createDirectories(out.getParent());
        Files.writeString(out, table + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        System.out.println("appended to " + out);
        System.exit(0);
    }

    private static void run(int n, StringBuilder table) throws Exception {
        NioEventLoopGroup cloudGroup = new NioEventLoopGroup(2);
        NioEventLoopGroup edgeGroup = new NioEventLoopGroup(2);
        ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(2);
        Path dir = Files.createTempDirectory("outpost-delivery-bench");
        byte[] secret = "0123456789abcdef0123456789abcdef".getBytes();
        CertifiedKey ca = Pki.newCa("bench-ca", Duration.ofDays(2));
        CertifiedKey server = Pki.issueServer(ca, "cloudhub", List.of("127.0.0.1"), Duration.ofDays(1));
        HttpsServer bootstrap = HttpsServer.bind(cloudGroup, new InetSocketAddress("127.0.0.1", 0),
                Tls.server(server, ca.certificate(), ClientAuth.OPTIONAL), 64 * 1024, Runnable::run,
                new BootstrapService(ca, jwt -> JoinToken.verify(jwt, secret, Instant.now()), Duration.ofDays(1)));
        Map<String, Long> enqueuedAt = new ConcurrentHashMap<>();
        LatencyHistogram[] hist = {new LatencyHistogram()};
        AtomicLong acked = new AtomicLong();
        AckRecord timing = new AckRecord() {
            @Override
            public void acknowledged(String node, ObjectRef ref) {
                Long t = enqueuedAt.remove(node + "/" + ref.uid() + "@" + ref.resourceVersion());
                if (t != null) {
                    hist[0].recordMicros((System.nanoTime() - t) / 1000);
                }
                acked.incrementAndGet();
            }

            @Override
            public void deleted(String node, ObjectRef ref) {
            }
        };
        CloudHubCore[] cloud = new CloudHubCore[1];
        DeliveryQueues queues = new DeliveryQueues(scheduler, (node, m) -> cloud[0].send(node, m), timing,
                new DeliveryQueues.Settings(Duration.ofSeconds(5), Duration.ofSeconds(60), 64, 100_000));
        Dispatcher dispatcher = (ctx, m) -> m.isResponse() && queues.answered(ctx.nodeName(), m);
        cloud[0] = new CloudHubCore(cloudGroup, new CloudHubCore.Config(new InetSocketAddress("127.0.0.1", 0), 1 << 20, Duration.ofSeconds(60)),
                Tls.server(server, ca.certificate(), ClientAuth.REQUIRE), dispatcher, new CloudHubCore.SessionListener() {
                    @Override
                    public void connected(NodeSession s) {
                        queues.connected(s.nodeName());
                    }

                    @Override
                    public void disconnected(NodeSession s, String reason) {
                        queues.disconnected(s.nodeName());
                    }
                });
        double[] lossRate = {0};
        // The fake runtime of every gateway: store, ACK — or, for a share of first deliveries, no handler yet.
        Map<String, String> stored = new ConcurrentHashMap<>();
        Map<String, Boolean> seen = new ConcurrentHashMap<>();
        List<EdgeHubCore> edges = new ArrayList<>();
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            String node = String.format("gw-%05d", i);
            Dispatcher fakePodManager = (ctx, m) -> {
                if (lossRate[0] > 0 && seen.putIfAbsent(m.id(), true) == null && ThreadLocalRandom.current().nextDouble() < lossRate[0]) {
                    return false;
                }
                stored.put(node + "/" + m.content().path("metadata").path("uid").asText(), m.resourceVersion());
                ctx.reply(m.response(TextNode.valueOf("OK")));
                return true;
            };
            EdgeHubCore e = new EdgeHubCore(edgeGroup, new EdgeHubCore.Config(node, EdgeHubCore.DEFAULT_PROJECT_ID, dir.resolve(node),
                    Duration.ofSeconds(15), 3, 1 << 20, Duration.ofSeconds(1), Duration.ofSeconds(10), 0.8), fakePodManager,
                    new EdgeHubCore.Listener() {
                        @Override
                        public void linkUp() {
                        }

                        @Override
                        public void linkDown(String reason) {
                        }
                    });
            e.join("127.0.0.1", bootstrap.address().getPort(), cloud[0].address().getPort(),
                    JoinToken.create(Pki.caHash(ca.certificate()), secret, "t" + i, Instant.now(), Instant.now().plusSeconds(3600)));
            edges.add(e);
        }
        while (edges.stream().anyMatch(e -> e.status().state() != LinkStatus.State.CONNECTED)) {
            Thread.sleep(50);
        }
        System.out.printf("N=%d: %d gateways joined and connected in %.1f s%n", n, n, (System.nanoTime() - t0) / 1e9);

        phase(n, "insert", Operations.INSERT, 1, 0, edges, queues, enqueuedAt, hist, acked, lossRate, table);
        phase(n, "update", Operations.UPDATE, 2, 0, edges, queues, enqueuedAt, hist, acked, lossRate, table);
        phase(n, "insert, 10 % of first deliveries lost", Operations.INSERT, 3, 0.10, edges, queues, enqueuedAt, hist, acked, lossRate, table);

        edges.forEach(EdgeHubCore::close);
        cloud[0].close();
        bootstrap.close();
        scheduler.shutdownNow();
        edgeGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
        cloudGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
    }

    private static void phase(int n, String name, String op, int rv, double loss, List<EdgeHubCore> edges, DeliveryQueues queues,
            Map<String, Long> enqueuedAt, LatencyHistogram[] hist, AtomicLong acked, double[] lossRate, StringBuilder table)
            throws InterruptedException {
        hist[0] = new LatencyHistogram();
        lossRate[0] = loss;
        long resentBefore = queues.stats().resent();
        long ackedBefore = acked.get();
        int total = n * PODS;
        // uids differ per phase 3 (new pods), the same for phases 1 and 2 (updates of the same pods)
        int uidBase = rv == 3 ? 1_000_000 : 0;
        long start = System.nanoTime();
        for (int p = 0; p < PODS; p++) {
            for (int i = 0; i < n; i++) {
                String node = edges.get(i).nodeName();
                String uid = String.format("00000000-0000-0000-0000-%012d", uidBase + i * PODS + p);
                enqueuedAt.put(node + "/" + uid + "@" + rv, System.nanoTime());
                queues.enqueue(node, pod(op, "p" + p, uid, String.valueOf(rv)));
            }
        }
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        while (acked.get() - ackedBefore < total && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        double secs = (System.nanoTime() - start) / 1e9;
        long done = acked.get() - ackedBefore;
        LatencyHistogram h = hist[0];
        String row = String.format("| %d | %s | %d%s | %.2f | %,.0f | %.1f / %.1f / %.1f / %.1f | %d |%n", n, name, done,
                done < total ? " of " + total : "", secs, done / secs, h.percentileMicros(50) / 1000.0, h.percentileMicros(90) / 1000.0,
                h.percentileMicros(99) / 1000.0, h.maxMicros() / 1000.0, queues.stats().resent() - resentBefore);
        System.out.print(row);
        table.append(row);
    }

    private static Message pod(String op, String name, String uid, String rv) {
        ObjectNode pod = JSON.createObjectNode().put("apiVersion", "v1").put("kind", "Pod");
        pod.putObject("metadata").put("namespace", "default").put("name", name).put("uid", uid).put("resourceVersion", rv);
        ObjectNode spec = pod.putObject("spec");
        spec.put("nodeName", "x").putArray("containers").addObject().put("name", "main").put("image", "outpost.local/busybox:1.0");
        return Message.builder().source("edgecontroller").group("resource").operation(op).resource("default/pod/" + name)
                .resourceVersion(rv).content(pod).build();
    }
}
