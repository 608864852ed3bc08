package io.outpost.mesh.tunnel;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.timeout.ReadTimeoutHandler;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The relay for gateways with no route to each other (run by the cloud, which every gateway
 * reaches). Gateway A dials the relay and sends CONNECT naming gateway B; the relay asks B over
 * the cloud link ({@link Caller}) to dial the relay and identify the call with ACCEPT; then it
 * tells B who calls (CONNECT A), tells A CONNECTED, and passes bytes both ways: A and B run their
 * own TLS session inside the relay's, so the relay forwards what it cannot read. Both hops are
 * authenticated with node certificates of the cluster CA; B must be the node A named. At most {@link #MAX_PENDING} calls
 * wait at once, each at most {@link #ANSWER_SECONDS}. No OSGi.
 */
public final class Relay implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Relay.class);
    /** The relay's node name in its certificate (CN system:node:outpost-relay). */
    public static final String NODE_NAME = "outpost-relay";
    public static final int MAX_PENDING = 1024;
    public static final int ANSWER_SECONDS = 10;
    static final int MAX_SESSION_ID = 64;

    /** Asks a gateway to dial the relay for a session; false when the gateway is not connected. */
    @FunctionalInterface
    public interface Caller {
        boolean call(String node, String sessionId);
    }

    private record Pending(String node, Channel caller, String callerNode) {
    }

    /** Sees what the relay forwards (a read-only view, valid during the call). */
    private static final class Tap extends io.netty.channel.ChannelInboundHandlerAdapter {
        private final java.util.function.Consumer<io.netty.buffer.ByteBuf> sink;

        Tap(java.util.function.Consumer<io.netty.buffer.ByteBuf> sink) {
            this.sink = sink;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof io.netty.buffer.ByteBuf b) {
                sink.accept(b.asReadOnly());
            }
            ctx.fireChannelRead(msg);
        }
    }

    private volatile java.util.function.Consumer<io.netty.buffer.ByteBuf> tap;

    /** For tests and diagnostics: {@code sink} sees every byte the relay forwards from now on, as the relay sees it. */
    public void tap(java.util.function.Consumer<io.netty.buffer.ByteBuf> sink) {
        this.tap = sink;
    }

    private final EventLoopGroup group;
    private final SslContext tls;
    private final Caller caller;
    private final Map<String, Pending> pending = new ConcurrentHashMap<>();
    private Channel server;
    /** Every connection of the relay, so that closing it ends the relayed streams too. */
    private final io.netty.channel.group.ChannelGroup connections =
            new io.netty.channel.group.DefaultChannelGroup(io.netty.util.concurrent.GlobalEventExecutor.INSTANCE);

    public Relay(EventLoopGroup group, SslContext serverTls, Caller caller) {
        this.group = group;
        this.tls = serverTls;
        this.caller = caller;
    }

    public InetSocketAddress listen(InetSocketAddress bind) throws InterruptedException {
        server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        connections.add(ch);
                        ch.pipeline().addLast("timeout", new ReadTimeoutHandler(ANSWER_SECONDS + 5));
                        ch.pipeline().addLast("tls", tls.newHandler(ch.alloc()));
                        ch.pipeline().addLast("frames", new FrameCodec());
                        ch.pipeline().addLast("relay", new First());
                    }
                }).bind(bind).sync().channel();
        return (InetSocketAddress) server.localAddress();
    }

    /** @return calls waiting for their gateway */
    public int pending() {
        return pending.size();
    }

    private final class First extends SimpleChannelInboundHandler<Frame> {
        private String peer = "";

        First() {
            super(false);
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            if (evt instanceof SslHandshakeCompletionEvent e) {
                if (!e.isSuccess()) {
                    ctx.close();
                    return;
                }
                peer = TunnelTls.peerNode(ctx.pipeline().get(SslHandler.class).engine().getSession());
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, Frame f) {
            Channel ch = ctx.channel();
            if (f.type() == Frame.CONNECT) {
                String node = f.text();
                f.release();
                if (node.length() > 253 || !node.matches("[a-z0-9]([-a-z0-9.]*[a-z0-9])?")) {
                    refuse(ch, "CONNECT names no node ('" + node + "')");
                    return;
                }
                if (pending.size() >= MAX_PENDING) {
                    refuse(ch, "the relay is busy; try again");
                    return;
                }
                String id = UUID.randomUUID().toString();
                ch.config().setAutoRead(false);
                pending.put(id, new Pending(node, ch, peer));
                ch.eventLoop().schedule(() -> {
                    if (pending.remove(id) != null) {
                        refuse(ch, "gateway " + node + " did not answer the relay within " + ANSWER_SECONDS + " s");
                    }
                }, ANSWER_SECONDS, TimeUnit.SECONDS);
                ch.closeFuture().addListener(x -> pending.remove(id));
                if (!caller.call(node, id)) {
                    pending.remove(id);
                    refuse(ch, "gateway " + node + " is not connected to the cloud");
                } else {
                    LOG.debug("relay call {} from {} to {}", id, peer, node);
                }
            } else if (f.type() == Frame.ACCEPT) {
                String id = f.payload().readableBytes() > MAX_SESSION_ID ? "" : f.text();
                f.release();
                Pending p = pending.get(id);
                if (p == null || !p.node().equals(peer)) {
                    refuse(ch, "no relay call " + id + " for " + peer);
                    return;
                }
                pending.remove(id);
                Channel a = p.caller();
                if (!a.isActive()) {
                    ch.close();
                    return;
                }
                // Tell the called gateway who calls (it checks that in its own TLS with the caller),
                // then pass bytes: from here on the relay cannot read what it forwards.
                ch.config().setAutoRead(false);
                ch.writeAndFlush(Frame.text(Frame.CONNECT, p.callerNode()));
                ch.pipeline().remove("timeout");
                ch.pipeline().remove("frames");
                ch.pipeline().remove(this);
                var sink = tap;
                if (sink != null) {
                    ch.pipeline().addLast("tap", new Tap(sink));
                }
                a.eventLoop().execute(() -> {
                    if (!a.isActive()) {
                        ch.close();
                        return;
                    }
                    a.writeAndFlush(Frame.empty(Frame.CONNECTED));
                    a.pipeline().remove("timeout");
                    a.pipeline().remove("frames");
                    a.pipeline().remove("relay");
                    if (sink != null) {
                        a.pipeline().addLast("tap", new Tap(sink));
                    }
                    Splice.join(a, ch);
                });
            } else {
                f.release();
                refuse(ch, "a relay connection starts with CONNECT or ACCEPT, not frame type " + f.type());
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    private static void refuse(Channel ch, String why) {
        LOG.info("relay refused: {}", why);
        ch.writeAndFlush(Frame.error(why)).addListener(x -> ch.close());
    }

    static Frame accept(String sessionId) {
        return new Frame(Frame.ACCEPT, io.netty.buffer.Unpooled.copiedBuffer(sessionId, StandardCharsets.US_ASCII));
    }

    @Override
    public void close() {
        if (server != null) {
            server.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        }
        connections.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
    }
}
