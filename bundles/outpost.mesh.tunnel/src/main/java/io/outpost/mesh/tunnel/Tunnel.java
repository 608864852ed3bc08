package io.outpost.mesh.tunnel;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.handler.timeout.ReadTimeoutHandler;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tunnel between gateways: one mutual-TLS connection per proxied stream (TCP connection or UDP
 * flow), opened with an {@link Frame#OPEN} naming a pod address and port. The accepting gateway
 * connects only to addresses that its service table lists as ready backends on itself, so the
 * tunnel is no open proxy; the dialling gateway accepts only the node it meant to reach (peer CN).
 * No OSGi.
 */
public final class Tunnel implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Tunnel.class);
    static final int CONNECT_TIMEOUT_MILLIS = 2000;
    /** A peer that does not finish TLS and OPEN within this time is dropped. */
    static final int OPEN_TIMEOUT_SECONDS = 10;
    /** UDP flows have no end; an idle one is closed after this. */
    public static final int UDP_IDLE_SECONDS = 60;

    private final EventLoopGroup group;
    private final String localNode;
    private final SslContext serverTls;
    private final SslContext clientTls;
    private final EndpointCheck endpoints;
    private final Function<String, Optional<InetSocketAddress>> peers;
    private Channel server;
    private volatile InetSocketAddress relay;

    /**
     * @param peers the tunnel address of a gateway by node name (empty: not reachable directly)
     */
    public Tunnel(EventLoopGroup group, String localNode, SslContext serverTls, SslContext clientTls, EndpointCheck endpoints,
            Function<String, Optional<InetSocketAddress>> peers) {
        this.group = group;
        this.localNode = localNode;
        this.serverTls = serverTls;
        this.clientTls = clientTls;
        this.endpoints = endpoints;
        this.peers = peers;
    }

    public InetSocketAddress listen(InetSocketAddress bind) throws InterruptedException {
        server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast("timeout", new ReadTimeoutHandler(OPEN_TIMEOUT_SECONDS));
                        ch.pipeline().addLast("tls", serverTls.newHandler(ch.alloc()));
                        ch.pipeline().addLast("frames", new FrameCodec());
                        ch.pipeline().addLast("accept", new Accept());
                    }
                }).bind(bind).sync().channel();
        return (InetSocketAddress) server.localAddress();
    }

    /** Server side: one OPEN, checked against the table, then a connection to the pod. */
    private final class Accept extends SimpleChannelInboundHandler<Frame> {
        private final String relayPeer;
        private final String sessionId;
        private String peerNode = "";

        /** Server side of a direct connection. */
        Accept() {
            this(null, null);
        }

        /** Our side of a relayed stream: the relay must be who it says, then ACCEPT, then as a server. */
        Accept(String relayPeer, String sessionId) {
            this.relayPeer = relayPeer;
            this.sessionId = sessionId;
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            if (evt instanceof SslHandshakeCompletionEvent e) {
                if (!e.isSuccess()) {
                    LOG.debug("tunnel handshake with {} failed: {}", ctx.channel().remoteAddress(), e.cause().toString());
                    ctx.close();
                    return;
                }
                peerNode = TunnelTls.peerNode(ctx.pipeline().get(SslHandler.class).engine().getSession());
                if (relayPeer != null) {
                    if (!relayPeer.equals(peerNode)) {
                        LOG.warn("the relay at {} is node '{}', not '{}'; not answering", ctx.channel().remoteAddress(), peerNode, relayPeer);
                        ctx.close();
                        return;
                    }
                    ctx.writeAndFlush(Relay.accept(sessionId));
                }
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, Frame f) {
            Channel ch = ctx.channel();
            if (f.type() != Frame.OPEN) {
                refuse(ch, "a stream must start with OPEN, not frame type " + f.type());
                return;
            }
            OpenRequest req;
            try {
                req = OpenRequest.decode(f.payload());
            } catch (IllegalArgumentException e) {
                refuse(ch, "bad OPEN: " + e.getMessage());
                return;
            }
            if (!req.node().equals(localNode) || !endpoints.isLocalEndpoint(req.ip(), req.port(), req.protocol())) {
                refuse(ch, req.ip() + ":" + req.port() + "/" + req.protocol() + " is not a ready endpoint on " + localNode);
                return;
            }
            ch.config().setAutoRead(false);
            ch.pipeline().remove(this);
            ch.pipeline().remove("timeout");
            Splice.dataMode(ch);
            connectBackend(ch, req).addListener((ChannelFuture cf) -> {
                if (!cf.isSuccess()) {
                    ch.writeAndFlush(Frame.error("endpoint " + req.ip() + ":" + req.port() + " refused: " + cf.cause().getMessage()))
                            .addListener(x -> ch.close());
                    return;
                }
                LOG.debug("tunnel from {} to {}:{}/{}", peerNode, req.ip(), req.port(), req.protocol());
                ch.writeAndFlush(Frame.empty(Frame.OPENED));
                if (req.protocol().equals("UDP")) {
                    ch.pipeline().addFirst("idle", new IdleStateHandler(0, 0, UDP_IDLE_SECONDS));
                    ch.pipeline().addAfter("idle", "idleClose", new IdleClose());
                }
                Splice.join(ch, cf.channel());
            });
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            LOG.debug("tunnel from {}: {}", ctx.channel().remoteAddress(), cause.toString());
            ctx.close();
        }
    }

    private static void refuse(Channel ch, String why) {
        LOG.info("tunnel stream refused: {}", why);
        ch.writeAndFlush(Frame.error(why)).addListener(x -> ch.close());
    }

    private ChannelFuture connectBackend(Channel tunnel, OpenRequest req) {
        InetSocketAddress to = new InetSocketAddress(req.ip(), req.port());
        if (req.protocol().equals("UDP")) {
            return new Bootstrap().group(tunnel.eventLoop()).channel(NioDatagramChannel.class)
                    .option(ChannelOption.AUTO_READ, false)
                    .handler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                        }
                    }).connect(to);
        }
        return new Bootstrap().group(tunnel.eventLoop()).channel(NioSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, CONNECT_TIMEOUT_MILLIS)
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                    }
                }).connect(to);
    }

    /** Where to go when a gateway cannot be dialled directly (the cloud's relay), or null. */
    public void useRelay(InetSocketAddress relay) {
        this.relay = relay;
    }

    /**
     * Client side: dials the gateway of {@code req.node()} (directly when its address is known and
     * answers, else through the relay), checks who answered, sends OPEN and waits for OPENED. The
     * channel returned is in data mode (ByteBufs in and out), not reading yet.
     */
    public Future<Channel> open(OpenRequest req, io.netty.channel.EventLoop loop) {
        Promise<Channel> promise = loop.newPromise();
        Optional<InetSocketAddress> addr = peers.apply(req.node());
        InetSocketAddress via = relay;
        if (addr.isEmpty()) {
            if (via == null) {
                return promise.setFailure(new ConnectException("no tunnel address known for node " + req.node() + " and no relay"));
            }
            return dial(req, via, Relay.NODE_NAME, loop, promise);
        }
        Promise<Channel> direct = loop.newPromise();
        dial(req, addr.get(), req.node(), loop, direct).addListener(f -> {
            if (f.isSuccess()) {
                promise.setSuccess(direct.getNow());
            } else if (via != null && f.cause() instanceof Unreachable) {
                LOG.debug("{}; through the relay", f.cause().getMessage());
                dial(req, via, Relay.NODE_NAME, loop, promise);
            } else {
                promise.setFailure(f.cause());
            }
        });
        return promise;
    }

    /** The direct address did not answer (as opposed to: it answered and refused). */
    static final class Unreachable extends ConnectException {
        private static final long serialVersionUID = 1L;

        Unreachable(String message) {
            super(message);
        }
    }

    private Future<Channel> dial(OpenRequest req, InetSocketAddress to, String expectedPeer, io.netty.channel.EventLoop loop,
            Promise<Channel> promise) {
        new Bootstrap().group(loop).channel(NioSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, CONNECT_TIMEOUT_MILLIS)
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast("timeout", new ReadTimeoutHandler(OPEN_TIMEOUT_SECONDS + Relay.ANSWER_SECONDS));
                        ch.pipeline().addLast("tls", clientTls.newHandler(ch.alloc(), to.getHostString(), to.getPort()));
                        ch.pipeline().addLast("frames", new FrameCodec());
                        ch.pipeline().addLast("open", new OpenClient(req, expectedPeer, promise));
                    }
                }).connect(to).addListener((ChannelFuture cf) -> {
                    if (!cf.isSuccess()) {
                        promise.tryFailure(new Unreachable("tunnel to " + req.node() + " at " + to + ": " + cf.cause().getMessage()));
                    }
                });
        return promise;
    }

    /**
     * Answers a relay call: dials the relay, checks it is the relay, identifies the call with
     * ACCEPT, then serves the stream the relay hands over exactly as a direct one (same checks).
     */
    public ChannelFuture answerRelay(InetSocketAddress relayAddress, String sessionId, io.netty.channel.EventLoop loop) {
        return new Bootstrap().group(loop).channel(NioSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, CONNECT_TIMEOUT_MILLIS)
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast("timeout", new ReadTimeoutHandler(OPEN_TIMEOUT_SECONDS));
                        ch.pipeline().addLast("tls", clientTls.newHandler(ch.alloc(), relayAddress.getHostString(), relayAddress.getPort()));
                        ch.pipeline().addLast("frames", new FrameCodec());
                        ch.pipeline().addLast("accept", new Accept(Relay.NODE_NAME, sessionId));
                    }
                }).connect(relayAddress).addListener((ChannelFuture cf) -> {
                    if (!cf.isSuccess()) {
                        LOG.warn("could not answer the relay at {}: {}", relayAddress, cf.cause().getMessage());
                    }
                });
    }

    private static final class OpenClient extends SimpleChannelInboundHandler<Frame> {
        private final OpenRequest req;
        private final String expectedPeer;
        private final Promise<Channel> promise;

        OpenClient(OpenRequest req, String expectedPeer, Promise<Channel> promise) {
            this.req = req;
            this.expectedPeer = expectedPeer;
            this.promise = promise;
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            if (evt instanceof SslHandshakeCompletionEvent e) {
                if (!e.isSuccess()) {
                    fail(ctx, "TLS with " + req.node() + " failed: " + e.cause().getMessage());
                    return;
                }
                String peer = TunnelTls.peerNode(ctx.pipeline().get(SslHandler.class).engine().getSession());
                if (!peer.equals(expectedPeer)) {
                    fail(ctx, "the peer at " + ctx.channel().remoteAddress() + " is node '" + peer + "', not '" + expectedPeer + "'");
                    return;
                }
                ctx.writeAndFlush(new Frame(Frame.OPEN, req.encode()));
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, Frame f) {
            Channel ch = ctx.channel();
            if (f.type() == Frame.OPENED) {
                ch.config().setAutoRead(false);
                ch.pipeline().remove(this);
                ch.pipeline().remove("timeout");
                Splice.dataMode(ch);
                if (!promise.trySuccess(ch)) {
                    ch.close();
                }
            } else {
                fail(ctx, f.type() == Frame.ERROR ? f.text() : "unexpected frame type " + f.type() + " before OPENED");
            }
        }

        private void fail(ChannelHandlerContext ctx, String why) {
            promise.tryFailure(new ConnectException(why));
            ctx.close();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            promise.tryFailure(new ConnectException("tunnel to " + req.node() + " closed before the stream opened"));
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            fail(ctx, "tunnel to " + req.node() + ": " + cause.getMessage());
        }
    }

    private static final class IdleClose extends io.netty.channel.ChannelInboundHandlerAdapter {
        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof io.netty.handler.timeout.IdleStateEvent) {
                ctx.close();
            } else {
                ctx.fireUserEventTriggered(evt);
            }
        }
    }

    @Override
    public void close() {
        if (server != null) {
            server.close().awaitUninterruptibly(2, java.util.concurrent.TimeUnit.SECONDS);
        }
    }
}
