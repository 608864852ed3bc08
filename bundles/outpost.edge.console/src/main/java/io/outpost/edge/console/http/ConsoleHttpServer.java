package io.outpost.edge.console.http;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The console's HTTPS server: TLS only, bounded request line, headers and body, handlers on the
 * given executor (they may block, e.g. while a feature installs), never on the I/O thread.
 * Server-sent event streams stay open until the client leaves or the server closes.
 */
public final class ConsoleHttpServer implements AutoCloseable {
    /** Longest request line (method, path and query). */
    public static final int MAX_INITIAL_LINE = 4096;
    /** Largest header block. */
    public static final int MAX_HEADER_BYTES = 16 * 1024;
    /** A connection idle this long is closed; event streams send a heartbeat well before. */
    static final int IDLE_SECONDS = 90;

    private static final Map<String, String> SECURITY_HEADERS = Map.of(
            "Strict-Transport-Security", "max-age=31536000",
            "X-Content-Type-Options", "nosniff",
            "X-Frame-Options", "DENY",
            "Referrer-Policy", "no-referrer",
            // Scripts and styles come from the console's own files only: no inline script runs.
            "Content-Security-Policy", "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'");

    private final Channel serverChannel;
    private final List<Channel> streams = new CopyOnWriteArrayList<>();

    private ConsoleHttpServer(ServerBootstrap b, InetSocketAddress address) throws InterruptedException {
        this.serverChannel = b.bind(address).sync().channel();
    }

    /**
     * Binds the server.
     *
     * @param group the event loop group (owned by the caller)
     * @param address where to listen
     * @param ssl the server's TLS context
     * @param maxBodyBytes larger bodies are answered with 413
     * @param executor runs the handler
     * @param handler answers requests; a RuntimeException becomes a JSON 500 without details
     */
    public static ConsoleHttpServer bind(EventLoopGroup group, InetSocketAddress address, SslContext ssl, int maxBodyBytes, Executor executor,
            Function<HttpRequest, HttpResponse> handler) throws InterruptedException {
        ConsoleHttpServer[] self = new ConsoleHttpServer[1];
        ServerBootstrap b = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline()
                                .addLast("idle", new IdleStateHandler(0, 0, IDLE_SECONDS))
                                .addLast("ssl", ssl.newHandler(ch.alloc()))
                                .addLast("http", new HttpServerCodec(MAX_INITIAL_LINE, MAX_HEADER_BYTES, 8192))
                                .addLast("agg", new HttpObjectAggregator(maxBodyBytes))
                                .addLast("handler", new Dispatch(executor, handler, self));
                    }
                });
        self[0] = new ConsoleHttpServer(b, address);
        return self[0];
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) serverChannel.localAddress();
    }

    @Override
    public void close() {
        serverChannel.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        for (Channel c : streams) {
            c.close();
        }
    }

    private static void addHeaders(HttpHeaders h, HttpResponse resp) {
        SECURITY_HEADERS.forEach(h::set);
        h.set(HttpHeaderNames.CONTENT_TYPE, resp.contentType());
        resp.headers().forEach((k, v) -> {
            // Set-Cookie may repeat; the others replace
            if (k.equalsIgnoreCase("Set-Cookie")) {
                h.add(k, v);
            } else {
                h.set(k, v);
            }
        });
    }

    private static final class Dispatch extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final Executor executor;
        private final Function<HttpRequest, HttpResponse> handler;
        private final ConsoleHttpServer[] server;

        Dispatch(Executor executor, Function<HttpRequest, HttpResponse> handler, ConsoleHttpServer[] server) {
            this.executor = executor;
            this.handler = handler;
            this.server = server;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
            if (req.decoderResult().isFailure()) {
                // an over-long request line or header block, or garbage
                write(ctx, json(400, "the request is malformed or its line or headers are too long"), false);
                return;
            }
            Map<String, String> headers = new HashMap<>();
            for (Map.Entry<String, String> e : req.headers()) {
                headers.putIfAbsent(e.getKey().toLowerCase(Locale.ROOT), e.getValue());
            }
            QueryStringDecoder qs = new QueryStringDecoder(req.uri());
            String remote = ctx.channel().remoteAddress() instanceof InetSocketAddress a ? a.getAddress().getHostAddress() : "?";
            HttpRequest r = new HttpRequest(req.method().name(), qs.path(), qs.parameters(), headers, ByteBufUtil.getBytes(req.content()), remote);
            boolean keepAlive = HttpUtil.isKeepAlive(req);
            try {
                executor.execute(() -> {
                    HttpResponse resp;
                    try {
                        resp = handler.apply(r);
                    } catch (RuntimeException e) {
                        resp = json(500, "internal error: " + e.getClass().getSimpleName());
                    }
                    if (resp.stream() != null) {
                        stream(ctx, resp);
                    } else {
                        write(ctx, resp, keepAlive);
                    }
                });
            } catch (RejectedExecutionException e) {
                write(ctx, json(503, "the console is shutting down"), false);
            }
        }

        private void stream(ChannelHandlerContext ctx, HttpResponse resp) {
            var head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(resp.status()));
            addHeaders(head.headers(), resp);
            head.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
            head.headers().set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
            Channel ch = ctx.channel();
            ch.writeAndFlush(head);
            ConsoleHttpServer s = server[0];
            if (s != null) {
                s.streams.add(ch);
                ch.closeFuture().addListener(f -> s.streams.remove(ch));
            }
            resp.stream().accept(new EventSink() {
                @Override
                public void send(String event, String data) {
                    if (ch.isActive()) {
                        String frame = "event: " + event + "\ndata: " + data.replace('\n', ' ') + "\n\n";
                        ch.writeAndFlush(new DefaultHttpContent(Unpooled.copiedBuffer(frame, StandardCharsets.UTF_8)));
                    }
                }

                @Override
                public void close() {
                    ch.close();
                }

                @Override
                public boolean isOpen() {
                    return ch.isActive();
                }

                @Override
                public void onClose(Runnable action) {
                    ch.closeFuture().addListener(f -> action.run());
                }
            });
        }

        private static HttpResponse json(int status, String error) {
            return HttpResponse.of(status, "application/json",
                    ("{\"error\":\"" + error.replace("\"", "'") + "\"}").getBytes(StandardCharsets.UTF_8));
        }

        private static void write(ChannelHandlerContext ctx, HttpResponse resp, boolean keepAlive) {
            var out = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(resp.status()),
                    Unpooled.wrappedBuffer(resp.body()));
            addHeaders(out.headers(), resp);
            out.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, resp.body().length);
            if (!keepAlive) {
                out.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            }
            var f = ctx.writeAndFlush(out);
            if (!keepAlive) {
                f.addListener(ChannelFutureListener.CLOSE);
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof IdleStateEvent) {
                ctx.close();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // TLS handshake failures, resets: nothing to answer
            ctx.close();
        }
    }
}
