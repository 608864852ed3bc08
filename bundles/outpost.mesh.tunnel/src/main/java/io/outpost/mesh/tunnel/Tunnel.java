package io.outpost.mesh.tunnel;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.DefaultHttp2PingFrame;
import io.netty.handler.codec.http2.DefaultHttp2WindowUpdateFrame;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.handler.timeout.ReadTimeoutHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.netty.util.concurrent.Promise;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tunnel between gateways: one mutual-TLS connection per peer gateway, carrying each proxied
 * stream (TCP connection or UDP flow) as an HTTP/2 stream opened with {@code CONNECT ip:port}
 * ({@link OpenRequest}). HTTP/2 gives every stream its own flow-control window, so a stream whose
 * reader is slow stops only its own sender; frames are capped ({@link #MAX_FRAME}, headers
 * {@link #MAX_HEADER_LIST}). When the peer cannot be dialled the same TLS session runs end to end
 * through the {@link Relay}, inside the relay's own TLS hop: the relay forwards bytes it cannot
 * read, and each gateway checks that the other is the node it expects. The accepting gateway
 * connects only to addresses its service table lists as ready endpoints on itself, so the tunnel
 * is no open proxy. No OSGi.
 */
public final class Tunnel implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Tunnel.class);
    static final int CONNECT_TIMEOUT_MILLIS = 2000;
    /** A peer that does not finish TLS within this time, or a stream not answered within it, is dropped. */
    static final int OPEN_TIMEOUT_SECONDS = 10;
    /** UDP flows have no end; an idle one is closed after this. */
    public static final int UDP_IDLE_SECONDS = 60;
    /** Each stream's receive window: what one stream may have in flight unread. */
    static final int STREAM_WINDOW = 1 << 20;
    /** The connection's receive window, shared by all its streams. */
    static final int CONNECTION_WINDOW = 16 << 20;
    /** Largest HTTP/2 frame this side accepts (a DATA frame's payload). */
    public static final int MAX_FRAME = 65536;
    /** Largest header list (a stream's request or answer). */
    public static final int MAX_HEADER_LIST = 8192;
    static final int MAX_STREAMS = 4096;
    /** A connection with nothing to send pings after this; one that heard nothing for {@link #DEAD_SECONDS} is closed. */
    static final int PING_SECONDS = 15;
    static final int DEAD_SECONDS = 45;
    static final String ERROR_HEADER = "outpost-error";

    private final EventLoopGroup group;
    private final String localNode;
    private final SslContext serverTls;
    private final SslContext clientTls;
    private final EndpointCheck endpoints;
    private final Function<String, Optional<InetSocketAddress>> peers;
    /** The connection to each peer gateway (dialled by this side), shared by all streams to it. */
    private final Map<String, Promise<Channel>> sessions = new ConcurrentHashMap<>();
    /** Every tunnel connection, both directions, so that closing the tunnel ends them. */
    private final ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
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
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        connections.add(ch);
                        SslHandler tls = serverTls.newHandler(ch.alloc());
                        ch.pipeline().addLast("timeout", new ReadTimeoutHandler(OPEN_TIMEOUT_SECONDS));
                        ch.pipeline().addLast("tls", tls);
                        ch.pipeline().addLast("ready", new ServerReady(tls, null));
                    }
                }).bind(bind).sync().channel();
        return (InetSocketAddress) server.localAddress();
    }

    /** @return the tunnel connections open now (both directions; one per peer gateway and direction) */
    public int connections() {
        return connections.size();
    }

    /** Where to go when a gateway cannot be dialled directly (the cloud's relay), or null. */
    public void useRelay(InetSocketAddress relay) {
        this.relay = relay;
    }

    /** Server side, after TLS: the peer is a node of the cluster (the trust manager checked it); serve its streams. */
    private final class ServerReady extends ChannelInboundHandlerAdapter {
        private final SslHandler tls;
        /** The node the relay said calls, or null for a direct connection (any node of the cluster). */
        private final String expectedPeer;

        ServerReady(SslHandler tls, String expectedPeer) {
            this.tls = tls;
            this.expectedPeer = expectedPeer;
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            Channel ch = ctx.channel();
            tls.handshakeFuture().addListener(f -> {
                if (!f.isSuccess()) {
                    LOG.debug("tunnel handshake with {} failed: {}", ch.remoteAddress(), f.cause().toString());
                    ch.close();
                    return;
                }
                String peer = TunnelTls.peerNode(tls.engine().getSession());
                if (expectedPeer != null && !expectedPeer.equals(peer)) {
                    LOG.warn("refused a relayed tunnel: the calling gateway is node '{}', not '{}' as the relay said", peer, expectedPeer);
                    ch.close();
                    return;
                }
                ch.pipeline().remove("timeout");
                ch.pipeline().remove(this);
                http2(ch, true, peer);
            });
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    private void http2(Channel ch, boolean isServer, String peer) {
        Http2Settings settings = new Http2Settings().initialWindowSize(STREAM_WINDOW).maxFrameSize(MAX_FRAME)
                .maxHeaderListSize(MAX_HEADER_LIST).maxConcurrentStreams(MAX_STREAMS);
        if (!isServer) {
            settings.pushEnabled(false);
        }
        ChannelPipeline p = ch.pipeline();
        p.addLast("idle", new IdleStateHandler(DEAD_SECONDS, PING_SECONDS, 0));
        p.addLast("keepalive", new KeepAlive(peer));
        p.addLast("h2", (isServer ? Http2FrameCodecBuilder.forServer() : Http2FrameCodecBuilder.forClient()).initialSettings(settings).build());
        p.addLast("streams", new Http2MultiplexHandler(isServer ? new StreamInit(peer) : new RefuseStreams()));
        // The connection's window starts at the stream window; give the streams room together.
        ch.writeAndFlush(new DefaultHttp2WindowUpdateFrame(CONNECTION_WINDOW - STREAM_WINDOW));
        LOG.debug("tunnel connection with {} at {} up", peer, ch.remoteAddress());
    }

    /** Pings a quiet connection; closes one that heard nothing (a peer gone without a FIN). */
    private static final class KeepAlive extends ChannelDuplexHandler {
        private final String peer;

        KeepAlive(String peer) {
            this.peer = peer;
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            if (evt instanceof IdleStateEvent e) {
                if (e.state() == IdleState.READER_IDLE) {
                    LOG.info("tunnel connection with {} silent for {} s; closing it", peer, DEAD_SECONDS);
                    ctx.close();
                } else {
                    ctx.channel().writeAndFlush(new DefaultHttp2PingFrame(System.nanoTime()));
                }
                return;
            }
            super.userEventTriggered(ctx, evt);
        }
    }

    /** Client side: the peer never opens streams toward the dialling gateway. */
    @io.netty.channel.ChannelHandler.Sharable
    private static final class RefuseStreams extends ChannelInboundHandlerAdapter {
        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            ctx.channel().close();
        }
    }

    /** Server side: each new stream is one request to reach a pod on this gateway. */
    private final class StreamInit extends ChannelInitializer<Http2StreamChannel> {
        private final String peer;

        StreamInit(String peer) {
            this.peer = peer;
        }

        @Override
        protected void initChannel(Http2StreamChannel ch) {
            ch.pipeline().addLast("timeout", new ReadTimeoutHandler(OPEN_TIMEOUT_SECONDS));
            ch.pipeline().addLast("open", new StreamAccept(peer));
        }
    }

    private final class StreamAccept extends ChannelInboundHandlerAdapter {
        private final String peer;

        StreamAccept(String peer) {
            this.peer = peer;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            Channel ch = ctx.channel();
            if (!(msg instanceof Http2HeadersFrame h)) {
                ReferenceCountUtil.release(msg);
                refuse(ch, 400, "a tunnel stream starts with its request headers");
                return;
            }
            OpenRequest req;
            try {
                req = OpenRequest.fromHeaders(h.headers(), localNode);
            } catch (IllegalArgumentException e) {
                refuse(ch, 400, "bad request: " + e.getMessage());
                return;
            }
            if (!endpoints.isLocalEndpoint(req.ip(), req.port(), req.protocol())) {
                refuse(ch, 403, req.ip() + ":" + req.port() + "/" + req.protocol() + " is not a ready endpoint on " + localNode);
                return;
            }
            ch.config().setAutoRead(false);
            ch.pipeline().remove(this);
            ch.pipeline().remove("timeout");
            connectBackend(ch, req).addListener((ChannelFuture cf) -> {
                if (!cf.isSuccess()) {
                    refuse(ch, 502, req.ip() + ":" + req.port() + " refused: " + cf.cause().getMessage());
                    return;
                }
                LOG.debug("tunnel stream from {} to {}:{}/{}", peer, req.ip(), req.port(), req.protocol());
                ch.writeAndFlush(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().status("200")));
                boolean udp = req.protocol().equals("UDP");
                if (udp) {
                    ch.pipeline().addFirst("idle", new IdleStateHandler(0, 0, UDP_IDLE_SECONDS));
                    ch.pipeline().addAfter("idle", "idleClose", new IdleClose());
                }
                Splice.dataMode(ch, udp);
                Splice.join(ch, cf.channel());
            });
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            LOG.debug("tunnel stream from {}: {}", peer, cause.toString());
            ctx.close();
        }
    }

    private static void refuse(Channel stream, int status, String why) {
        LOG.info("tunnel stream refused: {}", why);
        String text = why.replaceAll("[\\p{Cntrl}]", " ");
        stream.writeAndFlush(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().status(Integer.toString(status))
                .set(ERROR_HEADER, text.substring(0, Math.min(text.length(), 1024))), true)).addListener(x -> stream.close());
    }

    private ChannelFuture connectBackend(Channel stream, OpenRequest req) {
        InetSocketAddress to = new InetSocketAddress(req.ip(), req.port());
        Bootstrap b = new Bootstrap().group(stream.eventLoop()).option(ChannelOption.AUTO_READ, false)
                .handler(new ChannelInboundHandlerAdapter());
        if (req.protocol().equals("UDP")) {
            return b.channel(NioDatagramChannel.class).connect(to);
        }
        return b.channel(NioSocketChannel.class).option(ChannelOption.CONNECT_TIMEOUT_MILLIS, CONNECT_TIMEOUT_MILLIS)
                .option(ChannelOption.TCP_NODELAY, true).option(ChannelOption.ALLOW_HALF_CLOSURE, true).connect(to);
    }

    /**
     * Client side: opens a stream to a pod on the gateway of {@code req.node()}, on the connection
     * to that gateway (dialled now if there is none: directly when its address is known and
     * answers, else through the relay), and waits for its answer. The channel returned is the
     * stream in data mode (ByteBufs in and out); what it receives is held until {@link Splice#join}
     * or {@link Splice#deliver}.
     */
    public Future<Channel> open(OpenRequest req, EventLoop loop) {
        Promise<Channel> promise = loop.newPromise();
        session(req.node()).addListener(f -> {
            if (!f.isSuccess()) {
                promise.tryFailure(f.cause());
                return;
            }
            Channel connection = (Channel) f.getNow();
            // The stream reads from the start (toggling a stream's auto-read before its first read can
            // leave frames queued); what comes before the splice is held by Splice's "hold".
            new Http2StreamChannelBootstrap(connection).handler(new StreamOpen(req, promise)).open().addListener(s -> {
                        if (!s.isSuccess()) {
                            promise.tryFailure(new ConnectException("tunnel to " + req.node() + ": no stream: " + s.cause().getMessage()));
                            return;
                        }
                        Channel stream = (Channel) s.getNow();
                        stream.writeAndFlush(new DefaultHttp2HeadersFrame(req.toHeaders()));
                        stream.eventLoop().schedule(() -> {
                            if (promise.tryFailure(new ConnectException("gateway " + req.node() + " did not answer the stream within "
                                    + OPEN_TIMEOUT_SECONDS + " s"))) {
                                stream.close();
                            }
                        }, OPEN_TIMEOUT_SECONDS, TimeUnit.SECONDS);
                    });
        });
        return promise;
    }

    /** The connection to a peer gateway: the one there is, or a new one (concurrent callers share the dial). */
    private Future<Channel> session(String node) {
        for (;;) {
            Promise<Channel> current = sessions.get(node);
            if (current != null && (!current.isDone() || current.isSuccess() && current.getNow().isActive())) {
                return current;
            }
            EventLoop loop = group.next();
            Promise<Channel> fresh = loop.newPromise();
            if (current == null ? sessions.putIfAbsent(node, fresh) == null : sessions.replace(node, current, fresh)) {
                fresh.addListener(f -> {
                    if (f.isSuccess()) {
                        fresh.getNow().closeFuture().addListener(c -> sessions.remove(node, fresh));
                    } else {
                        sessions.remove(node, fresh);
                    }
                });
                dial(node, loop, fresh);
                return fresh;
            }
        }
    }

    private void dial(String node, EventLoop loop, Promise<Channel> promise) {
        Optional<InetSocketAddress> addr = peers.apply(node);
        InetSocketAddress via = relay;
        if (addr.isEmpty()) {
            if (via == null) {
                promise.setFailure(new ConnectException("no tunnel address known for node " + node + " and no relay"));
            } else {
                dialRelay(node, via, loop, promise);
            }
            return;
        }
        Promise<Channel> direct = loop.newPromise();
        dialDirect(node, addr.get(), loop, direct);
        direct.addListener(f -> {
            if (f.isSuccess()) {
                promise.setSuccess(direct.getNow());
            } else if (via != null && f.cause() instanceof Unreachable) {
                LOG.debug("{}; through the relay", f.cause().getMessage());
                dialRelay(node, via, loop, promise);
            } else {
                promise.setFailure(f.cause());
            }
        });
    }

    /** The direct address did not answer (as opposed to: it answered and refused). */
    static final class Unreachable extends ConnectException {
        private static final long serialVersionUID = 1L;

        Unreachable(String message) {
            super(message);
        }
    }

    private Bootstrap client(EventLoop loop) {
        return new Bootstrap().group(loop).channel(NioSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, CONNECT_TIMEOUT_MILLIS)
                .option(ChannelOption.TCP_NODELAY, true);
    }

    private void dialDirect(String node, InetSocketAddress to, EventLoop loop, Promise<Channel> promise) {
        client(loop).handler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                connections.add(ch);
                SslHandler tls = clientTls.newHandler(ch.alloc(), to.getHostString(), to.getPort());
                ch.pipeline().addLast("timeout", new ReadTimeoutHandler(OPEN_TIMEOUT_SECONDS));
                ch.pipeline().addLast("tls", tls);
                ch.pipeline().addLast("ready", new ClientReady(tls, node, promise));
            }
        }).connect(to).addListener((ChannelFuture cf) -> {
            if (!cf.isSuccess()) {
                promise.tryFailure(new Unreachable("tunnel to " + node + " at " + to + ": " + cf.cause().getMessage()));
            }
        });
    }

    /**
     * Through the relay: TLS with the relay (it must be the relay), CONNECT naming the gateway,
     * and once the relay says CONNECTED, a second TLS session inside the first, end to end with
     * the gateway (it must be the node asked for).
     */
    private void dialRelay(String node, InetSocketAddress via, EventLoop loop, Promise<Channel> promise) {
        client(loop).handler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                connections.add(ch);
                SslHandler tls = clientTls.newHandler(ch.alloc(), via.getHostString(), via.getPort());
                ch.pipeline().addLast("timeout", new ReadTimeoutHandler(OPEN_TIMEOUT_SECONDS + Relay.ANSWER_SECONDS));
                ch.pipeline().addLast("tls", tls);
                ch.pipeline().addLast("frames", new FrameCodec());
                ch.pipeline().addLast("call", new RelayCall(tls, node, promise));
            }
        }).connect(via).addListener((ChannelFuture cf) -> {
            if (!cf.isSuccess()) {
                promise.tryFailure(new ConnectException("the relay at " + via + " for " + node + ": " + cf.cause().getMessage()));
            }
        });
    }

    /** After TLS with the peer gateway (direct, or end to end inside the relay's): it must be the node asked for. */
    private final class ClientReady extends ChannelInboundHandlerAdapter {
        private final SslHandler tls;
        private final String node;
        private final Promise<Channel> promise;

        /** Whether the connection was made: a connect that failed is the connect listener's to report (as Unreachable). */
        private boolean connected;

        ClientReady(SslHandler tls, String node, Promise<Channel> promise) {
            this.tls = tls;
            this.node = node;
            this.promise = promise;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            connected = true;
            ctx.fireChannelActive();
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            Channel ch = ctx.channel();
            connected = ch.isActive();
            tls.handshakeFuture().addListener(f -> {
                if (!f.isSuccess()) {
                    if (connected) {
                        fail(ch, "TLS with " + node + " failed: " + f.cause().getMessage());
                    }
                    return;
                }
                String peer = TunnelTls.peerNode(tls.engine().getSession());
                if (!peer.equals(node)) {
                    fail(ch, "the peer at " + ch.remoteAddress() + " is node '" + peer + "', not '" + node + "'");
                    return;
                }
                ch.pipeline().remove("timeout");
                ch.pipeline().remove(this);
                http2(ch, false, node);
                if (!promise.trySuccess(ch)) {
                    ch.close();
                }
            });
        }

        private void fail(Channel ch, String why) {
            promise.tryFailure(new ConnectException(why));
            ch.close();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            promise.tryFailure(new ConnectException("tunnel to " + node + " closed before it was up"));
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            fail(ctx.channel(), "tunnel to " + node + ": " + cause.getMessage());
        }
    }

    private final class RelayCall extends SimpleChannelInboundHandler<Frame> {
        private final SslHandler tls;
        private final String node;
        private final Promise<Channel> promise;

        private boolean connected;

        RelayCall(SslHandler tls, String node, Promise<Channel> promise) {
            this.tls = tls;
            this.node = node;
            this.promise = promise;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            connected = true;
            ctx.fireChannelActive();
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            Channel ch = ctx.channel();
            tls.handshakeFuture().addListener(f -> {
                if (!f.isSuccess()) {
                    if (connected) {
                        fail(ch, "TLS with the relay failed: " + f.cause().getMessage());
                    }
                    return;
                }
                String peer = TunnelTls.peerNode(tls.engine().getSession());
                if (!peer.equals(Relay.NODE_NAME)) {
                    fail(ch, "the relay at " + ch.remoteAddress() + " is node '" + peer + "', not the relay");
                    return;
                }
                ch.writeAndFlush(Frame.text(Frame.CONNECT, node));
            });
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, Frame f) {
            Channel ch = ctx.channel();
            if (f.type() == Frame.CONNECTED) {
                // From here on the relay passes bytes: TLS with the gateway itself, inside the relay's.
                // The frame decoder goes last: bytes it already holds pass on to the new TLS.
                SslHandler e2e = clientTls.newHandler(ch.alloc());
                ch.pipeline().addAfter("frames", "e2e", e2e);
                ch.pipeline().addLast("ready", new ClientReady(e2e, node, promise));
                ch.pipeline().remove(this);
                ch.pipeline().remove("frames");
            } else {
                fail(ch, f.type() == Frame.ERROR ? "relay: " + f.text() : "relay: unexpected frame type " + f.type());
            }
        }

        private void fail(Channel ch, String why) {
            promise.tryFailure(new ConnectException(why));
            ch.close();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            promise.tryFailure(new ConnectException("the relay closed the call to " + node));
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            fail(ctx.channel(), "the relay, calling " + node + ": " + cause.getMessage());
        }
    }

    /** The dialling side of a stream: sends the request, waits for 200. */
    private static final class StreamOpen extends ChannelInboundHandlerAdapter {
        private final OpenRequest req;
        private final Promise<Channel> promise;

        StreamOpen(OpenRequest req, Promise<Channel> promise) {
            this.req = req;
            this.promise = promise;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            Channel ch = ctx.channel();
            if (msg instanceof Http2HeadersFrame h && "200".contentEquals(String.valueOf(h.headers().status())) && !h.isEndStream()) {
                ch.pipeline().remove(this);
                Splice.dataMode(ch, req.protocol().equals("UDP"));
                if (!promise.trySuccess(ch)) {
                    ch.close();
                }
                return;
            }
            String why = msg instanceof Http2HeadersFrame h
                    ? h.headers().contains(ERROR_HEADER) ? h.headers().get(ERROR_HEADER).toString() : "answered " + h.headers().status()
                    : "unexpected " + msg.getClass().getSimpleName() + " before the answer";
            ReferenceCountUtil.release(msg);
            promise.tryFailure(new ConnectException(why));
            ch.close();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof Http2ResetFrame r) {
                promise.tryFailure(new ConnectException("gateway " + req.node() + " reset the stream (error " + r.errorCode() + ")"));
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            promise.tryFailure(new ConnectException("tunnel stream to " + req.node() + " closed before it opened"));
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            promise.tryFailure(new ConnectException("tunnel stream to " + req.node() + ": " + cause.getMessage()));
            ctx.close();
        }
    }

    /**
     * Answers a relay call: dials the relay, checks it is the relay, identifies the call with
     * ACCEPT, learns from the relay's CONNECT which gateway calls, then serves the caller's TLS
     * session inside the relay's (the caller must be that node) exactly as a direct connection.
     */
    public ChannelFuture answerRelay(InetSocketAddress relayAddress, String sessionId, EventLoop loop) {
        return client(loop).handler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                connections.add(ch);
                SslHandler tls = clientTls.newHandler(ch.alloc(), relayAddress.getHostString(), relayAddress.getPort());
                ch.pipeline().addLast("timeout", new ReadTimeoutHandler(OPEN_TIMEOUT_SECONDS));
                ch.pipeline().addLast("tls", tls);
                ch.pipeline().addLast("frames", new FrameCodec());
                ch.pipeline().addLast("answer", new RelayAnswer(tls, sessionId));
            }
        }).connect(relayAddress).addListener((ChannelFuture cf) -> {
            if (!cf.isSuccess()) {
                LOG.warn("could not answer the relay at {}: {}", relayAddress, cf.cause().getMessage());
            }
        });
    }

    private final class RelayAnswer extends SimpleChannelInboundHandler<Frame> {
        private final SslHandler tls;
        private final String sessionId;

        RelayAnswer(SslHandler tls, String sessionId) {
            this.tls = tls;
            this.sessionId = sessionId;
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            Channel ch = ctx.channel();
            tls.handshakeFuture().addListener(f -> {
                if (!f.isSuccess()) {
                    LOG.warn("TLS with the relay at {} failed: {}", ch.remoteAddress(), f.cause().getMessage());
                    ch.close();
                    return;
                }
                String peer = TunnelTls.peerNode(tls.engine().getSession());
                if (!peer.equals(Relay.NODE_NAME)) {
                    LOG.warn("the relay at {} is node '{}', not the relay; not answering", ch.remoteAddress(), peer);
                    ch.close();
                    return;
                }
                ch.writeAndFlush(Relay.accept(sessionId));
            });
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, Frame f) {
            Channel ch = ctx.channel();
            if (f.type() != Frame.CONNECT) {
                LOG.info("relay call {} not served: {}", sessionId, f.type() == Frame.ERROR ? f.text() : "frame type " + f.type());
                ch.close();
                return;
            }
            String caller = f.text();
            // The caller's TLS may follow in the same read: the frame decoder goes last and hands
            // the bytes it holds to the new TLS.
            SslHandler e2e = serverTls.newHandler(ch.alloc());
            ch.pipeline().addAfter("frames", "e2e", e2e);
            ch.pipeline().addLast("ready", new ServerReady(e2e, caller));
            ch.pipeline().remove(this);
            ch.pipeline().remove("frames");
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            LOG.debug("relay call {}: {}", sessionId, cause.toString());
            ctx.close();
        }
    }

    private static final class IdleClose extends ChannelInboundHandlerAdapter {
        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof IdleStateEvent) {
                ctx.close();
            } else {
                ctx.fireUserEventTriggered(evt);
            }
        }
    }

    @Override
    public void close() {
        if (server != null) {
            server.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        }
        connections.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
    }
}
