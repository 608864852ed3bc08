package io.outpost.link.transport;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.channel.ChannelFutureListener;
import java.net.SocketAddress;
import java.security.cert.X509Certificate;

/** A {@link LinkConnection} over a Netty channel that has completed its WebSocket handshake. */
final class NettyConnection implements LinkConnection {
    private final Channel channel;
    private final String nodeName;
    private final X509Certificate peer;
    private final boolean textFrames;

    NettyConnection(Channel channel, String nodeName, X509Certificate peer, boolean textFrames) {
        this.channel = channel;
        this.nodeName = nodeName;
        this.peer = peer;
        this.textFrames = textFrames;
    }

    @Override
    public String nodeName() {
        return nodeName;
    }

    @Override
    public SocketAddress remoteAddress() {
        return channel.remoteAddress();
    }

    @Override
    public X509Certificate peerCertificate() {
        return peer;
    }

    @Override
    public boolean send(byte[] frame) {
        if (!channel.isActive() || !channel.isWritable()) {
            return false;
        }
        var buf = Unpooled.wrappedBuffer(frame);
        channel.writeAndFlush(textFrames ? new TextWebSocketFrame(buf) : new BinaryWebSocketFrame(buf), channel.voidPromise());
        return true;
    }

    @Override
    public void close(int code, String reason) {
        if (channel.isActive()) {
            channel.writeAndFlush(new CloseWebSocketFrame(code, reason)).addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    public boolean isOpen() {
        return channel.isActive();
    }

    @Override
    public void ping() {
        LinkServer.Frames f = channel.pipeline().get(LinkServer.Frames.class);
        if (f != null && channel.isActive()) {
            f.lastPingSentNanos = System.nanoTime();
            channel.writeAndFlush(new PingWebSocketFrame(Unpooled.EMPTY_BUFFER), channel.voidPromise());
        }
    }

    @Override
    public long rttMillis() {
        LinkServer.Frames f = channel.pipeline().get(LinkServer.Frames.class);
        return f == null ? -1 : f.lastRttMillis;
    }

    Channel channel() {
        return channel;
    }
}
