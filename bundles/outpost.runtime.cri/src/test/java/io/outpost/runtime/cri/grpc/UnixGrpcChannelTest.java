package io.outpost.runtime.cri.grpc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client against a small gRPC server on a unix socket in a temporary directory, which answers
 * by method: correctly, too much, an error status, an HTTP error, or nothing. The behaviour of the
 * client on these is what its caps and deadlines are for; the real containerd is in CriRuntimeIT.
 */
class UnixGrpcChannelTest {
    static final int CAP = 4096;

    @TempDir
    Path dir;

    EventLoopGroup serverGroup;
    Channel server;
    UnixGrpcChannel client;
    final List<String> paths = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        startServer();
        client = new UnixGrpcChannel(dir.resolve("grpc.sock"), Duration.ofSeconds(2), CAP);
    }

    void startServer() throws Exception {
        Path socket = dir.resolve("grpc.sock");
        Files.deleteIfExists(socket);
        serverGroup = new EpollEventLoopGroup(1);
        server = new ServerBootstrap()
                .group(serverGroup)
                .channel(EpollServerDomainSocketChannel.class)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(Http2FrameCodecBuilder.forServer().build(),
                                new Http2MultiplexHandler(new ChannelInitializer<Channel>() {
                                    @Override
                                    protected void initChannel(Channel stream) {
                                        stream.pipeline().addLast(new Responder());
                                    }
                                }));
                    }
                })
                .bind(new DomainSocketAddress(socket.toString())).sync().channel();
    }

    @AfterEach
    void stop() throws Exception {
        client.close();
        server.close().sync();
        serverGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }

    /** Answers by the last part of the method path. */
    final class Responder extends ChannelInboundHandlerAdapter {
        private String method;
        private final MessageReader request = new MessageReader(1 << 20);

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                boolean end = false;
                if (msg instanceof Http2HeadersFrame h) {
                    method = h.headers().path().toString();
                    synchronized (paths) {
                        paths.add(method + " timeout=" + h.headers().get("grpc-timeout") + " te=" + h.headers().get("te"));
                    }
                    end = h.isEndStream();
                } else if (msg instanceof Http2DataFrame d) {
                    request.read(d.content());
                    end = d.isEndStream();
                }
                if (end) {
                    respond(ctx);
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        private void respond(ChannelHandlerContext ctx) {
            Http2Headers ok = new DefaultHttp2Headers().status("200").add("content-type", "application/grpc");
            switch (method.substring(method.lastIndexOf('/') + 1)) {
                case "Echo" -> {
                    ctx.write(new DefaultHttp2HeadersFrame(ok, false));
                    ctx.write(new DefaultHttp2DataFrame(GrpcFraming.frame(ctx.alloc(), request.finish()), false));
                    ctx.writeAndFlush(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().add("grpc-status", "0"), true));
                }
                case "Big" -> {
                    ctx.write(new DefaultHttp2HeadersFrame(ok, false));
                    ctx.writeAndFlush(new DefaultHttp2DataFrame(GrpcFraming.frame(ctx.alloc(), new byte[CAP + 1]), false));
                }
                case "NotFound" -> ctx.writeAndFlush(new DefaultHttp2HeadersFrame(ok
                        .add("grpc-status", "5").add("grpc-message", "image %22x%22: not found %E2%9C%93"), true));
                case "Http503" -> ctx.writeAndFlush(new DefaultHttp2HeadersFrame(
                        new DefaultHttp2Headers().status("503").add("content-type", "text/plain"), true));
                case "NoStatus" -> {
                    ctx.write(new DefaultHttp2HeadersFrame(ok, false));
                    ctx.writeAndFlush(new DefaultHttp2DataFrame(GrpcFraming.frame(ctx.alloc(), new byte[1]), true));
                }
                default -> {
                    // "Silent": never answers.
                }
            }
        }
    }

    static GrpcException failure(CompletableFuture<byte[]> call) {
        ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                () -> call.get(10, TimeUnit.SECONDS));
        return assertInstanceOf(GrpcException.class, e.getCause());
    }

    @Test
    void aUnaryCallGetsItsAnswerAndSendsItsDeadline() throws Exception {
        byte[] request = "ping".getBytes(StandardCharsets.UTF_8);
        assertArrayEquals(request, client.unary("/test.Service/Echo", request, Duration.ofSeconds(5)).get(5, TimeUnit.SECONDS));
        assertEquals(List.of("/test.Service/Echo timeout=5000m te=trailers"), paths);
    }

    @Test
    void concurrentCallsShareTheConnection() throws Exception {
        List<CompletableFuture<byte[]>> calls = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            calls.add(client.unary("/test.Service/Echo", new byte[] {(byte) i}, Duration.ofSeconds(5)));
        }
        for (int i = 0; i < 20; i++) {
            assertArrayEquals(new byte[] {(byte) i}, calls.get(i).get(5, TimeUnit.SECONDS));
        }
    }

    @Test
    void anAnswerOverTheCapIsRefused() throws Exception {
        GrpcException e = failure(client.unary("/test.Service/Big", new byte[0], Duration.ofSeconds(5)));
        assertEquals(GrpcCode.RESOURCE_EXHAUSTED, e.code());
        assertTrue(e.getMessage().contains((CAP + 1) + " bytes"), e.getMessage());
        // The connection is still good for the next call.
        assertArrayEquals(new byte[] {7}, client.unary("/test.Service/Echo", new byte[] {7}, Duration.ofSeconds(5)).get(5, TimeUnit.SECONDS));
    }

    @Test
    void anErrorStatusKeepsItsCodeAndDecodedMessage() {
        GrpcException e = failure(client.unary("/test.Service/NotFound", new byte[0], Duration.ofSeconds(5)));
        assertEquals(GrpcCode.NOT_FOUND, e.code());
        assertEquals("image \"x\": not found ✓", e.getMessage());
    }

    @Test
    void anHttpErrorIsMappedAsGrpcSays() {
        GrpcException e = failure(client.unary("/test.Service/Http503", new byte[0], Duration.ofSeconds(5)));
        assertEquals(GrpcCode.UNAVAILABLE, e.code());
        assertTrue(e.getMessage().contains("HTTP 503"), e.getMessage());
    }

    @Test
    void aStreamEndingWithoutTrailersIsAnError() {
        GrpcException e = failure(client.unary("/test.Service/NoStatus", new byte[0], Duration.ofSeconds(5)));
        assertEquals(GrpcCode.INTERNAL, e.code());
        assertTrue(e.getMessage().contains("without trailers"), e.getMessage());
    }

    @Test
    void aSilentServerMeetsTheDeadline() {
        long t0 = System.nanoTime();
        GrpcException e = failure(client.unary("/test.Service/Silent", new byte[0], Duration.ofMillis(300)));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(GrpcCode.DEADLINE_EXCEEDED, e.code());
        assertTrue(ms >= 250 && ms < 5000, "took " + ms + " ms");
    }

    @Test
    void aMissingSocketIsUnavailableAndSaysWhichSocket() {
        UnixGrpcChannel nowhere = new UnixGrpcChannel(dir.resolve("absent.sock"), Duration.ofSeconds(1), CAP);
        try {
            GrpcException e = failure(nowhere.unary("/test.Service/Echo", new byte[0], Duration.ofSeconds(1)));
            assertEquals(GrpcCode.UNAVAILABLE, e.code());
            assertTrue(e.getMessage().contains("absent.sock") && e.getMessage().contains("does not exist"), e.getMessage());
        } finally {
            nowhere.close();
        }
    }

    @Test
    void aServerThatGoesAwayIsUnavailableAndTheNextCallReconnects() throws Exception {
        CompletableFuture<byte[]> pending = client.unary("/test.Service/Silent", new byte[0], Duration.ofSeconds(5));
        assertArrayEquals(new byte[] {1}, client.unary("/test.Service/Echo", new byte[] {1}, Duration.ofSeconds(5)).get(5, TimeUnit.SECONDS));
        // Close every server-side connection: the pending call fails at once, not at its deadline.
        server.close().sync();
        serverGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        GrpcException e = failure(pending);
        assertEquals(GrpcCode.UNAVAILABLE, e.code(), e.getMessage());
        // While it is away, calls fail at once; when it is back, the same client reconnects.
        assertEquals(GrpcCode.UNAVAILABLE, failure(client.unary("/test.Service/Echo", new byte[0], Duration.ofSeconds(5))).code());
        startServer();
        assertArrayEquals(new byte[] {2}, client.unary("/test.Service/Echo", new byte[] {2}, Duration.ofSeconds(5)).get(5, TimeUnit.SECONDS));
    }
}
