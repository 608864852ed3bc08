package io.outpost.edge.localapi;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.ssl.SslContext;
import java.net.InetSocketAddress;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * The local API's HTTPS server: Netty (ADR 0007), TLS on a loopback address, bounded
 * request line, headers and body, requests answered on the given executor (they read SQLite),
 * never on the I/O thread. Watches are chunked streams of JSON lines; a watcher that does not
 * read (more than {@link #MAX_PENDING_BYTES} waiting) is disconnected and re-watches, as
 * Kubernetes clients do.
 */
public final class LocalApiServer implements AutoCloseable {
    /** Longest request line (method, path and query). */
    public static final int MAX_INITIAL_LINE = 8192;
    /** Largest header block. */
    public static final int MAX_HEADER_BYTES = 16 * 1024;
    /** Largest request body: the API is read-only, nobody needs to send one. */
    public static final int MAX_BODY_BYTES = 64 * 1024;
    /** Bytes a watch may have unsent before its client counts as too slow. */
    public static final int MAX_PENDING_BYTES = 4 * 1024 * 1024;

    private final Channel serverChannel;

    private LocalApiServer(Channel serverChannel) {
        this.serverChannel = serverChannel;
    }

    /**
     * Binds the server.
     *
     * @param group the I/O event loop group (owned by the caller)
     * @param address where to listen
     * @param ssl the server's TLS context
     * @param api answers requests
     * @param executor runs requests and starts watches
     * @throws InterruptedException when interrupted while binding
     */
    public static LocalApiServer bind(EventLoopGroup group, InetSocketAddress address, SslContext ssl, LocalApi api, Executor executor)
            throws InterruptedException {
        ServerBootstrap b = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(MAX_PENDING_BYTES / 4, MAX_PENDING_BYTES))
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline()
                                .addLast("tls", ssl.newHandler(ch.alloc()))
                                .addLast("http", new HttpServerCodec(MAX_INITIAL_LINE, MAX_HEADER_BYTES, 8192))
                                .addLast("agg", new HttpObjectAggregator(MAX_BODY_BYTES))
                                .addLast("api", new Dispatch(api, executor));
                    }
                });
        return new LocalApiServer(b.bind(address).sync().channel());
    }

    /** @return where the server listens (with the real port when bound to port 0) */
    public InetSocketAddress address() {
        return (InetSocketAddress) serverChannel.localAddress();
    }

    @Override
    public void close() {
        serverChannel.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    private static final class Dispatch extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final LocalApi api;
        private final Executor executor;

        Dispatch(LocalApi api, Executor executor) {
            this.api = api;
            this.executor = executor;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
            if (req.decoderResult().isFailure()) {
                write(ctx, LocalApi.error(400, "BadRequest", "the request is malformed, or its line or headers are too long"), false, false);
                return;
            }
            QueryStringDecoder qs = new QueryStringDecoder(req.uri());
            LocalApi.Request r = new LocalApi.Request(req.method().name(), qs.path(), qs.parameters(),
                    req.headers().get(HttpHeaderNames.AUTHORIZATION), req.headers().get(HttpHeaderNames.ACCEPT));
            boolean keepAlive = HttpUtil.isKeepAlive(req);
            boolean head = req.method().name().equals("HEAD");
            try {
                executor.execute(() -> {
                    LocalApi.Reply reply;
                    try {
                        reply = api.handle(r);
                    } catch (RuntimeException e) {
                        // e.g. the meta store cannot be read: say so, the client retries
                        reply = LocalApi.error(503, "ServiceUnavailable", "the gateway's store could not be read: " + e.getMessage());
                    }
                    if (reply instanceof LocalApi.Stream s) {
                        watch(ctx.channel(), s);
                    } else {
                        write(ctx, (LocalApi.Full) reply, keepAlive, head);
                    }
                });
            } catch (RejectedExecutionException e) {
                write(ctx, LocalApi.error(503, "ServiceUnavailable", "the local API is shutting down"), false, false);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close(); // a reset connection: nothing to answer
        }

        private void watch(Channel ch, LocalApi.Stream s) {
            DefaultHttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
            head.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json");
            head.headers().set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
            head.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-cache, private");
            ch.writeAndFlush(head);
            ChangeLog.Sink sink = new ChangeLog.Sink() {
                private boolean first = true;

                @Override
                public boolean event(String type, com.fasterxml.jackson.databind.node.ObjectNode object) {
                    if (!ch.isActive() || !ch.isWritable()) {
                        return false;
                    }
                    byte[] line = api.encodeEvent(s, type, object, first);
                    first = false;
                    ch.writeAndFlush(new DefaultHttpContent(Unpooled.wrappedBuffer(line)));
                    return true;
                }

                @Override
                public void end() {
                    ch.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT).addListener(ChannelFutureListener.CLOSE);
                }
            };
            ChangeLog.Watch w;
            try {
                w = api.startWatch(s, sink);
            } catch (ChangeLog.Expired e) {
                ch.write(new DefaultHttpContent(Unpooled.wrappedBuffer(api.expiredEvent(e))));
                sink.end();
                return;
            } catch (RuntimeException e) {
                ch.write(new DefaultHttpContent(Unpooled.wrappedBuffer(api.expiredEvent(new ChangeLog.Expired(
                        "the gateway's store could not be read: " + e.getMessage())))));
                sink.end();
                return;
            }
            ChangeLog.Watch watch = w;
            ch.closeFuture().addListener(f -> watch.cancel());
            ch.eventLoop().schedule(() -> {
                watch.cancel();
                sink.end();
            }, s.timeoutSeconds(), TimeUnit.SECONDS);
        }

        private static void write(ChannelHandlerContext ctx, LocalApi.Full reply, boolean keepAlive, boolean head) {
            DefaultFullHttpResponse resp = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(reply.status()),
                    head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(reply.body()));
            resp.headers().set(HttpHeaderNames.CONTENT_TYPE, reply.contentType());
            resp.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-cache, private");
            if (reply.status() == 401) {
                resp.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer realm=\"outpost-local\"");
            }
            HttpUtil.setContentLength(resp, reply.body().length);
            HttpUtil.setKeepAlive(resp, keepAlive);
            var f = ctx.writeAndFlush(resp);
            if (!keepAlive) {
                f.addListener(ChannelFutureListener.CLOSE);
            }
        }
    }
}
