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
 * other closes after flushing. {@link #dataMode} turns a tunnel channel into such a channel.
 */
public final class Splice {
    private Splice() {
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
                }
                ctx.close();
            }

            @Override
            public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
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
