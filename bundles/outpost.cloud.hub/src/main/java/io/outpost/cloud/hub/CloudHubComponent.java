package io.outpost.cloud.hub;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.handler.ssl.ClientAuth;
import io.outpost.hub.api.CloudHttpRoute;
import io.outpost.hub.api.CloudHub;
import io.outpost.hub.api.JoinTokens;
import io.outpost.hub.api.LinkException;
import io.outpost.hub.api.Message;
import io.outpost.hub.api.MessageHandler;
import io.outpost.hub.api.NodeSession;
import io.outpost.hub.api.NodeSessionListener;
import io.outpost.hub.api.delivery.ReliableDelivery;
import io.outpost.link.delivery.AckRecord;
import io.outpost.link.delivery.DeliveryQueues;
import io.outpost.link.hub.BootstrapService;
import io.outpost.link.hub.CloudHubCore;
import io.outpost.link.hub.Dispatcher;
import io.outpost.link.hub.HandlerRegistry;
import io.outpost.link.pki.CertifiedKey;
import io.outpost.link.pki.Pki;
import io.outpost.link.transport.HttpsServer;
import io.outpost.link.transport.Tls;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
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
 * The cloud hub: serves the certificate bootstrap and the gateways' WebSocket link, and routes
 * what gateways send to {@link MessageHandler} services. It registers {@link CloudHub} and
 * {@link JoinTokens} once its CA is loaded from (or created in) the Kubernetes API; until the
 * API answers it retries every few seconds.
 */
@Component(configurationPid = CloudHubComponent.PID, immediate = true, service = {})
@Designate(ocd = CloudHubComponent.Cfg.class)
public class CloudHubComponent {
    static final String PID = "io.outpost.cloud.hub";
    private static final Logger LOG = LoggerFactory.getLogger(CloudHubComponent.class);

    @ObjectClassDefinition(name = "Outpost cloud: hub", description = "The endpoint gateways join and connect to.")
    public @interface Cfg {
        @AttributeDefinition(description = "Address to listen on.")
        String bindAddress() default "0.0.0.0";

        @AttributeDefinition(description = "Port of the gateways' WebSocket link (mutual TLS).", min = "1", max = "65535")
        int hubPort() default 10000;

        @AttributeDefinition(description = "Port of the HTTPS certificate bootstrap (/ca.crt, /edge.crt).", min = "1", max = "65535")
        int bootstrapPort() default 10002;

        @AttributeDefinition(description = "Names and IP addresses gateways use to reach the cloud; they go into the hub's certificate. "
                + "localhost, the host name and the host's addresses are always included.")
        String[] advertiseAddress() default {};

        @AttributeDefinition(description = "Namespace where the CA, the token key and the join tokens are stored as Secrets.")
        String namespace() default "outpost-system";

        @AttributeDefinition(description = "A gateway that sends nothing for this many seconds is disconnected (it sends a keepalive every 15 s).", min = "5")
        int keepaliveTimeoutSeconds() default 45;

        @AttributeDefinition(description = "Largest message accepted from a gateway, in bytes.", min = "1024")
        int maxFrameBytes() default 8 * 1024 * 1024;

        @AttributeDefinition(description = "Validity of the certificates issued to gateways, in days; gateways renew them at 80% of it.", min = "1")
        int nodeCertValidityDays() default 365;

        @AttributeDefinition(description = "Most gateways this replica holds at once; more are refused and retry (with back-off) until one leaves or another replica takes them.", min = "1")
        int maxSessions() default 20000;

        @AttributeDefinition(description = "I/O threads of the hub (0: twice the number of cores).", min = "0")
        int ioThreads() default 0;

        @AttributeDefinition(description = "Reliable delivery: seconds to wait for a gateway's ACK before the first resend; doubled per attempt.", min = "1")
        int ackTimeoutSeconds() default 5;

        @AttributeDefinition(description = "Reliable delivery: the longest wait between resends, in seconds.", min = "1")
        int maxResendBackoffSeconds() default 60;

