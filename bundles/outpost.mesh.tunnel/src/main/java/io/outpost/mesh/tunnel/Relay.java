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
 * reaches). Gateway A dials the relay and sends OPEN naming gateway B; the relay asks B over the
 * cloud link ({@link Caller}) to dial the relay and identify the call with ACCEPT; then the relay
 * hands B the OPEN and passes frames both ways untouched. Both sides are authenticated with node
 * certificates of the cluster CA; B must be the node A named. At most {@link #MAX_PENDING} calls
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

    private record Pending(String node, Channel caller, Frame open) {
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
            if (f.type() == Frame.OPEN) {
                OpenRequest req;
                try {
                    req = OpenRequest.decode(f.payload().duplicate());
                } catch (IllegalArgumentException e) {
                    f.release();
                    refuse(ch, "bad OPEN: " + e.getMessage());
                    return;
                }
                if (pending.size() >= MAX_PENDING) {
                    f.release();
                    refuse(ch, "the relay is busy; try again");
                    return;
                }
                String id = UUID.randomUUID().toString();
                ch.config().setAutoRead(false);
                pending.put(id, new Pending(req.node(), ch, f));
                ch.eventLoop().schedule(() -> {
                    Pending p = pending.remove(id);
                    if (p != null) {
                        p.open().release();
                        refuse(ch, "gateway " + req.node() + " did not answer the relay within " + ANSWER_SECONDS + " s");
                    }
                }, ANSWER_SECONDS, TimeUnit.SECONDS);
                ch.closeFuture().addListener(x -> {
                    Pending p = pending.remove(id);
                    if (p != null) {
                        p.open().release();
                    }
                });
                if (!caller.call(req.node(), id)) {
                    Pending p = pending.remove(id);
                    if (p != null) {
                        p.open().release();
                    }
                    refuse(ch, "gateway " + req.node() + " is not connected to the cloud");
                } else {
                    LOG.debug("relay call {} from {} to {}", id, peer, req.node());
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
                    p.open().release();
                    ch.close();
                    return;
                }
                ch.pipeline().remove("timeout");
                ch.pipeline().remove(this);
                a.pipeline().remove("timeout");
                a.pipeline().remove("relay");
                ch.writeAndFlush(p.open());
                // Frames pass as they are: the relay reads only the headers it must (FrameCodec's caps hold).
                Splice.join(a, ch);
            } else {
                f.release();
                refuse(ch, "a relay connection starts with OPEN or ACCEPT, not frame type " + f.type());
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
