package io.outpost.link.transport;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.handler.timeout.ReadTimeoutHandler;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLPeerUnverifiedException;
import io.outpost.link.pki.Pki;

/**
 * The cloud hub's WebSocket endpoint over mutual TLS. A gateway connects to
 * {@code wss://host:port/<projectID>/<node>/events} with its client certificate; the node name
 * in the path (and in the {@code node_id} header, if sent) must be the certificate's node,
 * otherwise the upgrade is refused with 403 and a message saying so.
 */
public final class LinkServer implements AutoCloseable {
    /** WebSocket close code for a frame over the size cap (RFC 6455). */
    public static final int CLOSE_TOO_BIG = 1009;

    private final Channel serverChannel;

    private LinkServer(Channel serverChannel) {
        this.serverChannel = serverChannel;
    }

    /**
     * Binds the server.
     *
     * @param group the event loop group to run on (owned by the caller)
     * @param address where to listen
     * @param ssl a server context that requires and verifies client certificates
     * @param maxFrameBytes cap on one (reassembled) message
     * @param idleTimeout a connection with no inbound frame for this long is closed
     * @param endpoint receives the connections
     */
    public static LinkServer bind(EventLoopGroup group, InetSocketAddress address, SslContext ssl, int maxFrameBytes,
            Duration idleTimeout, LinkEndpoint endpoint) throws InterruptedException {
        ServerBootstrap b = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 4096)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline()
                                // A peer must finish TLS and the upgrade in time; removed after the upgrade,
                                // when keepalive-based idle detection takes over.
                                .addLast("upgradeTimeout", new ReadTimeoutHandler(30))
                                .addLast("ssl", ssl.newHandler(ch.alloc()))
                                .addLast("http", new HttpServerCodec())
                                .addLast("agg", new HttpObjectAggregator(16 * 1024))
                                .addLast("upgrade", new Upgrade(maxFrameBytes, idleTimeout, endpoint));
                    }
                });
        Channel ch = b.bind(address).sync().channel();
        return new LinkServer(ch);
    }

    /** @return the bound address (useful when binding port 0) */
    public InetSocketAddress address() {
        return (InetSocketAddress) serverChannel.localAddress();
    }

    @Override
    public void close() {
        serverChannel.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    /** Checks the upgrade request against the client certificate, then hands over to frames. */
    private static final class Upgrade extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final int maxFrameBytes;
        private final Duration idleTimeout;
        private final LinkEndpoint endpoint;

        Upgrade(int maxFrameBytes, Duration idleTimeout, LinkEndpoint endpoint) {
            this.maxFrameBytes = maxFrameBytes;
            this.idleTimeout = idleTimeout;
            this.endpoint = endpoint;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
            X509Certificate peer;
            try {
                peer = (X509Certificate) ((SslHandler) ctx.pipeline().get("ssl")).engine().getSession().getPeerCertificates()[0];
            } catch (SSLPeerUnverifiedException | RuntimeException e) {
                refuse(ctx, HttpResponseStatus.UNAUTHORIZED, "a client certificate issued by this cloud's CA is required; join first");
                return;
            }
            String path = new QueryStringDecoder(req.uri()).path();
            String[] seg = path.split("/", -1);
            // "/<project>/<node>/events" splits into "", project, node, "events"
            if (seg.length != 4 || !"events".equals(seg[3]) || seg[2].isEmpty()) {
                refuse(ctx, HttpResponseStatus.NOT_FOUND, "the hub endpoint is /<projectID>/<nodeName>/events, not " + path);
                return;
            }
            String certNode = Pki.nodeNameOf(peer);
            String pathNode = seg[2];
            String headerNode = req.headers().get("node_id");
            if (!certNode.equals(pathNode)) {
                refuse(ctx, HttpResponseStatus.FORBIDDEN, "the client certificate is for node '" + certNode
                        + "' but the path names node '" + pathNode + "'; a gateway can only connect as itself");
                return;
            }
            if (headerNode != null && !headerNode.isEmpty() && !headerNode.equals(certNode)) {
                refuse(ctx, HttpResponseStatus.FORBIDDEN, "the client certificate is for node '" + certNode
                        + "' but the node_id header names '" + headerNode + "'");
                return;
            }
            WebSocketServerHandshakerFactory f = new WebSocketServerHandshakerFactory("wss://localhost" + path, null,
                    WebSocketDecoderConfig.newBuilder().maxFramePayloadLength(maxFrameBytes).allowExtensions(false)
                            .closeOnProtocolViolation(true).build());
            WebSocketServerHandshaker hs = f.newHandshaker(req);
            if (hs == null) {
                WebSocketServerHandshakerFactory.sendUnsupportedVersionResponse(ctx.channel());
                return;
            }
            NettyConnection conn = new NettyConnection(ctx.channel(), certNode, peer, true);
            hs.handshake(ctx.channel(), req).addListener(fut -> {
                if (!fut.isSuccess()) {
                    ctx.close();
                    return;
                }
                ctx.pipeline().addLast("wsagg", new WebSocketFrameAggregator(maxFrameBytes));
                ctx.pipeline().addLast("idle", new IdleStateHandler(idleTimeout.toMillis(), 0, 0, TimeUnit.MILLISECONDS));
                ctx.pipeline().addLast("frames", new Frames(conn, hs, endpoint, "no traffic for " + idleTimeout.toSeconds() + " s"));
                ctx.pipeline().remove(this);
                ctx.pipeline().remove("upgradeTimeout");
                endpoint.opened(conn);
            });
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // TLS failures (unknown CA, no client certificate) end here: nothing to answer.
            ctx.close();
        }

        private static void refuse(ChannelHandlerContext ctx, HttpResponseStatus status, String message) {
            var body = Unpooled.copiedBuffer(message + "\n", StandardCharsets.UTF_8);
            var resp = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, body);
            resp.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
            resp.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
            ctx.writeAndFlush(resp).addListener(ChannelFutureListener.CLOSE);
        }
    }

    /** Frame handling shared by server and client connections. */
    static final class Frames extends SimpleChannelInboundHandler<WebSocketFrame> {
        private final NettyConnection conn;
        /** What the endpoint sees: the same object it got in opened() (client wrappers included). */
        volatile LinkConnection facade;
        private final WebSocketServerHandshaker handshaker;
        private final LinkEndpoint endpoint;
        private final String idleReason;
        private String closeReason = "connection closed";
        private boolean closedReported;
        volatile long lastPingSentNanos;
        volatile long lastRttMillis = -1;

        Frames(NettyConnection conn, WebSocketServerHandshaker handshaker, LinkEndpoint endpoint, String idleReason) {
            this.conn = conn;
            this.facade = conn;
            this.handshaker = handshaker;
            this.endpoint = endpoint;
            this.idleReason = idleReason;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
            if (frame instanceof TextWebSocketFrame || frame instanceof BinaryWebSocketFrame) {
                endpoint.received(facade, ByteBufUtil.getBytes(frame.content()));
            } else if (frame instanceof PingWebSocketFrame) {
                ctx.writeAndFlush(new PongWebSocketFrame(frame.content().retain()));
            } else if (frame instanceof PongWebSocketFrame) {
                long sent = lastPingSentNanos;
                if (sent != 0) {
                    lastRttMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sent);
                }
            } else if (frame instanceof CloseWebSocketFrame close) {
                closeReason = "closed by peer (" + close.statusCode() + (close.reasonText().isEmpty() ? "" : ": " + close.reasonText()) + ")";
                if (handshaker != null) {
                    handshaker.close(ctx.channel(), close.retain());
                } else {
                    ctx.close();
                }
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            if (evt instanceof IdleStateEvent e) {
                if (e.state() == IdleState.READER_IDLE) {
                    closeReason = idleReason;
                    conn.close(1001, idleReason);
                    ctx.close();
                } else if (e.state() == IdleState.WRITER_IDLE) {
                    endpoint.writerIdle(facade);
                }
                return;
            }
            super.userEventTriggered(ctx, evt);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (cause instanceof TooLongFrameException || cause instanceof CorruptedWebSocketFrameException) {
                closeReason = "frame refused: " + cause.getMessage();
                conn.close(CLOSE_TOO_BIG, "message too big or malformed frame");
            } else {
                closeReason = "I/O error: " + cause.getMessage();
                ctx.close();
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            if (!closedReported) {
                closedReported = true;
                endpoint.closed(facade, closeReason);
            }
            super.channelInactive(ctx);
        }
    }
}