        @AttributeDefinition(description = "Reliable delivery: most messages per gateway awaiting an ACK at once.", min = "1")
        int deliveryWindow() default 64;

        @AttributeDefinition(description = "Reliable delivery: record what each gateway acknowledged as ObjectSync resources "
                + "(reliablesyncs.kubeedge.io), so a restart of the cloud neither resends everything nor loses deletes.")
        boolean objectSyncs() default true;
    }

    private final HandlerRegistry handlers = new HandlerRegistry();
    private final List<NodeSessionListener> listeners = new CopyOnWriteArrayList<>();
    private NioEventLoopGroup group;
    private volatile CloudHubCore core;
    private volatile HttpsServer bootstrap;
    private volatile boolean stopped;
    private final List<ServiceRegistration<?>> registrations = new ArrayList<>();
    /**
     * Reliable delivery's resend timers and its ObjectSync writes (blocking API calls, kept off
     * the I/O threads); two threads so a slow API server never delays resends.
     */
    private ScheduledThreadPoolExecutor scheduler;
    private volatile DeliveryQueues queues;
    private volatile ObjectSyncs objectSyncs;

    @Reference
    private KubernetesClient kube;

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void addHandler(MessageHandler h, Map<String, Object> props) {
        handlers.add(h, props);
    }

    void removeHandler(MessageHandler h) {
        handlers.remove(h);
    }

    /** Path prefix → route; served on the bootstrap port after the bootstrap's own paths. */
    private final Map<String, CloudHttpRoute> routes = new java.util.concurrent.ConcurrentHashMap<>();

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void addRoute(CloudHttpRoute r, Map<String, Object> props) {
        Object p = props.get(CloudHttpRoute.PATH);
        if (p instanceof String prefix && prefix.startsWith("/") && prefix.endsWith("/") && prefix.length() > 2) {
            routes.put(prefix, r);
        } else {
            LOG.warn("HTTP route {} ignored: its property {} must be a path prefix like /artifacts/", r, CloudHttpRoute.PATH);
        }
    }

