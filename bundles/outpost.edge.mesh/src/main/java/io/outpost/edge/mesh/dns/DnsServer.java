package io.outpost.edge.mesh.dns;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.LengthFieldPrepender;
import io.netty.handler.timeout.ReadTimeoutHandler;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The mesh's DNS server, on UDP and TCP (RFC 1035 §4.2, TCP with a two-byte length prefix). The
 * cluster's names come from a {@link ClusterResolver}; other names are forwarded to one upstream
 * resolver over UDP, or refused when there is none. Queries over {@link DnsMessage#MAX_QUERY_BYTES}
 * are dropped (UDP) or close the connection (TCP); at most {@link #MAX_PENDING} forwarded queries
 * wait at once, more are answered SERVFAIL. All state lives on the one event loop of the upstream
 * channel, so no locks.
 */
public final class DnsServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DnsServer.class);
    public static final int MAX_PENDING = 1024;
    static final long UPSTREAM_TIMEOUT_MILLIS = 3000;

    private final EventLoopGroup group;
    private final InetSocketAddress bind;
    private final ClusterResolver resolver;
    private final InetSocketAddress upstream;
    private final int ttl;
    private Channel udp;
    private Channel tcp;
    private Channel upstreamChannel;
    /** New query id → where its answer goes; touched only on {@link #upstreamChannel}'s event loop. */
    private final Map<Integer, Pending> pending = new HashMap<>();

    private record Pending(int originalId, Consumer<byte[]> reply, io.netty.util.concurrent.ScheduledFuture<?> timeout) {
    }

    /**
     * @param upstream where names outside the cluster go, or null to refuse them
     * @param ttl TTL of the cluster's answers, seconds (short: endpoints move)
     */
    public DnsServer(EventLoopGroup group, InetSocketAddress bind, ClusterResolver resolver, InetSocketAddress upstream, int ttl) {
        this.group = group;
        this.bind = bind;
        this.resolver = resolver;
        this.upstream = upstream;
        this.ttl = ttl;
    }

    public void start() throws InterruptedException {
        udp = new Bootstrap().group(group).channel(NioDatagramChannel.class)
                .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(DnsMessage.MAX_QUERY_BYTES + 1))
                .handler(new SimpleChannelInboundHandler<DatagramPacket>() {
                    @Override
                    protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket p) {
                        InetSocketAddress sender = p.sender();
                        byte[] q = ByteBufUtil.getBytes(p.content());
                        answer(q, r -> ctx.writeAndFlush(new DatagramPacket(Unpooled.wrappedBuffer(r), sender)));
                    }
                }).bind(bind).sync().channel();
        try {
            tcp = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(new ReadTimeoutHandler(30),
                                    new LengthFieldBasedFrameDecoder(DnsMessage.MAX_QUERY_BYTES, 0, 2, 0, 2),
                                    new LengthFieldPrepender(2),
                                    new SimpleChannelInboundHandler<ByteBuf>() {
                                        @Override
                                        protected void channelRead0(ChannelHandlerContext ctx, ByteBuf b) {
                                            answer(ByteBufUtil.getBytes(b), r -> ctx.writeAndFlush(Unpooled.wrappedBuffer(r)));
                                        }

                                        @Override
                                        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                            // Oversized frame or idle client: the connection goes, the server stays.
                                            ctx.close();
                                        }
                                    });
                        }
                    }).bind(bind).sync().channel();
            if (upstream != null) {
                upstreamChannel = new Bootstrap().group(group).channel(NioDatagramChannel.class)
                        .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(65536))
                        .handler(new SimpleChannelInboundHandler<DatagramPacket>() {
                            @Override
                            protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket p) {
                                if (p.sender().equals(upstream)) {
                                    fromUpstream(ByteBufUtil.getBytes(p.content()));
                                }
                            }
                        }).bind(0).sync().channel();
            }
        } catch (InterruptedException | RuntimeException e) {
            close();
            throw e;
        }
    }

    /** @return the UDP address the server listens on (the bound port when 0 was asked) */
    public InetSocketAddress udpAddress() {
        return (InetSocketAddress) udp.localAddress();
    }

    public InetSocketAddress tcpAddress() {
        return (InetSocketAddress) tcp.localAddress();
    }

    void answer(byte[] q, Consumer<byte[]> reply) {
        DnsMessage m;
        try {
            m = DnsMessage.decodeQuery(q, q.length);
        } catch (DnsFormatException e) {
            LOG.debug("malformed DNS query: {}", e.getMessage());
            if (e.id() >= 0) {
                reply.accept(DnsMessage.error(e.id(), DnsMessage.RCODE_FORMAT_ERROR));
            }
            return;
        }
        ClusterResolver.Answer a = resolver.resolve(m.name());
        if (a.outside()) {
            if (upstream == null) {
                reply.accept(m.response(q, DnsMessage.RCODE_REFUSED, false, false, List.of(), 0));
            } else {
                upstreamChannel.eventLoop().execute(() -> forward(m, q, reply));
            }
            return;
        }
        if (!a.exists()) {
            reply.accept(m.response(q, DnsMessage.RCODE_NAME_ERROR, true, upstream != null, List.of(), ttl));
        } else if (m.klass() == DnsMessage.CLASS_IN && m.type() == DnsMessage.TYPE_A) {
            reply.accept(m.response(q, DnsMessage.RCODE_OK, true, upstream != null, a.addresses(), ttl));
        } else {
            // AAAA and every other type: the name exists, but has no such records (NODATA).
            reply.accept(m.response(q, DnsMessage.RCODE_OK, true, upstream != null, List.of(), ttl));
        }
    }

    private void forward(DnsMessage m, byte[] q, Consumer<byte[]> reply) {
        if (pending.size() >= MAX_PENDING) {
            reply.accept(m.response(q, DnsMessage.RCODE_SERVER_FAILURE, false, true, List.of(), 0));
            return;
        }
        int id;
        do {
            id = ThreadLocalRandom.current().nextInt(65536); // random ids: no off-path answer spoofing by guessing
        } while (pending.containsKey(id));
        int newId = id;
        var timeout = upstreamChannel.eventLoop().schedule(() -> {
            if (pending.remove(newId) != null) {
                reply.accept(m.response(q, DnsMessage.RCODE_SERVER_FAILURE, false, true, List.of(), 0));
            }
        }, UPSTREAM_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
        pending.put(newId, new Pending(m.id(), reply, timeout));
        byte[] copy = q.clone();
        copy[0] = (byte) (newId >>> 8);
        copy[1] = (byte) newId;
        upstreamChannel.writeAndFlush(new DatagramPacket(Unpooled.wrappedBuffer(copy), upstream));
    }

    private void fromUpstream(byte[] r) {
        if (r.length < 12) {
            return;
        }
        Pending p = pending.remove(DnsMessage.idOf(r));
        if (p == null) {
            return; // late or forged
        }
        p.timeout().cancel(false);
        r[0] = (byte) (p.originalId() >>> 8);
        r[1] = (byte) p.originalId();
        p.reply().accept(r);
    }

    @Override
    public void close() {
        for (Channel c : new Channel[] {udp, tcp, upstreamChannel}) {
            if (c != null) {
                c.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
            }
        }
    }
}
