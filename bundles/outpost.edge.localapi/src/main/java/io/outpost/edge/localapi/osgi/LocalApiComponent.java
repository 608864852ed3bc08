package io.outpost.edge.localapi.osgi;

import com.fasterxml.jackson.databind.JsonNode;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.outpost.edge.localapi.ApiResource;
import io.outpost.edge.localapi.ChangeLog;
import io.outpost.edge.localapi.Credentials;
import io.outpost.edge.localapi.LocalApi;
import io.outpost.edge.localapi.LocalApiServer;
import io.outpost.edge.localapi.LocalTls;
import io.outpost.meta.api.MetaStore;
import io.outpost.meta.api.StoredObject;
import io.outpost.pod.api.EdgePods;
import io.outpost.pod.api.PodSummary;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves the gateway's local API: reads the meta store (and the pod manager's statuses when it
 * runs), writes the token and kubeconfig at first start, listens on loopback.
 */
@Component(configurationPid = LocalApiComponent.PID, configurationPolicy = ConfigurationPolicy.OPTIONAL, immediate = true, service = {})
@Designate(ocd = LocalApiComponent.Config.class)
public class LocalApiComponent {
    static final String PID = "io.outpost.edge.localapi";
    private static final Logger LOG = LoggerFactory.getLogger(LocalApiComponent.class);

    @ObjectClassDefinition(name = "Outpost local API", description = "Kubernetes-shaped, read-only list/watch API for apps on the"
            + " gateway (KubeEdge's MetaServer), served from the meta store; works while the cloud is away.")
    @interface Config {
        @AttributeDefinition(description = "Loopback address to listen on; other addresses are refused (apps on this host only, as KubeEdge's MetaServer).")
        String bindAddress() default "127.0.0.1";

        @AttributeDefinition(description = "Port (KubeEdge's MetaServer uses 10550).", min = "1", max = "65535")
        int port() default 10550;

        @AttributeDefinition(description = "Where the token is kept (owner-only; the TLS certificate and key go next to it); relative paths are under the Karaf data directory. Delete it to rotate the token.")
        String tokenFile() default "outpost/localapi/token";

        @AttributeDefinition(description = "Where the kubeconfig for kubectl and apps is written (owner-only); relative paths are under the Karaf data directory.")
        String kubeconfig() default "outpost/localapi/kubeconfig";

        @AttributeDefinition(description = "Most watches open at once; more are answered 429.", min = "1")
        int maxWatches() default 64;

        @AttributeDefinition(description = "Changes kept so that a watch can resume from a resourceVersion; older ones get 410 Expired.", min = "10")
        int watchHistory() default 1000;

        @AttributeDefinition(description = "How often open watches look for changes, in milliseconds.", min = "100")
        int refreshMillis() default 1000;
    }

    @Reference
    private MetaStore meta;

    /** The pod manager's view, for pod statuses; without it pods are served as the cloud sent them. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    private volatile EdgePods pods;

    private EventLoopGroup io;
    private ScheduledExecutorService scheduler;
    private LocalApiServer server;
    private LocalApi api;

    @Activate
    void activate(Config cfg) throws IOException, InterruptedException {
        InetAddress address;
        try {
            address = InetAddress.getByName(cfg.bindAddress());
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("local API: bindAddress " + cfg.bindAddress() + " is not an address", e);
        }
        if (!address.isLoopbackAddress()) {
            throw new IllegalArgumentException("local API: bindAddress " + cfg.bindAddress() + " is not a loopback address; the local"
                    + " API serves apps on this host only: use 127.0.0.1 or ::1");
        }
        Path data = Path.of(System.getProperty("karaf.data", "data"));
        Path tokenFile = data.resolve(cfg.tokenFile());
        Credentials credentials = Credentials.loadOrCreate(tokenFile);
        LocalTls tls = LocalTls.loadOrCreate(tokenFile.toAbsolutePath().getParent());
        Path kubeconfig = data.resolve(cfg.kubeconfig());
        ChangeLog log = new ChangeLog(System.currentTimeMillis(), cfg.watchHistory(), 4L * 1024 * 1024);
        api = new LocalApi(this::list, log, credentials, cfg.maxWatches(), Clock.systemUTC());
        // One thread answers requests and runs the watch timer (reads are SQLite queries of a few
        // ms); one Netty I/O thread, as the console has.
        scheduler = Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "outpost-localapi"));
        io = new NioEventLoopGroup(1, (java.util.concurrent.ThreadFactory) r -> new Thread(r, "outpost-localapi-io"));
        try {
            server = LocalApiServer.bind(io, new InetSocketAddress(address, cfg.port()), tls.context(), api, scheduler);
        } catch (Exception e) {
            io.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            scheduler.shutdownNow();
            throw new IOException("local API: cannot listen on " + cfg.bindAddress() + ":" + cfg.port() + " (" + e.getMessage()
                    + "); set another port in etc/" + PID + ".cfg", e);
        }
        String host = address.getHostAddress().contains(":") ? "[" + address.getHostAddress() + "]" : address.getHostAddress();
        credentials.writeKubeconfig(kubeconfig, "https://" + host + ":" + server.address().getPort(), tls.caPem(), "");
        scheduler.scheduleWithFixedDelay(this::tick, cfg.refreshMillis(), cfg.refreshMillis(), TimeUnit.MILLISECONDS);
        LOG.info("local API on https://{}:{} (read-only; kubeconfig {})", host, server.address().getPort(), kubeconfig);
    }

    @Deactivate
    void deactivate() {
        if (api != null) {
            api.endWatches();
        }
        if (server != null) {
            server.close();
        }
        scheduler.shutdownNow();
        io.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }

    private void tick() {
        try {
            api.tick();
        } catch (RuntimeException e) {
            LOG.warn("local API: cannot refresh watched objects: {}", e.getMessage());
        }
    }

    private List<? extends JsonNode> list(ApiResource r) {
        EdgePods p = pods;
        if (r.storeKind().equals("pod") && p != null) {
            return p.pods().stream().map(PodSummary::pod).toList();
        }
        return meta.list(r.storeKind()).stream().map(StoredObject::value).toList();
    }
}
