package io.outpost.edge.mesh;

import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.SslContext;
import io.outpost.edge.mesh.dns.ClusterResolver;
import io.outpost.edge.mesh.dns.DnsServer;
import io.outpost.edge.mesh.host.MeshInterface;
import io.outpost.edge.mesh.lb.Balancer;
import io.outpost.edge.mesh.proxy.Proxy;
import io.outpost.edge.mesh.table.MeshService;
import io.outpost.edge.mesh.table.ServiceTable;
import io.outpost.mesh.tunnel.Tunnel;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One gateway's mesh, assembled from its parts: the table, the mesh interface, the DNS server, the
 * proxy and the tunnel. {@link #update} installs a new table (addresses first, then listeners).
 * No OSGi: the DS component and the integration tests build it the same way.
 */
public final class MeshCore implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MeshCore.class);

    /**
     * @param node this gateway's node name
     * @param dns where the DNS server listens (its address is put on the interface too), null for none
     * @param clusterDomain e.g. cluster.local
     * @param upstream where names outside the cluster go, null to refuse them
     * @param meshInterface the interface holding the addresses, null to leave the host alone (tests)
     * @param tunnelBind where the tunnel listens, null for no tunnel server
     * @param tunnelPort the port of other gateways' tunnels, when the cloud names only their address
     * @param peerOverrides node → host:port, before what the cloud says
     * @param balancer the default balancer, round-robin or random
     * @param ttl DNS TTL in seconds
     */
    public record Settings(String node, InetSocketAddress dns, String clusterDomain, InetSocketAddress upstream,
            MeshInterface meshInterface, InetSocketAddress tunnelBind, int tunnelPort, Map<String, InetSocketAddress> peerOverrides,
            String balancer, int ttl) {
    }

    private final Settings settings;
    private final EventLoopGroup group;
    private volatile ServiceTable table = ServiceTable.empty();
    private final Tunnel tunnel;
    private final Proxy proxy;
    private DnsServer dns;
    private InetSocketAddress tunnelAddress;

    /**
     * @param serverTls the tunnel server's TLS, null when this gateway has no certificate yet
     * @param clientTls the tunnel client's TLS, null likewise
     */
    public MeshCore(Settings settings, EventLoopGroup group, SslContext serverTls, SslContext clientTls) {
        this.settings = settings;
        this.group = group;
        this.tunnel = serverTls == null ? null
                : new Tunnel(group, settings.node(), serverTls, clientTls,
                        (ip, port, proto) -> table.isBackend(ip, port, proto, settings.node()), this::peer);
        this.proxy = new Proxy(group, settings.node(), () -> table, new Balancer(Clock.systemUTC()), settings.balancer(),
                tunnel != null ? tunnel : new Tunnel(group, settings.node(), null, null, (ip, port, proto) -> false, n -> Optional.empty()));
    }

    public void start() throws IOException, InterruptedException {
        if (settings.meshInterface() != null) {
            settings.meshInterface().create();
            settings.meshInterface().sync(addresses(table));
        }
        if (settings.dns() != null) {
            dns = new DnsServer(group, settings.dns(), new ClusterResolver(settings.clusterDomain(), () -> table), settings.upstream(),
                    settings.ttl());
            dns.start();
        }
        if (tunnel != null && settings.tunnelBind() != null) {
            tunnelAddress = tunnel.listen(settings.tunnelBind());
        }
    }

    private Optional<InetSocketAddress> peer(String node) {
        InetSocketAddress o = settings.peerOverrides().get(node);
        if (o != null) {
            return Optional.of(o);
        }
        return table.nodeAddress(node).map(a -> {
            int colon = a.lastIndexOf(':');
            return colon > 0 && a.indexOf(':') == colon
                    ? new InetSocketAddress(a.substring(0, colon), Integer.parseInt(a.substring(colon + 1)))
                    : new InetSocketAddress(a, settings.tunnelPort());
        });
    }

    private Set<String> addresses(ServiceTable t) {
        Set<String> out = new TreeSet<>();
        if (settings.dns() != null) {
            out.add(settings.dns().getAddress().getHostAddress());
        }
        for (MeshService s : t.services()) {
            if (!s.clusterIp().isEmpty() && !s.headless() && s.clusterIp().matches("(\\d{1,3}\\.){3}\\d{1,3}")) {
                out.add(s.clusterIp());
            }
        }
        return out;
    }

    /** Installs a new table: ClusterIPs onto the interface, then the proxy's listeners. */
    public synchronized void update(ServiceTable t) {
        table = t;
        if (settings.meshInterface() != null) {
            try {
                settings.meshInterface().sync(addresses(t));
            } catch (IOException | RuntimeException e) {
                LOG.warn("mesh interface {}: {}", settings.meshInterface().name(), e.getMessage());
            }
        }
        proxy.sync(t);
    }

    /** Where to relay streams to gateways that cannot be dialled directly, or null. */
    public void useRelay(InetSocketAddress relay) {
        if (tunnel != null) {
            tunnel.useRelay(relay);
        }
    }

    /** Answers a call of the relay: dials it and serves the stream it hands over. */
    public void answerRelay(InetSocketAddress relay, String sessionId) {
        if (tunnel == null) {
            LOG.warn("relay call {} not answered: this gateway has no tunnel (not joined)", sessionId);
            return;
        }
        tunnel.answerRelay(relay, sessionId, group.next());
    }

    public ServiceTable table() {
        return table;
    }

    public Set<String> listening() {
        return proxy.listening();
    }

    public InetSocketAddress dnsUdpAddress() {
        return dns.udpAddress();
    }

    public InetSocketAddress dnsTcpAddress() {
        return dns.tcpAddress();
    }

    /** @return the tunnel connections open now (one per peer gateway and direction), 0 without a tunnel */
    public int tunnelConnections() {
        return tunnel == null ? 0 : tunnel.connections();
    }

    /** @return where the tunnel listens, or null */
    public InetSocketAddress tunnelAddress() {
        return tunnelAddress;
    }

    @Override
    public synchronized void close() {
        proxy.close();
        if (dns != null) {
            dns.close();
        }
        if (tunnel != null) {
            tunnel.close();
        }
        if (settings.meshInterface() != null) {
            try {
                settings.meshInterface().remove();
            } catch (IOException e) {
                LOG.warn("could not remove the mesh interface {}: {}; remove it with 'ip link del {}'", settings.meshInterface().name(),
                        e.getMessage(), settings.meshInterface().name());
            }
        }
    }
}
