package io.outpost.edge.mesh.proxy;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.outpost.edge.mesh.lb.Balancer;
import io.outpost.edge.mesh.table.Backend;
import io.outpost.edge.mesh.table.MeshService;
import io.outpost.edge.mesh.table.ServicePort;
import io.outpost.edge.mesh.table.ServiceTable;
import io.outpost.mesh.tunnel.OpenRequest;
import io.outpost.mesh.tunnel.Splice;
import io.outpost.mesh.tunnel.Tunnel;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The mesh's L4 proxy: listens on {@code ClusterIP:port} for every Service port (TCP and UDP) that
 * has at least one ready backend, so a connection to a Service without endpoints is refused by the
 * kernel at once (TCP RST, ICMP port unreachable for UDP) instead of hanging. A new connection
 * goes to a backend chosen by the {@link Balancer}: a local pod is dialled directly, a pod on
 * another gateway through the {@link Tunnel}. A backend that fails to connect is skipped and the
 * next one tried (at most three). No OSGi.
 */
public final class Proxy implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Proxy.class);
    static final int CONNECT_TIMEOUT_MILLIS = 2000;
    static final int MAX_ATTEMPTS = 3;
    /** Datagrams queued per UDP flow while its backend connection opens. */
    static final int MAX_QUEUED_DATAGRAMS = 32;
    /** UDP flows kept per listener; more new flows are dropped until old ones idle out. */
    static final int MAX_UDP_FLOWS = 4096;

    private final EventLoopGroup group;
    private final String localNode;
    private final Supplier<ServiceTable> table;
    private final Balancer balancer;
    private final String defaultPolicy;
    private final Tunnel tunnel;
    private final Map<String, Channel> listeners = new HashMap<>();

    public Proxy(EventLoopGroup group, String localNode, Supplier<ServiceTable> table, Balancer balancer, String defaultPolicy,
            Tunnel tunnel) {
        this.group = group;
        this.localNode = localNode;
        this.table = table;
        this.balancer = balancer;
        this.defaultPolicy = defaultPolicy;
        this.tunnel = tunnel;
    }

    private static String key(String ip, int port, String proto) {
        return ip + ":" + port + "/" + proto;
    }

    /**
     * Opens the listeners the table needs and closes the others. A listener that cannot bind (the
     * address is not on this host yet) is logged and tried again at the next sync.
     */
    public synchronized void sync(ServiceTable t) {
        Map<String, ServicePort> wanted = new HashMap<>();
        Map<String, String> ips = new HashMap<>();
        for (MeshService s : t.services()) {
            if (s.clusterIp().isEmpty() || s.headless()) {
                continue;
            }
            for (ServicePort p : s.ports()) {
                if (!s.backends(p).isEmpty()) {
                    String k = key(s.clusterIp(), p.port(), p.protocol());
                    wanted.put(k, p);
                    ips.put(k, s.clusterIp());
                }
            }
        }
        for (var it = listeners.entrySet().iterator(); it.hasNext();) {
            var e = it.next();
            if (!wanted.containsKey(e.getKey())) {
                // Wait for the unbind: from now on the kernel refuses new connections itself.
                e.getValue().close().awaitUninterruptibly(2, TimeUnit.SECONDS);
                it.remove();
                LOG.info("no longer proxying {} (no ready endpoints, or the service is gone)", e.getKey());
            }
        }
        for (var e : wanted.entrySet()) {
            if (listeners.containsKey(e.getKey())) {
                continue;
            }
            InetSocketAddress bind = new InetSocketAddress(ips.get(e.getKey()), e.getValue().port());
            try {
                Channel ch = e.getValue().protocol().equals("TCP") ? bindTcp(bind) : bindUdp(bind);
                listeners.put(e.getKey(), ch);
                LOG.info("proxying {}", e.getKey());
            } catch (Exception ex) {
                LOG.warn("cannot listen on {}: {}; is the address on the mesh interface?", e.getKey(), ex.toString());
            }
        }
    }

    /** @return the listeners open now, e.g. {@code 10.96.0.10:80/TCP} */
    public synchronized Set<String> listening() {
        return new TreeSet<>(listeners.keySet());
    }

    private Channel bindTcp(InetSocketAddress bind) throws InterruptedException {
        return new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.AUTO_READ, false)
                .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                            @Override
                            public void channelActive(ChannelHandlerContext ctx) {
                                ctx.pipeline().remove(this);
                                acceptTcp(ctx.channel(), bind);
                            }
                        });
                    }
                }).bind(bind).sync().channel();
    }

    private void acceptTcp(Channel client, InetSocketAddress bind) {
        InetSocketAddress from = (InetSocketAddress) client.remoteAddress();
        connect(client.eventLoop(), bind, "TCP", from.getAddress().getHostAddress(), new ArrayList<>()).addListener(f -> {
            if (f.isSuccess()) {
                Splice.join(client, (Channel) f.getNow());
            } else {
                LOG.debug("{} from {}: {}", bind, from, f.cause().getMessage());
                reset(client);
            }
        });
    }

    /** Closes with RST (SO_LINGER 0): the client sees "connection reset", not a silent hang. */
    private static void reset(Channel client) {
        if (client instanceof io.netty.channel.socket.SocketChannel sc) {
            sc.config().setSoLinger(0);
        }
        client.close();
    }

    /** Picks a backend and connects to it, trying others when one fails. */
    private Future<Channel> connect(io.netty.channel.EventLoop loop, InetSocketAddress bind, String proto, String clientIp,
            List<Backend> failed) {
        Promise<Channel> promise = loop.newPromise();
        ServiceTable t = table.get();
        Optional<MeshService> svc = t.byClusterIp(bind.getAddress().getHostAddress());
        ServicePort port = svc.flatMap(s -> s.ports().stream()
                .filter(p -> p.port() == bind.getPort() && p.protocol().equals(proto)).findFirst()).orElse(null);
        if (port == null) {
            return promise.setFailure(new ConnectException("no service on " + bind + "/" + proto));
        }
        MeshService s = svc.get();
        List<Backend> candidates = new ArrayList<>(s.backends(port));
        candidates.removeAll(failed);
        Optional<Backend> b = balancer.pick(s.key() + ":" + port.port() + "/" + proto, s.balancer().isEmpty() ? defaultPolicy : s.balancer(),
                candidates, s.clientIpAffinity() ? clientIp : null, s.affinitySeconds());
        if (b.isEmpty()) {
            return promise.setFailure(new ConnectException("service " + s.key() + " port " + port.port() + "/" + proto + " has no ready endpoint"
                    + (failed.isEmpty() ? "" : " that answers (tried " + failed + ")")));
        }
        Backend backend = b.get();
        dial(loop, backend, proto).addListener(f -> {
            if (f.isSuccess()) {
                promise.setSuccess((Channel) f.getNow());
            } else if (failed.size() + 1 >= MAX_ATTEMPTS) {
                promise.setFailure(f.cause());
            } else {
                LOG.info("endpoint {} of {} failed ({}); trying another", backend, s.key(), f.cause().getMessage());
                failed.add(backend);
                connect(loop, bind, proto, clientIp, failed).addListener(g -> {
                    if (g.isSuccess()) {
                        promise.setSuccess((Channel) g.getNow());
                    } else {
                        promise.setFailure(g.cause());
                    }
                });
            }
        });
        return promise;
    }

    private Future<Channel> dial(io.netty.channel.EventLoop loop, Backend b, String proto) {
        if (!b.node().isEmpty() && !b.node().equals(localNode)) {
            return tunnel.open(new OpenRequest(proto, b.ip(), b.port(), b.node()), loop);
        }
        Promise<Channel> p = loop.newPromise();
        Bootstrap boot = new Bootstrap().group(loop).option(ChannelOption.AUTO_READ, false)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                    }
                });
        if (proto.equals("UDP")) {
            boot.channel(NioDatagramChannel.class);
        } else {
            boot.channel(NioSocketChannel.class).option(ChannelOption.CONNECT_TIMEOUT_MILLIS, CONNECT_TIMEOUT_MILLIS)
                    .option(ChannelOption.TCP_NODELAY, true).option(ChannelOption.ALLOW_HALF_CLOSURE, true);
        }
        boot.connect(new InetSocketAddress(b.ip(), b.port())).addListener((ChannelFuture f) -> {
            if (f.isSuccess()) {
                p.setSuccess(f.channel());
            } else {
                p.setFailure(new ConnectException("endpoint " + b + ": " + f.cause().getMessage()));
            }
        });
        return p;
    }

    private Channel bindUdp(InetSocketAddress bind) throws InterruptedException {
        // No SO_REUSEADDR: two UDP sockets on one address would split the flows between them.
        return new Bootstrap().group(group).channel(NioDatagramChannel.class)
                .option(ChannelOption.RCVBUF_ALLOCATOR, new io.netty.channel.FixedRecvByteBufAllocator(65536))
                .handler(new UdpListener(bind)).bind(bind).sync().channel();
    }

    /** One flow per client address; each flow has its own backend connection. Event loop thread only. */
    private final class UdpListener extends SimpleChannelInboundHandler<DatagramPacket> {
        private final InetSocketAddress bind;
        private final Map<InetSocketAddress, Flow> flows = new HashMap<>();

        UdpListener(InetSocketAddress bind) {
            super(false);
            this.bind = bind;
        }

        private final class Flow {
            Channel backend;
            final ArrayDeque<io.netty.buffer.ByteBuf> queue = new ArrayDeque<>();
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket p) {
            InetSocketAddress client = p.sender();
            Flow flow = flows.get(client);
            if (flow == null) {
                if (flows.size() >= MAX_UDP_FLOWS) {
                    p.release();
                    return;
                }
                Flow nf = new Flow();
                flows.put(client, nf);
                flow = nf;
                Channel listener = ctx.channel();
                connect(listener.eventLoop(), bind, "UDP", client.getAddress().getHostAddress(), new ArrayList<>()).addListener(f -> {
                    if (!f.isSuccess()) {
                        LOG.debug("UDP {} from {}: {}", bind, client, f.cause().getMessage());
                        flows.remove(client);
                        nf.queue.forEach(ReferenceCountUtil::release);
                        return;
                    }
                    Channel back = (Channel) f.getNow();
                    nf.backend = back;
                    // The backend's pipeline is changed on its own event loop (a tunnel stream may be on
                    // another one, and a read in progress would pass a handler not added yet).
                    Runnable setup = () -> {
                        back.pipeline().addLast(new IdleStateHandler(0, 0, Tunnel.UDP_IDLE_SECONDS, TimeUnit.SECONDS));
                        back.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                            @Override
                            public void channelRead(ChannelHandlerContext c, Object msg) {
                                io.netty.buffer.ByteBuf data = msg instanceof DatagramPacket d ? d.content() : (io.netty.buffer.ByteBuf) msg;
                                listener.writeAndFlush(new DatagramPacket(data, client));
                            }

                            @Override
                            public void userEventTriggered(ChannelHandlerContext c, Object evt) {
                                if (evt instanceof IdleStateEvent) {
                                    c.close();
                                }
                            }

                            @Override
                            public void channelInactive(ChannelHandlerContext c) {
                                listener.eventLoop().execute(() -> flows.remove(client, nf));
                            }

                            @Override
                            public void exceptionCaught(ChannelHandlerContext c, Throwable cause) {
                                c.close();
                            }
                        });
                        Splice.deliver(back);
                        back.config().setAutoRead(true);
                        back.read();
                    };
                    if (back.eventLoop().inEventLoop()) {
                        setup.run();
                    } else {
                        back.eventLoop().execute(setup);
                    }
                    while (!nf.queue.isEmpty()) {
                        back.write(nf.queue.poll());
                    }
                    back.flush();
                });
            }
            if (flows.get(client) != flow) {
                p.release(); // the flow failed at once
            } else if (flow.backend != null) {
                flow.backend.writeAndFlush(p.content());
            } else if (flow.queue.size() < MAX_QUEUED_DATAGRAMS) {
                flow.queue.add(p.content());
            } else {
                p.release();
            }
        }
    }

    @Override
    public synchronized void close() {
        listeners.values().forEach(Channel::close);
        listeners.clear();
    }
}
