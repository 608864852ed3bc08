package io.outpost.edge.hub;

import io.netty.channel.nio.NioEventLoopGroup;
import io.outpost.hub.api.EdgeHub;
import io.outpost.hub.api.LinkException;
import io.outpost.hub.api.LinkListener;
import io.outpost.hub.api.LinkStatus;
import io.outpost.hub.api.Message;
import io.outpost.hub.api.MessageHandler;
import io.outpost.link.hub.EdgeHubCore;
import io.outpost.link.hub.HandlerRegistry;
import io.outpost.link.hub.Credentials;
import io.outpost.link.transport.Tls;
import java.net.InetAddress;
import java.net.URI;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The edge hub: the only component that talks to the cloud. It joins with a token (from its
 * configuration or from {@code outpost:join}), keeps the link up, and routes what the cloud sends
 * to {@link MessageHandler} services by group. Once joined, restarts reconnect from the stored
 * credentials without a new join.
 */
@Component(configurationPid = EdgeHubComponent.PID, service = EdgeHub.class, immediate = true)
@Designate(ocd = EdgeHubComponent.Cfg.class)
public class EdgeHubComponent implements EdgeHub {
    private volatile Path stateDir;
    static final String PID = "io.outpost.edge.hub";
    private static final Logger LOG = LoggerFactory.getLogger(EdgeHubComponent.class);

    @ObjectClassDefinition(name = "Outpost edge: hub", description = "How this gateway joins and reaches the cloud.")
    public @interface Cfg {
        @AttributeDefinition(description = "This gateway's node name; empty for the host name (lower-cased).")
        String nodeName() default "";

        @AttributeDefinition(description = "The cloud's address, host or host:port of its bootstrap endpoint, for the first join.")
        String cloudAddress() default "";

        @AttributeDefinition(description = "A join token from the cloud ('outpost:token create'), for the first join. Not needed once joined.",
                type = org.osgi.service.metatype.annotations.AttributeType.PASSWORD)
        String token() default "";

        @AttributeDefinition(description = "The cloud's hub port (WebSocket over mutual TLS).", min = "1", max = "65535")
        int hubPort() default 10000;

        @AttributeDefinition(description = "The cloud's bootstrap port (HTTPS), used when cloudAddress has no port.", min = "1", max = "65535")
        int bootstrapPort() default 10002;

        @AttributeDefinition(description = "Project id in the hub URL (KubeEdge's default).")
        String projectId() default EdgeHubCore.DEFAULT_PROJECT_ID;

        @AttributeDefinition(description = "Seconds between keepalives (KubeEdge's heartbeat).", min = "1")
        int keepaliveSeconds() default 15;

        @AttributeDefinition(description = "Keepalive periods without any frame from the cloud before the link is taken for half-open and replaced.", min = "2")
        int missedKeepalives() default 3;

        @AttributeDefinition(description = "Largest message accepted from the cloud, in bytes.", min = "1024")
        int maxFrameBytes() default 8 * 1024 * 1024;

        @AttributeDefinition(description = "First reconnect delay in milliseconds; it doubles up to maxBackoffSeconds, with jitter.", min = "10")
        int minBackoffMillis() default 500;

        @AttributeDefinition(description = "Largest reconnect delay in seconds.", min = "1")
        int maxBackoffSeconds() default 30;

        @AttributeDefinition(description = "Directory of the gateway's key, certificate and the joined cloud's CA; empty for <karaf.data>/outpost/hub.")
        String stateDir() default "";
    }

    private final HandlerRegistry handlers = new HandlerRegistry();
    private final List<LinkListener> listeners = new CopyOnWriteArrayList<>();
    private NioEventLoopGroup group;
    private EdgeHubCore core;
    private Cfg cfg;
    private volatile boolean stopped;

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void addHandler(MessageHandler h, Map<String, Object> props) {
        handlers.add(h, props);
    }

