package io.outpost.mesh.tunnel;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.DatagramPacket;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.util.ReferenceCountUtil;

/**
 * Joins two channels that carry plain {@link ByteBuf}s: what one reads the other writes, with
 * back-pressure (a side stops reading while the other cannot take more), and when one closes the
 * other closes after flushing. Half-closes pass through (a client that shuts down its output, as
 * {@code nc} and HTTP/1.0 clients do, still gets the answer): a TCP FIN becomes a CLOSE frame in a
 * tunnel and a CLOSE frame a FIN; a side closes once both directions are done. Socket channels
 * joined here need {@code ALLOW_HALF_CLOSURE}. {@link #dataMode} turns a tunnel channel into such
 * a channel.
 */
public final class Splice {
    /** User event: the tunnel's peer sent CLOSE (no more data from that side). */
    static final Object TUNNEL_EOF = new Object();
    /** Written to a tunnel channel in data mode: send CLOSE (no more data from this side). */
    static final Object SHUTDOWN_OUTPUT = new Object();

    private Splice() {
    }

    /** Ends the output of a joined channel: FIN for a socket, CLOSE for a tunnel; closes it when its input ended too. */
    static void shutdownOutput(Channel c) {
        if (c.pipeline().get("data") != null) {
            c.writeAndFlush(SHUTDOWN_OUTPUT);
        } else if (c instanceof io.netty.channel.socket.SocketChannel sc) {
            if (sc.isInputShutdown()) {
                closeAfterFlush(sc);
            } else {
                c.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> sc.shutdownOutput());
            }
        } else {
            closeAfterFlush(c);
        }
    }

    public static void join(Channel a, Channel b) {
        a.pipeline().addLast("splice", new Forward(b));
        b.pipeline().addLast("splice", new Forward(a));
        a.config().setAutoRead(true);
        b.config().setAutoRead(true);
        a.read();
        b.read();
    }

    /** After OPEN/OPENED: DATA frames in become ByteBufs, ByteBufs out become DATA frames, CLOSE closes. */
    public static void dataMode(Channel tunnel) {
        tunnel.pipeline().addLast("data", new ChannelDuplexHandler() {
            private boolean closeReceived;
            private boolean closeSent;

            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                if (!(msg instanceof Frame f)) {
                    ctx.fireChannelRead(msg);
                    return;
                }
                if (f.type() == Frame.DATA) {
                    ctx.fireChannelRead(f.payload());
                    return;
                }
                f.release();
                if (f.type() != Frame.CLOSE) {
                    ctx.fireExceptionCaught(new CorruptedFrameException("frame type " + f.type() + " inside a stream"));
                    ctx.close();
                    return;
                }
                closeReceived = true;
                if (closeSent) {
                    ctx.close();
                } else {
                    ctx.fireUserEventTriggered(TUNNEL_EOF);
                }
            }

            @Override
            public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
                if (msg == SHUTDOWN_OUTPUT) {
                    closeSent = true;
                    ctx.writeAndFlush(Frame.empty(Frame.CLOSE), promise).addListener(f -> {
                        if (closeReceived) {
                            ctx.close();
                        }
                    });
                    return;
                }
                if (msg instanceof ByteBuf b) {
                    // Split what is larger than a frame may be (TCP reads can be up to 64 KiB and more).
                    while (b.readableBytes() > Frame.MAX_PAYLOAD) {
                        ctx.write(Frame.data(b.readRetainedSlice(Frame.MAX_PAYLOAD)));
                    }
                    ctx.write(Frame.data(b), promise);
                } else {
                    ctx.write(msg, promise);
                }
            }
        });
    }

    private static final class Forward extends ChannelInboundHandlerAdapter {
        private final Channel peer;

        Forward(Channel peer) {
            this.peer = peer;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            Object out = msg instanceof DatagramPacket p ? p.content() : msg;
            if (!peer.isActive()) {
                ReferenceCountUtil.release(out);
                return;
            }
            peer.writeAndFlush(out);
            if (!peer.isWritable()) {
                ctx.channel().config().setAutoRead(false);
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt == TUNNEL_EOF || evt == io.netty.channel.socket.ChannelInputShutdownEvent.INSTANCE) {
                shutdownOutput(peer);
                if (ctx.channel() instanceof io.netty.channel.socket.SocketChannel sc && sc.isOutputShutdown()) {
                    ctx.close(); // both directions are done
                }
                return;
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (ctx.channel().isWritable()) {
                peer.config().setAutoRead(true);
            }
            ctx.fireChannelWritabilityChanged();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            closeAfterFlush(peer);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    public static void closeAfterFlush(Channel c) {
        if (c instanceof io.netty.channel.socket.DatagramChannel) {
            c.close(); // an empty write would be an empty datagram
        } else if (c.isActive()) {
            c.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
    }
}
