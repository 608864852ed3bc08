package io.outpost.link.transport;

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
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.ReadTimeoutHandler;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * A small HTTPS server for the certificate bootstrap. Request bodies are capped; handlers run on
 * the given executor (they may block, e.g. on the Kubernetes API), never on an I/O thread.
 */
public final class HttpsServer implements AutoCloseable {
    /**
     * One request.
     *
     * @param method upper-case method
     * @param path the decoded path, without query
     * @param headers request headers, names in lower case
     * @param body the body, possibly empty
     * @param clientCertificate the verified client certificate, or null when none was presented
     */
    public record Request(String method, String path, Map<String, String> headers, byte[] body, X509Certificate clientCertificate) {
        public String header(String name) {
            return headers.get(name.toLowerCase(java.util.Locale.ROOT));
        }
    }

    /**
     * One response.
     *
     * @param headers further headers (e.g. {@code Content-Range}), never null
     */
    public record Response(int status, String contentType, Map<String, String> headers, byte[] body) {
        public Response(int status, String contentType, byte[] body) {
            this(status, contentType, Map.of(), body);
        }

        public static Response text(int status, String text) {
            return new Response(status, "text/plain; charset=utf-8", (text + "\n").getBytes(StandardCharsets.UTF_8));
        }
    }

    private final Channel serverChannel;

    private HttpsServer(Channel ch) {
        this.serverChannel = ch;
    }

    /**
     * @param ssl a server context; client certificates optional (for renewals)
     * @param maxBodyBytes larger bodies are answered with 413
     */
    public static HttpsServer bind(EventLoopGroup group, InetSocketAddress address, SslContext ssl, int maxBodyBytes,
            Executor executor, Function<Request, Response> handler) throws InterruptedException {
        ServerBootstrap b = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline()
                                .addLast("timeout", new ReadTimeoutHandler(30))
                                .addLast("ssl", ssl.newHandler(ch.alloc()))
                                .addLast("http", new HttpServerCodec())
                                .addLast("agg", new HttpObjectAggregator(maxBodyBytes))
                                .addLast("handler", new Dispatch(executor, handler));
                    }
                });
        return new HttpsServer(b.bind(address).sync().channel());
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) serverChannel.localAddress();
    }

    @Override
    public void close() {
        serverChannel.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    private static final class Dispatch extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final Executor executor;
        private final Function<Request, Response> handler;

        Dispatch(Executor executor, Function<Request, Response> handler) {
            this.executor = executor;
            this.handler = handler;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
            X509Certificate cert = null;
            try {
                var certs = ((SslHandler) ctx.pipeline().get("ssl")).engine().getSession().getPeerCertificates();
                cert = (X509Certificate) certs[0];
            } catch (Exception e) {
                // no client certificate: a first join
            }
            Map<String, String> headers = req.headers().entries().stream().collect(Collectors.toMap(
                    e -> e.getKey().toLowerCase(java.util.Locale.ROOT), Map.Entry::getValue, (a, c) -> a));
            Request r = new Request(req.method().name(), new QueryStringDecoder(req.uri()).path(), headers,
                    ByteBufUtil.getBytes(req.content()), cert);
            boolean keepAlive = HttpUtil.isKeepAlive(req);
            executor.execute(() -> {
                Response resp;
                try {
                    resp = handler.apply(r);
                } catch (RuntimeException e) {
                    resp = Response.text(500, "internal error: " + e.getMessage());
                }
                var out = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(resp.status()),
                        Unpooled.wrappedBuffer(resp.body()));
                resp.headers().forEach((k, v) -> out.headers().set(k, v));
                out.headers().set(HttpHeaderNames.CONTENT_TYPE, resp.contentType());
                out.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, resp.body().length);
                var f = ctx.writeAndFlush(out);
                if (!keepAlive) {
                    f.addListener(ChannelFutureListener.CLOSE);
                }
            });
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
