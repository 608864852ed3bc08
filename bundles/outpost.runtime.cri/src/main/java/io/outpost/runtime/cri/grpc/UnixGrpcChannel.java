package io.outpost.runtime.cri.grpc;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A gRPC channel to a server on a unix domain socket, for unary calls (one request, one response),
 * which is all CRI's runtime and image services need. One HTTP/2 connection is opened on the first
 * call and shared by concurrent calls (one stream each); when it breaks, the next call opens a new
 * one, so a restarted runtime is picked up without anything else.
 *
 * <p>Bounded on every input: the response message size ({@code maxMessageBytes}, checked before
 * buffering), the response header list ({@link #MAX_HEADER_LIST_BYTES}), and time (every call has
 * a deadline, sent as {@code grpc-timeout} and enforced here).
 *
 * <p>Thread-safe. Owns one event loop thread, ended by {@link #close()}: the transport needs an
 * event loop of its own kind (epoll, for unix sockets), which no shared scheduler provides.
 */
public final class UnixGrpcChannel implements AutoCloseable {
    /** Largest header list accepted from the server; gRPC's own default is 8 KiB. */
    public static final int MAX_HEADER_LIST_BYTES = 64 * 1024;

    private final Path socket;
    private final int maxMessageBytes;
    private final EventLoopGroup group;
    private final Bootstrap bootstrap;
    private Future<Channel> connection; // guarded by this
    private boolean closed; // guarded by this

    /**
     * @param socket the server's unix socket
     * @param connectTimeout how long connecting may take
     * @param maxMessageBytes largest response message accepted
     * @throws IllegalStateException when the epoll transport is not available on this machine
     */
    public UnixGrpcChannel(Path socket, Duration connectTimeout, int maxMessageBytes) {
        this.socket = Objects.requireNonNull(socket, "socket");
        this.maxMessageBytes = maxMessageBytes;
        if (!Epoll.isAvailable()) {
            throw new IllegalStateException("unix domain sockets need Netty's epoll transport, which is not available "
                    + "here (Linux x86_64/aarch64 with netty-transport-native-epoll): " + Epoll.unavailabilityCause());
        }
        group = new EpollEventLoopGroup(1, new DefaultThreadFactory("outpost-cri-grpc", true));
        bootstrap = new Bootstrap()
                .group(group)
                .channel(EpollDomainSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.max(1, connectTimeout.toMillis()));
    }

    /**
     * The pipeline of one connection. {@code ready} completes once the HTTP/2 preface and settings
     * are written (the codec writes them when the channel becomes active, before passing that on):
     * a stream opened earlier would put its frames before the preface, and the server would drop
     * the connection.
     */
    private static ChannelInitializer<Channel> initializer(Promise<Channel> ready) {
        return new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel ch) {
                ch.pipeline().addLast(
                        Http2FrameCodecBuilder.forClient()
                                .initialSettings(Http2Settings.defaultSettings()
                                        .maxHeaderListSize(MAX_HEADER_LIST_BYTES)
                                        .pushEnabled(false))
                                .build(),
                        // The server never opens streams to us (no push); refuse any it tries.
                        new Http2MultiplexHandler(new ChannelInboundHandlerAdapter() {
                            @Override
                            public void channelActive(ChannelHandlerContext ctx) {
                                ctx.close();
                            }
                        }),
                        new ChannelInboundHandlerAdapter() {
                            @Override
                            public void channelActive(ChannelHandlerContext ctx) {
                                ready.trySuccess(ctx.channel());
                                ctx.fireChannelActive();
                            }

                            @Override
                            public void channelInactive(ChannelHandlerContext ctx) {
                                ready.tryFailure(new GrpcException(GrpcCode.UNAVAILABLE, "the connection closed"));
                                ctx.fireChannelInactive();
                            }

                            @Override
                            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                // A broken connection (reset by the peer, a protocol error): drop it; its
                                // calls fail as their streams close, and the next call reconnects.
                                ready.tryFailure(cause);
                                ctx.close();
                            }
                        });
            }
        };
    }

    /** @return the socket this channel connects to */
    public Path socket() {
        return socket;
    }

    /**
     * Starts a unary call.
     *
     * @param method the full method path, for example {@code /runtime.v1.RuntimeService/Version}
     * @param request the serialized request message
     * @param timeout the call's deadline from now; positive
     * @return the serialized response message; fails with {@link GrpcException}
     */
    public CompletableFuture<byte[]> unary(String method, byte[] request, Duration timeout) {
        CompletableFuture<byte[]> result = new CompletableFuture<>();
        Future<Channel> conn;
        try {
            conn = connection();
        } catch (GrpcException e) {
            result.completeExceptionally(e);
            return result;
        }
        // The deadline covers connecting too.
        ScheduledFuture<?> deadline = group.next().schedule(() -> {
            result.completeExceptionally(new GrpcException(GrpcCode.DEADLINE_EXCEEDED,
                    "no answer from " + socket + " to " + method + " within " + timeout.toMillis() + " ms"));
        }, Math.max(1, timeout.toNanos()), TimeUnit.NANOSECONDS);
        result.whenComplete((r, e) -> deadline.cancel(false));
        conn.addListener(f -> {
            if (!f.isSuccess()) {
                result.completeExceptionally(unavailable(f.cause()));
                return;
            }
            if (result.isDone()) {
                return;
            }
            new Http2StreamChannelBootstrap(conn.getNow())
                    .handler(new UnaryCall(result, maxMessageBytes, method))
                    .open()
                    .addListener(s -> {
                        if (!s.isSuccess()) {
                            result.completeExceptionally(unavailable(s.cause()));
                            return;
                        }
                        Http2StreamChannel stream = (Http2StreamChannel) s.getNow();
                        // A call given up (deadline, caller) resets its stream: the server stops working on it.
                        result.whenComplete((r, e) -> {
                            if (e != null) {
                                stream.close();
                            }
                        });
                        Http2Headers headers = new DefaultHttp2Headers()
                                .method("POST")
                                .scheme("http")
                                .path(method)
                                .authority("localhost")
                                .add("content-type", "application/grpc")
                                .add("te", "trailers")
                                .add("user-agent", "outpost-cri/0.1")
                                .add("grpc-timeout", GrpcFraming.timeoutHeader(timeout));
                        stream.write(new DefaultHttp2HeadersFrame(headers, false));
                        stream.writeAndFlush(new DefaultHttp2DataFrame(
                                GrpcFraming.frame(stream.alloc(), request), true));
                    });
        });
        return result;
    }

    private synchronized Future<Channel> connection() {
        if (closed) {
            throw new GrpcException(GrpcCode.UNAVAILABLE, "the channel to " + socket + " is closed");
        }
        if (connection != null && (!connection.isDone() || (connection.isSuccess() && connection.getNow().isActive()))) {
            return connection;
        }
        if (!Files.exists(socket)) {
            throw new GrpcException(GrpcCode.UNAVAILABLE, "the socket " + socket
                    + " does not exist: is containerd running and configured with this address?");
        }
        Promise<Channel> ready = group.next().newPromise();
        bootstrap.clone().handler(initializer(ready)).connect(new DomainSocketAddress(socket.toString()))
                .addListener(f -> {
                    if (!f.isSuccess()) {
                        ready.tryFailure(f.cause());
                    }
                });
        connection = ready;
        return connection;
    }

    private GrpcException unavailable(Throwable cause) {
        if (cause instanceof GrpcException g) {
            return g;
        }
        return new GrpcException(GrpcCode.UNAVAILABLE,
                "cannot reach " + socket + ": " + (cause == null ? "connection failed" : cause.getMessage()), cause);
    }

    /** Ends the connection and the event loop; calls in flight fail with {@code UNAVAILABLE}. */
    @Override
    public void close() {
        Future<Channel> conn;
        synchronized (this) {
            closed = true;
            conn = connection;
        }
        if (conn != null && conn.isSuccess()) {
            conn.getNow().close();
        }
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** One call's stream: headers, at most one message, trailers. Runs on the event loop. */
    private static final class UnaryCall extends ChannelInboundHandlerAdapter {
        private final CompletableFuture<byte[]> result;
        private final MessageReader reader;
        private final String method;
        private boolean headersSeen;

        UnaryCall(CompletableFuture<byte[]> result, int maxMessageBytes, String method) {
            this.result = result;
            this.reader = new MessageReader(maxMessageBytes);
            this.method = method;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (result.isDone()) {
                    return;
                }
                if (msg instanceof Http2HeadersFrame h) {
                    onHeaders(ctx, h);
                } else if (msg instanceof Http2DataFrame d) {
                    reader.read(d.content());
                    if (d.isEndStream()) {
                        fail(ctx, new GrpcException(GrpcCode.INTERNAL, method + ": the server ended the stream without trailers"));
                    }
                }
            } catch (GrpcException e) {
                fail(ctx, e);
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        private void onHeaders(ChannelHandlerContext ctx, Http2HeadersFrame frame) {
            Http2Headers h = frame.headers();
            if (!headersSeen) {
                headersSeen = true;
                CharSequence status = h.status();
                if (status == null || !"200".contentEquals(status)) {
                    int http = parseInt(status, -1);
                    fail(ctx, new GrpcException(GrpcCode.ofHttpStatus(http),
                            method + ": the server answered HTTP " + status + " instead of gRPC"));
                    return;
                }
                CharSequence type = h.get("content-type");
                if (type == null || !type.toString().startsWith("application/grpc")) {
                    fail(ctx, new GrpcException(GrpcCode.UNKNOWN,
                            method + ": the server answered content-type " + type + ", not application/grpc"));
                    return;
                }
                if (!frame.isEndStream()) {
                    return;
                }
                // Trailers-only response: the status is in these headers.
            }
            if (!frame.isEndStream()) {
                fail(ctx, new GrpcException(GrpcCode.INTERNAL, method + ": the server sent a second header block before the end"));
                return;
            }
            CharSequence code = h.get("grpc-status");
            if (code == null) {
                fail(ctx, new GrpcException(GrpcCode.INTERNAL, method + ": the server ended the call without grpc-status"));
                return;
            }
            GrpcCode status = GrpcCode.of(parseInt(code, GrpcCode.UNKNOWN.value()));
            if (status != GrpcCode.OK) {
                String message = GrpcFraming.decodeMessage(h.get("grpc-message"));
                fail(ctx, new GrpcException(status, message.isEmpty() ? status.name() : message));
                return;
            }
            result.complete(reader.finish());
            ctx.close();
        }

        private static int parseInt(CharSequence s, int otherwise) {
            try {
                return s == null ? otherwise : Integer.parseInt(s.toString());
            } catch (NumberFormatException e) {
                return otherwise;
            }
        }

        private void fail(ChannelHandlerContext ctx, GrpcException e) {
            result.completeExceptionally(e);
            ctx.close();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
            // Netty delivers RST_STREAM to the stream channel as an event, then closes it.
            if (event instanceof Http2ResetFrame r) {
                fail(ctx, new GrpcException(r.errorCode() == 0x8 ? GrpcCode.CANCELLED : GrpcCode.UNAVAILABLE,
                        method + ": the server reset the stream (HTTP/2 error code " + r.errorCode() + ")"));
            }
            ReferenceCountUtil.release(event);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            result.completeExceptionally(new GrpcException(GrpcCode.UNAVAILABLE,
                    method + ": the connection closed before the answer"));
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            fail(ctx, cause instanceof GrpcException g ? g
                    : new GrpcException(GrpcCode.INTERNAL, method + ": " + cause.getMessage(), cause));
        }
    }
}