    void removeRoute(CloudHttpRoute r) {
        routes.values().removeIf(x -> x == r);
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void addListener(NodeSessionListener l) {
        listeners.add(l);
    }

    void removeListener(NodeSessionListener l) {
        listeners.remove(l);
    }

    @Activate
    void activate(BundleContext bc, Cfg cfg) {
        group = new NioEventLoopGroup(cfg.ioThreads());
        scheduler = new ScheduledThreadPoolExecutor(2, r -> {
            Thread t = new Thread(r, "outpost-cloud-delivery");
            t.setDaemon(true);
            return t;
        });
        scheduler.setRemoveOnCancelPolicy(true);
        tryStart(bc, cfg, 1);
    }

    private void tryStart(BundleContext bc, Cfg cfg, int attempt) {
        // Blocking calls to the Kubernetes API: off the activation thread and off I/O threads.
        CompletableFuture.runAsync(() -> {
            try {
                start(bc, cfg);
            } catch (Exception e) {
                if (stopped) {
                    return;
                }
                LOG.warn("cloud hub not started yet (attempt {}): {}; retrying in 5 s", attempt, e.getMessage());
                group.schedule(() -> tryStart(bc, cfg, attempt + 1), 5, TimeUnit.SECONDS);
            }
        });
    }

    private synchronized void start(BundleContext bc, Cfg cfg) throws Exception {
        if (stopped) {
            return;
        }
        CloudSecrets secrets = new CloudSecrets(kube, cfg.namespace());
        secrets.init(Duration.ofDays(3650));
        CertifiedKey ca = secrets.ca();
        CertifiedKey server = Pki.issueServer(ca, "outpost-cloudhub", sans(cfg.advertiseAddress()), Duration.ofDays(365));
        InetAddress bind = InetAddress.getByName(cfg.bindAddress());
        bootstrap = HttpsServer.bind(group, new InetSocketAddress(bind, cfg.bootstrapPort()),
                Tls.server(server, ca.certificate(), ClientAuth.OPTIONAL), 1024 * 1024, CompletableFuture::runAsync,
                withRoutes(new BootstrapService(ca, secrets::check, Duration.ofDays(cfg.nodeCertValidityDays()))));
        AckRecord record = AckRecord.NONE;
        List<ObjectSyncs.Synced> restored = List.of();
        if (cfg.objectSyncs()) {
            ObjectSyncs os = new ObjectSyncs(kube, scheduler);
            try {
                os.installCrd();
                restored = os.list();
                record = os;
                objectSyncs = os;
            } catch (RuntimeException e) {
                LOG.warn("ObjectSync records unavailable ({}); acknowledged versions are kept in memory only", e.getMessage());
            }
        }
        DeliveryQueues q = new DeliveryQueues(scheduler, (node, m) -> core != null && core.send(node, m), record,
                new DeliveryQueues.Settings(Duration.ofSeconds(cfg.ackTimeoutSeconds()), Duration.ofSeconds(cfg.maxResendBackoffSeconds()),
                        cfg.deliveryWindow(), 100_000));
        restored.forEach(r -> q.restore(r.node(), r.ref().uid(), r.ref().resourceVersion()));
        queues = q;
        if (!restored.isEmpty()) {
            LOG.info("restored {} acknowledged objects from ObjectSync records", restored.size());
        }
        // A gateway's ACK of a queued message ends there; everything else goes to the handlers.
        Dispatcher dispatcher = (ctx, m) -> m.isResponse() && q.answered(ctx.nodeName(), m) || handlers.dispatch(ctx, m);
        core = new CloudHubCore(group, new CloudHubCore.Config(new InetSocketAddress(bind, cfg.hubPort()), cfg.maxFrameBytes(),
                Duration.ofSeconds(cfg.keepaliveTimeoutSeconds()), cfg.maxSessions()), Tls.server(server, ca.certificate(), ClientAuth.REQUIRE), dispatcher,
                new CloudHubCore.SessionListener() {
                    @Override
                    public void connected(NodeSession s) {
                        q.connected(s.nodeName());
                        listeners.forEach(l -> l.connected(s));
                        // After the controllers' resync: what the node has acknowledged is not among these.
                        LOG.info("node {}: {} objects to deliver after its resync", s.nodeName(), q.pending(s.nodeName()));
                    }

                    @Override
                    public void disconnected(NodeSession s, String reason) {
                        q.disconnected(s.nodeName());
                        listeners.forEach(l -> l.disconnected(s, reason));
                    }
                });
        if (objectSyncs != null) {
            scheduler.scheduleWithFixedDelay(this::collectGarbage, 0, 10, TimeUnit.MINUTES);
        }
        LOG.info("cloud hub listening: link on {}, bootstrap on {}; CA hash {}", core.address(), bootstrap.address(), Pki.caHash(ca.certificate()));
        registrations.add(bc.registerService(JoinTokens.class, secrets, null));
        registrations.add(bc.registerService(CloudHub.class, new CloudHub() {
            @Override
            public boolean send(String nodeName, Message message) {
                return core.send(nodeName, message);
            }

            @Override
            public Collection<NodeSession> sessions() {
                return core.sessions();
            }

            @Override
            public Optional<NodeSession> session(String nodeName) {
                return core.session(nodeName);
            }
        }, null));
        registrations.add(bc.registerService(ReliableDelivery.class, new ReliableDelivery() {
            @Override
            public boolean enqueue(String nodeName, Message message) {
                return q.enqueue(nodeName, message);
            }

            @Override
            public int pending(String nodeName) {
                return q.pending(nodeName);
            }

            @Override
            public void forget(String nodeName) {
                forgetNode(nodeName);
            }
        }, null));
    }

    /**
     * KubeEdge's sync controller pass, at start and every 10 minutes: an object that has an
     * ObjectSync but no longer exists (deleted while this cloud was down) gets a delete sent to
     * its node, whose ACK removes the record; records of deleted nodes are removed.
     */
    private void collectGarbage() {
        ObjectSyncs os = objectSyncs;
        DeliveryQueues q = queues;
        if (os == null || q == null || stopped) {
            return;
        }
        try {
            Map<String, List<ObjectSyncs.Synced>> stale = os.stale(os.list());
            for (ObjectSyncs.Synced s : stale.get("objects")) {
                LOG.info("{} {}/{} is gone but node {} acknowledged it: sending the delete", s.ref().kind(), s.ref().namespace(),
                        s.ref().name(), s.node());
                q.enqueue(s.node(), ObjectSyncs.deleteFor(s.ref()));
            }
            Set<String> goneNodes = new java.util.HashSet<>();
            for (ObjectSyncs.Synced s : stale.get("nodes")) {
                goneNodes.add(s.node());
                os.remove(s.node(), s.ref());
            }
            goneNodes.forEach(q::forget);
        } catch (RuntimeException e) {
            LOG.warn("ObjectSync pass failed: {}; next in 10 minutes", e.getMessage());
        }
    }

    private void forgetNode(String node) {
        DeliveryQueues q = queues;
        ObjectSyncs os = objectSyncs;
        if (q == null) {
            return;
        }
        if (os != null) {
            scheduler.execute(() -> {
                try {
                    os.list().stream().filter(s -> s.node().equals(node)).forEach(s -> os.remove(node, s.ref()));
                } catch (RuntimeException e) {
                    LOG.warn("ObjectSyncs of node {} not removed: {}", node, e.getMessage());
                }
            });
        }
        q.forget(node);
    }

    /**
     * The bootstrap, then the registered routes by longest prefix. The TLS layer has verified a
     * presented client certificate against the CA; the route gets the node it names.
     */
    private java.util.function.Function<HttpsServer.Request, HttpsServer.Response> withRoutes(BootstrapService bootstrapService) {
        return req -> {
            String prefix = routes.keySet().stream().filter(req.path()::startsWith).max(java.util.Comparator.comparingInt(String::length)).orElse(null);
            CloudHttpRoute route = prefix == null ? null : routes.get(prefix);
            if (route == null) {
                return bootstrapService.apply(req);
            }
            String node = req.clientCertificate() == null ? null : Pki.nodeNameOf(req.clientCertificate());
            CloudHttpRoute.Response r = route.handle(new CloudHttpRoute.Request(req.method(), req.path(), req.headers(), node));
            return new HttpsServer.Response(r.status(), r.contentType(), r.headers(), r.body());
        };
    }

    /** Names for the hub's certificate: configured ones, then localhost, the host name and every local address. */
    static List<String> sans(String[] advertised) {
        Set<String> names = new LinkedHashSet<>();
        for (String a : advertised) {
            if (!a.isBlank()) {
                names.add(a.trim());
            }
        }
        names.add("localhost");
        names.add("127.0.0.1");
        try {
            names.add(InetAddress.getLocalHost().getHostName());
        } catch (java.io.IOException e) {
            // no resolvable host name
        }
        try {
            for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                for (InetAddress a : Collections.list(ni.getInetAddresses())) {
                    if (!a.isLinkLocalAddress()) {
                        String h = a.getHostAddress();
                        int pct = h.indexOf('%');
                        names.add(pct < 0 ? h : h.substring(0, pct));
                    }
                }
            }
        } catch (java.io.IOException e) {
            // interfaces unknown: the configured names must do
        }
        return List.copyOf(names);
    }

    @Deactivate
    synchronized void deactivate() {
        stopped = true;
        registrations.forEach(ServiceRegistration::unregister);
        registrations.clear();
        if (core != null) {
            core.close();
        }
        if (bootstrap != null) {
            bootstrap.close();
        }
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS);
        scheduler.shutdownNow();
    }

}
