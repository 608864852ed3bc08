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
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.LengthFieldPrepender;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.util.ReferenceCountUtil;

/**
 * Joins two channels that carry plain {@link ByteBuf}s: what one reads the other writes, with
 * back-pressure (a side stops reading while the other cannot take more), and when one closes the
 * other closes after flushing. Half-closes pass through (a client that shuts down its output, as
 * {@code nc} and HTTP/1.0 clients do, still gets the answer): a TCP FIN becomes END_STREAM in a
 * tunnel stream and END_STREAM a FIN; a side closes once both directions are done. Socket channels
 * joined here need {@code ALLOW_HALF_CLOSURE}. {@link #dataMode} turns a tunnel stream into such a
 * channel.
 */
public final class Splice {
    /** User event: the tunnel stream's peer sent END_STREAM (no more data from that side). */
    static final Object TUNNEL_EOF = new Object();
    /** Largest UDP datagram a tunnel stream carries. */
    static final int MAX_DATAGRAM = 65535;
    /** Written to a tunnel stream in data mode: send END_STREAM (no more data from this side). */
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
        attach(a, b);
        attach(b, a);
    }

    /**
     * Adds the forwarder on the channel's own event loop: a pipeline changed from another thread
     * lets a read in progress pass the new handler before it is ready, and the bytes would be lost.
     */
    private static void attach(Channel c, Channel peer) {
        if (!c.eventLoop().inEventLoop()) {
            c.eventLoop().execute(() -> attach(c, peer));
            return;
        }
        c.pipeline().addLast("splice", new Forward(peer));
        deliver(c);
        c.config().setAutoRead(true);
        c.read();
    }

    /**
     * After the stream opened (HEADERS 200): the stream's DATA frames in become ByteBufs, ByteBufs
     * out become DATA frames (HTTP/2 splits them at the peer's frame size), END_STREAM is the
     * half-close in both directions. A UDP flow also carries each datagram with a 2-byte length,
     * because HTTP/2 may split and merge DATA frames.
     */
    static void dataMode(Channel stream, boolean datagrams) {
        stream.pipeline().addLast("data", new ChannelDuplexHandler() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                if (msg instanceof Http2DataFrame d) {
                    if (d.content().isReadable()) {
                        ctx.fireChannelRead(d.content());
                    } else {
                        d.release();
                    }
                    if (d.isEndStream()) {
                        ctx.fireUserEventTriggered(TUNNEL_EOF);
                    }
                } else if (msg instanceof Http2HeadersFrame h && h.isEndStream()) {
                    ctx.fireUserEventTriggered(TUNNEL_EOF); // trailers end the stream as well
                } else {
                    ReferenceCountUtil.release(msg);
                }
            }

            @Override
            public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
                if (msg == SHUTDOWN_OUTPUT) {
                    ctx.writeAndFlush(new DefaultHttp2DataFrame(true), promise);
                } else if (msg instanceof ByteBuf b) {
                    ctx.write(new DefaultHttp2DataFrame(b), promise);
                } else {
                    ctx.write(msg, promise);
                }
            }
        });
        if (datagrams) {
            stream.pipeline().addLast("datagrams", new LengthFieldBasedFrameDecoder(MAX_DATAGRAM + 2, 0, 2, 0, 2));
            stream.pipeline().addLast("datagram-lengths", new LengthFieldPrepender(2));
        }
        stream.pipeline().addLast("hold", new Hold());
    }

    /**
     * A tunnel stream's reader is in place (added last): hand it what came before. Call on the
     * stream's event loop; joined channels need not call this.
     */
    public static void deliver(Channel c) {
        if (c.pipeline().get("hold") != null) {
            c.pipeline().remove("hold");
        }
    }

    /**
     * Keeps what a stream delivers between its answer and {@link #join} (the answer and the first
     * bytes often come in one read), and hands it on when join removes it.
     */
    private static final class Hold extends ChannelInboundHandlerAdapter {
        private final java.util.ArrayDeque<Object> held = new java.util.ArrayDeque<>();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            held.add(msg);
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt == TUNNEL_EOF) {
                held.add(evt);
            } else {
                ctx.fireUserEventTriggered(evt);
            }
        }

        @Override
        public void handlerRemoved(ChannelHandlerContext ctx) {
            for (Object o; (o = held.poll()) != null;) {
                if (o == TUNNEL_EOF) {
                    ctx.fireUserEventTriggered(o);
                } else {
                    ctx.fireChannelRead(o);
                }
            }
        }
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
