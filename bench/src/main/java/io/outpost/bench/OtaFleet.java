package io.outpost.bench;

import io.netty.channel.nio.NioEventLoopGroup;
import io.outpost.edge.ota.SimulatedOtaAgent;
import io.outpost.hub.api.Groups;
import io.outpost.hub.api.Resource;
import io.outpost.link.hub.Credentials;
import io.outpost.link.hub.EdgeHubCore;
import io.outpost.link.transport.Tls;
import io.outpost.ota.api.ArtifactSignature;
import io.outpost.ota.api.OtaMessages;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A fleet of simulated gateways for the OTA rollout benchmark (bench/run-ota-rollout.sh): each
 * joins the real cloud with a join token (KubeEdge's bootstrap), holds a real edge hub link
 * (EdgeHubCore: WebSocket over mutual TLS), and runs the real update state machine with a
 * simulated container ({@link SimulatedOtaAgent}). Prints "ready N" once every gateway's link is
 * up, then runs until stdin closes.
 *
 * <p>Arguments: {@code --bootstrap host:port --hub-port P --token T --gateways N --prefix NAME
 * --state DIR --trusted PEM [--install-millis MS] [--workers W]}.
 */
public final class OtaFleet {
    private OtaFleet() {
    }

    public static void main(String[] a) throws Exception {
        java.util.Map<String, String> args = Args.parse(a);
        String[] boot = Args.required(args, "bootstrap").split(":");
        int hubPort = Integer.parseInt(Args.required(args, "hub-port"));
        String token = args.getOrDefault("token", "");
        int n = Integer.parseInt(args.getOrDefault("gateways", "100"));
        String prefix = args.getOrDefault("prefix", "ota-sim");
        Path state = Path.of(args.getOrDefault("state", "bench/target/ota-fleet"));
        var trusted = List.of(ArtifactSignature.parsePublicKey(Files.readString(Path.of(Args.required(args, "trusted")), StandardCharsets.US_ASCII)));
        long installMillis = Long.parseLong(args.getOrDefault("install-millis", "300"));
        ExecutorService workers = Executors.newFixedThreadPool(Integer.parseInt(args.getOrDefault("workers", "16")));
        NioEventLoopGroup group = new NioEventLoopGroup(2);
        CountDownLatch up = new CountDownLatch(n);
        List<EdgeHubCore> hubs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String name = String.format("%s-%03d", prefix, i);
            Path dir = state.resolve(name);
            SimulatedOtaAgent[] agent = new SimulatedOtaAgent[1];
            EdgeHubCore[] hub = new EdgeHubCore[1];
            hub[0] = new EdgeHubCore(group, new EdgeHubCore.Config(name, EdgeHubCore.DEFAULT_PROJECT_ID, dir.resolve("hub"), Duration.ofSeconds(15), 3,
                    8 * 1024 * 1024, Duration.ofSeconds(1), Duration.ofSeconds(30), 0.8), (ctx, m) -> {
                        if (Groups.OTA.equals(m.group()) && OtaMessages.ROLLOUT.equals(Resource.parse(m.resource()).type()) && agent[0] != null) {
                            agent[0].handle(m);
                            return true;
                        }
                        return Groups.OTA.equals(m.group());
                    }, new EdgeHubCore.Listener() {
                        private boolean counted;

                        @Override
                        public synchronized void linkUp() {
                            if (!counted) {
                                counted = true;
                                up.countDown();
                            }
                        }

                        @Override
                        public void linkDown(String reason) {
                        }
                    });
            if (!hub[0].start()) {
                hub[0].join(boot[0], Integer.parseInt(boot[1]), hubPort, token);
            }
            Credentials c = Credentials.load(dir.resolve("hub")).orElseThrow();
            agent[0] = new SimulatedOtaAgent(dir.resolve("ota"), URI.create("https://" + c.cloudHost() + ":" + c.bootstrapPort() + "/"),
                    Tls.jdkClient(c.node(), c.ca()), trusted, installMillis, workers, hub[0]::send);
            hubs.add(hub[0]);
        }
        if (!up.await(120, TimeUnit.SECONDS)) {
            System.out.println("not ready: " + up.getCount() + " links still down");
        }
        System.out.println("ready " + n);
        System.out.flush();
        while (System.in.read() >= 0) {
            // runs until the script closes stdin
        }
        hubs.forEach(EdgeHubCore::close);
        workers.shutdownNow();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
}
