package io.outpost.edge.mesh;

import com.fasterxml.jackson.databind.node.TextNode;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.handler.ssl.SslContext;
import io.outpost.edge.mesh.host.MeshInterface;
import io.outpost.mesh.tunnel.TunnelTls;
import io.outpost.hub.api.EdgeHub;
import io.outpost.hub.api.Groups;
import io.outpost.hub.api.LinkListener;
import io.outpost.hub.api.Message;
import io.outpost.hub.api.MessageContext;
import io.outpost.hub.api.MessageHandler;
import io.outpost.hub.api.Modules;
import io.outpost.hub.api.Operations;
import io.outpost.link.hub.Credentials;
import io.outpost.meta.api.MetaStore;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wires the {@link MeshCore} into the gateway: takes {@code <ns>/service/<name>},
 * {@code <ns>/endpointslice/<name>} and {@code _/meshlist} from the link (stored, then
 * acknowledged), rebuilds the table, and asks the cloud for everything again when the link comes up
 * (this bundle may start after the cloud's resend on connect). The tunnel uses the certificate the
 * edge hub keeps in its state directory, read again at every link-up (renewals).
 */
@Component(service = {MessageHandler.class, LinkListener.class}, immediate = true, configurationPid = MeshComponent.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL,
        property = {MessageHandler.GROUP + "=" + Groups.RESOURCE, MessageHandler.GROUP + "=" + Groups.MESH,
                MessageHandler.RESOURCE_TYPE + "=" + MeshComponent.RELAY_CALL, MessageHandler.RESOURCE_TYPE + "=" + MeshStore.SERVICE,
                MessageHandler.RESOURCE_TYPE + "=" + MeshStore.ENDPOINT_SLICE, MessageHandler.RESOURCE_TYPE + "=" + MeshStore.MESH_LIST})
@Designate(ocd = MeshComponent.Cfg.class)
public class MeshComponent implements MessageHandler, LinkListener {
    static final String PID = "io.outpost.edge.mesh";
    /** Group mesh, {@code _/relaycall/<session>}: the cloud's relay asks this gateway to dial it. */
    static final String RELAY_CALL = "relaycall";
    private static final Logger LOG = LoggerFactory.getLogger(MeshComponent.class);

    @ObjectClassDefinition(name = "Outpost edge: mesh", description = "Cluster DNS, the Service proxy and the tunnel between gateways.")
    public @interface Cfg {
        @AttributeDefinition(description = "Dummy interface the mesh creates for the DNS address and the ClusterIPs (removed when the mesh stops); empty: manage no interface (the addresses must be local already).")
        String interfaceName() default "outpost-mesh0";

        @AttributeDefinition(description = "Address of the DNS server; pods get it as their nameserver (edge pod manager's clusterDns). EdgeMesh's link-local default.")
        String dnsAddress() default "169.254.96.16";

        @AttributeDefinition(description = "DNS port (UDP and TCP).")
        int dnsPort() default 53;

        @AttributeDefinition(description = "The cluster's DNS domain.")
        String clusterDomain() default "cluster.local";

        @AttributeDefinition(description = "Names outside the cluster: 'forward' to the upstream resolver, or 'refuse'.", options = {
                @org.osgi.service.metatype.annotations.Option(value = "forward", label = "forward"),
                @org.osgi.service.metatype.annotations.Option(value = "refuse", label = "refuse")})
        String outsideNames() default "forward";

        @AttributeDefinition(description = "Upstream resolver host[:port]; empty: the first nameserver in /etc/resolv.conf.")
        String upstream() default "";

        @AttributeDefinition(description = "TTL of the cluster's DNS answers, seconds.")
        int ttlSeconds() default 5;

        @AttributeDefinition(description = "Default load balancing: round-robin or random (a Service may choose with the annotation mesh.outpost.io/lb).")
        String balancer() default "round-robin";

        @AttributeDefinition(description = "Address the tunnel listens on.")
        String tunnelBind() default "0.0.0.0";

        @AttributeDefinition(description = "Tunnel port, here and on the other gateways.")
        int tunnelPort() default 10006;

        @AttributeDefinition(description = "Tunnel addresses of other gateways, node=host:port, before the node addresses the cloud sends.")
        String[] peers() default {};

        @AttributeDefinition(description = "Port of the cloud's relay (on the cloud's host), for gateways that cannot be dialled directly; 0: no relay.")
        int relayPort() default 10007;

        @AttributeDefinition(description = "The edge hub's state directory (key, certificate, CA); empty: <karaf.data>/outpost/hub.")
        String hubStateDir() default "";
    }

    @Reference
    private MetaStore metaStore;

    private MeshStore store;
    private Cfg cfg;
    private NioEventLoopGroup group;
    private volatile MeshCore core;
    private volatile boolean withTls;
    private volatile InetSocketAddress relayAddress;
    private ScheduledExecutorService worker;

    @Activate
    void activate(Cfg cfg) {
        this.cfg = cfg;
        this.store = new MeshStore(metaStore);
        // One event loop thread: DNS, proxy and tunnel are all non-blocking and light.
        group = new NioEventLoopGroup(1, (java.util.concurrent.ThreadFactory) r -> new Thread(r, "outpost-mesh"));
        // One thread for what blocks: ip(8) commands, binding, rebuilding the table from SQLite.
        worker = Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "outpost-mesh-sync"));
        worker.execute(() -> restart(currentNode));
    }

    /** (Re)builds the core, e.g. when credentials appeared after a join. */
    private synchronized void restart(String node) {
        MeshCore old = core;
        if (old != null) {
            old.close();
        }
        SslContext server = null;
        SslContext client = null;
        InetSocketAddress relay = null;
        Path dir = Path.of(cfg.hubStateDir().isBlank() ? System.getProperty("karaf.data", "data") + "/outpost/hub" : cfg.hubStateDir());
        try {
            var creds = Credentials.load(dir);
            if (creds.isPresent()) {
                server = TunnelTls.server(creds.get().node(), creds.get().ca());
                client = TunnelTls.client(creds.get().node(), creds.get().ca());
                if (cfg.relayPort() > 0) {
                    relay = InetSocketAddress.createUnresolved(creds.get().cloudHost(), cfg.relayPort());
                }
            }
        } catch (Exception e) {
            LOG.warn("mesh tunnel off: the gateway's credentials in {} cannot be used: {}", dir, e.getMessage());
        }
        withTls = server != null;
        Map<String, InetSocketAddress> peers = new HashMap<>();
        for (String p : cfg.peers()) {
            String[] kv = p.split("=", 2);
            if (kv.length == 2 && kv[1].contains(":")) {
                String h = kv[1].substring(0, kv[1].lastIndexOf(':'));
                peers.put(kv[0].trim(), new InetSocketAddress(h, Integer.parseInt(kv[1].substring(kv[1].lastIndexOf(':') + 1))));
            } else {
                LOG.warn("peer '{}' ignored: write node=host:port", p);
            }
        }
        InetSocketAddress upstream = "refuse".equals(cfg.outsideNames()) ? null : upstream(cfg.upstream(), cfg.dnsAddress());
        MeshInterface iface = cfg.interfaceName().isBlank() ? null : new MeshInterface(List.of(), cfg.interfaceName());
        MeshCore c = new MeshCore(new MeshCore.Settings(node, new InetSocketAddress(cfg.dnsAddress(), cfg.dnsPort()), cfg.clusterDomain(),
                upstream, iface, server == null ? null : new InetSocketAddress(cfg.tunnelBind(), cfg.tunnelPort()), cfg.tunnelPort(), peers,
                cfg.balancer(), cfg.ttlSeconds()), group, server, client);
        try {
            c.start();
            if (relay != null) {
                c.useRelay(new InetSocketAddress(relay.getHostString(), relay.getPort()));
            }
            relayAddress = relay;
            core = c;
            c.update(store.table());
            LOG.info("mesh up: DNS {}:{}, interface {}, tunnel {}", cfg.dnsAddress(), cfg.dnsPort(), cfg.interfaceName(),
                    server == null ? "off (not joined yet)" : cfg.tunnelBind() + ":" + cfg.tunnelPort());
        } catch (Exception e) {
            LOG.error("mesh could not start: {}", e.getMessage());
            c.close();
            core = null;
        }
    }

    /** The upstream resolver: configured, else the first nameserver in /etc/resolv.conf that is not the mesh itself. */
    static InetSocketAddress upstream(String configured, String self) {
        if (!configured.isBlank()) {
            int i = configured.lastIndexOf(':');
            return i > 0 && configured.indexOf(':') == i
                    ? new InetSocketAddress(configured.substring(0, i), Integer.parseInt(configured.substring(i + 1)))
                    : new InetSocketAddress(configured, 53);
        }
        try {
            for (String line : Files.readAllLines(Path.of("/etc/resolv.conf"))) {
                String[] f = line.trim().split("\\s+");
                if (f.length >= 2 && f[0].equals("nameserver") && !f[1].equals(self)) {
                    return new InetSocketAddress(f[1], 53);
                }
            }
        } catch (java.io.IOException e) {
            LOG.warn("no upstream resolver: /etc/resolv.conf unreadable ({}); names outside the cluster are refused", e.getMessage());
        }
        return null;
    }

    @Deactivate
    void deactivate() {
        worker.shutdownNow();
        try {
            worker.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        MeshCore c = core;
        if (c != null) {
            c.close(); // removes the interface with every address: nothing of the mesh stays on the host
        }
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS);
    }

    @Override
    public void handle(MessageContext ctx, Message m) {
        if (Groups.MESH.equals(m.group())) {
            relayCall(m);
            return;
        }
        if (store.accept(m)) {
            worker.execute(this::refresh);
        }
        if (!m.isResponse() && !Operations.RESPONSE.equals(m.operation())) {
            ctx.reply(m.response(TextNode.valueOf("OK")));
        }
    }

    @Override
    public void linkUp(EdgeHub hub) {
        // The node name and, after a join, the certificate are known now; the tunnel needs both.
        MeshCore c = core;
        if (c == null || !withTls || !hub.nodeName().equals(currentNode)) {
            currentNode = hub.nodeName();
            worker.execute(() -> restart(currentNode));
        }
        hub.send(Message.builder().source(Modules.EDGED).group(Groups.RESOURCE).operation(Operations.QUERY)
                .resource("_/" + MeshStore.MESH_LIST).build());
    }

    private volatile String currentNode = "";

    private void relayCall(Message m) {
        io.outpost.hub.api.Resource r = io.outpost.hub.api.Resource.parse(m.resource());
        if (!RELAY_CALL.equals(r.type()) || !r.name().matches("[0-9a-f-]{1,64}")) {
            throw new IllegalArgumentException("the mesh group takes _/relaycall/<session>, not '" + m.resource() + "'");
        }
        MeshCore c = core;
        InetSocketAddress relay = relayAddress;
        if (c == null || relay == null) {
            throw new IllegalStateException("relay call " + r.name() + " not answered: no tunnel or no relay configured");
        }
        // Connecting resolves the cloud's host name: off the link thread.
        worker.execute(() -> c.answerRelay(new InetSocketAddress(relay.getHostString(), relay.getPort()), r.name()));
    }

    private void refresh() {
        MeshCore c = core;
        if (c != null) {
            try {
                c.update(store.table());
            } catch (RuntimeException e) {
                LOG.warn("mesh table not updated: {}", e.toString());
            }
        }
    }
}
