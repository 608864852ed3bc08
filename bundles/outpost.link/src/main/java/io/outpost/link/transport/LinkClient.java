package io.outpost.link.transport;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshakeException;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleStateHandler;
import java.net.ConnectException;
import java.net.URI;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;

/** Opens the edge side of the link: a WebSocket over mutual TLS to the cloud hub. */
public final class LinkClient {
    private LinkClient() {
    }

    /** A client connection; adds keepalive pings and their round-trip time. */
    public interface ClientConnection extends LinkConnection {
        /** Sends a WebSocket ping; the pong's arrival updates {@link #rttMillis()}. */
        void ping();

        /** @return the round-trip time of the last answered ping, or -1 */
        long rttMillis();
    }

    /**
     * Connects.
     *
     * @param group the event loop group (owned by the caller)
     * @param uri {@code wss://host:port/<projectID>/<node>/events}
     * @param ssl a client context with the node's key and certificate that trusts the cloud CA
     * @param nodeName this node (sent as the {@code node_id} header, as KubeEdge's edge hub does)
     * @param headers further request headers
     * @param keepalive how long without writing before {@link LinkEndpoint#writerIdle} fires
     * @param idleTimeout how long without any inbound frame before the connection is considered
     *     half-open and closed
     * @return completes when the WebSocket handshake is done, or exceptionally with an {@link
     *     java.io.IOException} whose message says what failed and what to check
     */
    public static CompletableFuture<ClientConnection> connect(EventLoopGroup group, URI uri, SslContext ssl, String nodeName,
            Map<String, String> headers, int maxFrameBytes, Duration keepalive, Duration idleTimeout, Duration connectTimeout,
            LinkEndpoint endpoint) {
        CompletableFuture<ClientConnection> result = new CompletableFuture<>();
        String host = uri.getHost();
        int port = uri.getPort() > 0 ? uri.getPort() : 443;
        HttpHeaders h = new DefaultHttpHeaders();
        h.set("node_id", nodeName);
        headers.forEach(h::set);
        WebSocketClientProtocolConfig cfg = WebSocketClientProtocolConfig.newBuilder()
                .webSocketUri(uri)
                .version(WebSocketVersion.V13)
                .customHeaders(h)
                .maxFramePayloadLength(maxFrameBytes)
                .handleCloseFrames(false)
                .dropPongFrames(false)
                .handshakeTimeoutMillis(connectTimeout.toMillis())
                .build();
        Bootstrap b = new Bootstrap()
                .group(group)
                .channel(NioSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) connectTimeout.toMillis())
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        SslHandler sslHandler = ssl.newHandler(ch.alloc(), host, port);
                        SSLParameters p = sslHandler.engine().getSSLParameters();
                        p.setEndpointIdentificationAlgorithm("HTTPS");
                        sslHandler.engine().setSSLParameters(p);
                        ch.pipeline()
                                .addLast("ssl", sslHandler)
                                .addLast("http", new HttpClientCodec())
                                .addLast("agg", new HttpObjectAggregator(64 * 1024))
                                .addLast("ws", new WebSocketClientProtocolHandler(cfg))
                                .addLast("wsagg", new WebSocketFrameAggregator(maxFrameBytes))
                                .addLast("await", new AwaitHandshake(result, nodeName, keepalive, idleTimeout, endpoint, uri));
                    }
                });
        b.connect(host, port).addListener(f -> {
            if (!f.isSuccess()) {
                result.completeExceptionally(explain(f.cause(), uri));
            }
        });
        return result;
    }

    /** Waits for the handshake, then installs keepalive and frame handling. */
    private static final class AwaitHandshake extends ChannelInboundHandlerAdapter {
        private final CompletableFuture<ClientConnection> result;
        private final String nodeName;
        private final Duration keepalive;
        private final Duration idleTimeout;
        private final LinkEndpoint endpoint;
        private final URI uri;

        AwaitHandshake(CompletableFuture<ClientConnection> result, String nodeName, Duration keepalive, Duration idleTimeout,
                LinkEndpoint endpoint, URI uri) {
            this.result = result;
            this.nodeName = nodeName;
            this.keepalive = keepalive;
            this.idleTimeout = idleTimeout;
            this.endpoint = endpoint;
            this.uri = uri;
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            if (evt == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_COMPLETE) {
                Channel ch = ctx.channel();
                X509Certificate peer = (X509Certificate) ((SslHandler) ch.pipeline().get("ssl")).engine().getSession()
                        .getPeerCertificates()[0];
                NettyConnection base = new NettyConnection(ch, nodeName, peer, true);
                LinkServer.Frames frames = new LinkServer.Frames(base, null, endpoint,
                        "no traffic from the cloud for " + idleTimeout.toSeconds() + " s (half-open connection)");
                ClientConnection conn = new Client(base, frames);
                frames.facade = conn;
                ch.pipeline().addLast("idle", new IdleStateHandler(idleTimeout.toMillis(), keepalive.toMillis(), 0, TimeUnit.MILLISECONDS));
                ch.pipeline().addLast("frames", frames);
                ch.pipeline().remove(this);
                endpoint.opened(conn);
                result.complete(conn);
                return;
            }
            if (evt == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_TIMEOUT) {
                result.completeExceptionally(new java.io.IOException("the cloud at " + uri.getHost() + ":" + uri.getPort()
                        + " did not complete the WebSocket handshake in time"));
            }
            super.userEventTriggered(ctx, evt);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            result.completeExceptionally(explain(cause, uri));
            ctx.close();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            result.completeExceptionally(new java.io.IOException("the cloud at " + uri.getHost() + ":" + uri.getPort()
                    + " closed the connection during the handshake (is this a hub port? was the certificate refused?)"));
            super.channelInactive(ctx);
        }
    }

    private record Client(NettyConnection base, LinkServer.Frames frames) implements ClientConnection {
        @Override
        public String nodeName() {
            return base.nodeName();
        }

        @Override
        public java.net.SocketAddress remoteAddress() {
            return base.remoteAddress();
        }

        @Override
        public X509Certificate peerCertificate() {
            return base.peerCertificate();
        }

        @Override
        public boolean send(byte[] frame) {
            return base.send(frame);
        }

        @Override
        public void close(int code, String reason) {
            base.close(code, reason);
        }

        @Override
        public boolean isOpen() {
            return base.isOpen();
        }

        @Override
        public void ping() {
            frames.lastPingSentNanos = System.nanoTime();
            base.channel().writeAndFlush(new PingWebSocketFrame(Unpooled.EMPTY_BUFFER), base.channel().voidPromise());
        }

        @Override
        public long rttMillis() {
            return frames.lastRttMillis;
        }
    }

    /** Turns transport failures into messages that say what to check. */
    static java.io.IOException explain(Throwable cause, URI uri) {
        String where = uri.getHost() + ":" + uri.getPort();
        Throwable root = cause;
        while (root.getCause() != null && root.getCause() != root) {
            if (root instanceof SSLHandshakeException) {
                break;
            }
            root = root.getCause();
        }
        String msg;
        if (cause instanceof ConnectException || root instanceof ConnectException) {
            msg = "cannot reach the cloud hub at " + where + ": " + root.getMessage()
                    + " (check the address and port, and that the cloud side is running)";
        } else if (hasCause(cause, CertificateException.class) && String.valueOf(messages(cause)).contains("No subject alternative")) {
            msg = "the cloud hub at " + where + " presented a certificate that is not valid for '" + uri.getHost()
                    + "' (" + messages(cause) + "); connect with a name or address the cloud certificate lists, or add '"
                    + uri.getHost() + "' to the cloud hub's advertiseAddress";
        } else if (hasCause(cause, SSLHandshakeException.class) || hasCause(cause, CertificateException.class)) {
            msg = "TLS handshake with the cloud hub at " + where + " failed: " + messages(cause)
                    + " (a different CA than the one this gateway joined, or a certificate the cloud refused: re-join with a fresh token)";
        } else if (cause instanceof WebSocketClientHandshakeException) {
            msg = "the cloud hub at " + where + " refused the connection: " + cause.getMessage();
        } else {
            msg = "link to " + where + " failed: " + messages(cause);
        }
        return new java.io.IOException(msg, cause);
    }

    private static boolean hasCause(Throwable t, Class<? extends Throwable> type) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (type.isInstance(c)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Joins the messages of an exception chain, each once, for errors shown to users.
     *
     * @return the messages joined by ": ", or the exception's class name when none has one
     */
    public static String messages(Throwable t) {
        StringBuilder sb = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c.getMessage() != null && sb.indexOf(c.getMessage()) < 0) {
                if (sb.length() > 0) {
                    sb.append(": ");
                }
                sb.append(c.getMessage());
            }
        }
        return sb.length() == 0 ? t.getClass().getSimpleName() : sb.toString();
    }
}