    void removeHandler(MessageHandler h) {
        handlers.remove(h);
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void addListener(LinkListener l) {
        listeners.add(l);
        if (core != null && core.status().state() == LinkStatus.State.CONNECTED) {
            l.linkUp(this);
        }
    }

    void removeListener(LinkListener l) {
        listeners.remove(l);
    }

    @Activate
    void activate(Cfg cfg) {
        this.cfg = cfg;
        String node = cfg.nodeName().isBlank() ? defaultNodeName() : cfg.nodeName().trim();
        String dir = cfg.stateDir().isBlank() ? System.getProperty("karaf.data", "data") + "/outpost/hub" : cfg.stateDir();
        stateDir = Path.of(dir);
        group = new NioEventLoopGroup(1);
        core = new EdgeHubCore(group, new EdgeHubCore.Config(node, cfg.projectId(), Path.of(dir), Duration.ofSeconds(cfg.keepaliveSeconds()),
                cfg.missedKeepalives(), cfg.maxFrameBytes(), Duration.ofMillis(cfg.minBackoffMillis()), Duration.ofSeconds(cfg.maxBackoffSeconds()), 0.8),
                handlers, new EdgeHubCore.Listener() {
                    @Override
                    public void linkUp() {
                        listeners.forEach(l -> l.linkUp(EdgeHubComponent.this));
                    }

                    @Override
                    public void linkDown(String reason) {
                        listeners.forEach(l -> l.linkDown(EdgeHubComponent.this, reason));
                    }
                });
        if (!core.start() && !cfg.cloudAddress().isBlank() && !cfg.token().isBlank()) {
            joinFromConfig(1);
        } else if (!core.joined()) {
            LOG.info("gateway {} has not joined a cloud: run 'outpost:join <cloud-address> <token>'", node);
        }
    }

    /** The first join from configuration, retried while the cloud is unreachable. */
    private void joinFromConfig(int attempt) {
        CompletableFuture.runAsync(() -> {
            if (stopped || core.joined()) {
                return;
            }
            try {
                join(cfg.cloudAddress(), cfg.token());
            } catch (LinkException e) {
                LOG.warn("join failed (attempt {}): {}", attempt, e.getMessage());
                if (!stopped) {
                    group.schedule(() -> joinFromConfig(attempt + 1), Math.min(30, 2L * attempt), TimeUnit.SECONDS);
                }
            }
        });
    }

    static String defaultNodeName() {
        String h;
        try {
            h = InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            h = System.getenv().getOrDefault("HOSTNAME", "gateway");
        }
        String n = h.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9.-]", "-").replaceAll("^[-.]+|[-.]+$", "");
        return n.isEmpty() ? "gateway" : n;
    }

    @Deactivate
    void deactivate() {
        stopped = true;
        core.close();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS);
    }

    @Override
    public String nodeName() {
        return core.nodeName();
    }

    @Override
    public LinkStatus status() {
        return core.status();
    }

    @Override
    public boolean send(Message message) {
        return core.send(message);
    }

    @Override
    public CompletionStage<Message> request(Message message, Duration timeout) {
        return core.request(message, timeout);
    }

    @Override
    public void join(String cloudAddress, String token) throws LinkException {
        String host = cloudAddress.trim();
        int port = cfg.bootstrapPort();
        if (host.startsWith("https://")) {
            host = host.substring("https://".length());
        }
        if (host.endsWith("/")) {
            host = host.substring(0, host.length() - 1);
        }
        int colon = host.lastIndexOf(':');
        if (colon > 0 && host.indexOf(':') == colon) {
            try {
                port = Integer.parseInt(host.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new LinkException("invalid port in cloud address '" + cloudAddress + "': use host or host:port");
            }
            host = host.substring(0, colon);
        }
        if (host.isEmpty()) {
            throw new LinkException("no cloud address given: use host or host:port of the cloud's bootstrap endpoint");
        }
        core.join(host, port, cfg.hubPort(), token);
    }

    @Override
    public Optional<SSLContext> cloudTls() {
        try {
            Optional<Credentials> c = Credentials.load(stateDir);
            return c.isEmpty() ? Optional.empty() : Optional.of(Tls.jdkClient(c.get().node(), c.get().ca()));
        } catch (java.io.IOException | java.security.GeneralSecurityException e) {
            LOG.warn("no TLS for HTTPS to the cloud: {}", e.getMessage());
            return Optional.empty();
        }
    }

    @Override
    public Optional<URI> cloudHttps() {
        try {
            return Credentials.load(stateDir).map(c -> URI.create("https://" + (c.cloudHost().contains(":") ? "[" + c.cloudHost() + "]" : c.cloudHost())
                    + ":" + c.bootstrapPort() + "/"));
        } catch (java.io.IOException e) {
            return Optional.empty();
        }
    }
}
