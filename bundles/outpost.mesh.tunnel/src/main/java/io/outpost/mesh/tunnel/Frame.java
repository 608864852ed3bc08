package io.outpost.mesh.tunnel;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.util.ReferenceCounted;
import java.nio.charset.StandardCharsets;

/**
 * One control frame of the relay: {@code type (1 byte) | length (4 bytes, big endian) | payload}.
 * Only the call set-up uses frames: the caller sends {@link #CONNECT} naming the gateway it wants,
 * the called gateway answers the relay's call with {@link #ACCEPT} and is told who calls with
 * {@link #CONNECT}, the caller gets {@link #CONNECTED} (or {@link #ERROR}). After that the relay
 * passes opaque bytes: the gateways' own TLS session and their HTTP/2 streams. The payload is
 * retained by the frame: release it (or pass it on) once used.
 */
public record Frame(int type, ByteBuf payload) implements ReferenceCounted {
    /** Caller to relay: the node to reach; relay to the called gateway: the node calling. */
    public static final int CONNECT = 1;
    /** Relay to caller: the gateway answered; from now on the bytes are the gateways' own. */
    public static final int CONNECTED = 2;
    public static final int ERROR = 3;
    /** Outpost's relay: the target gateway's answer to the relay's call, carrying the session id. */
    public static final int ACCEPT = 6;
    public static final int HEADER_BYTES = 5;
    /** Largest payload of a control frame (a node name, a session id, an error); a peer sending more is cut off. */
    public static final int MAX_PAYLOAD = 1024;
    static final int MAX_ERROR_BYTES = 1024;

    public static Frame text(int type, String text) {
        return new Frame(type, Unpooled.copiedBuffer(text, StandardCharsets.UTF_8));
    }

    public static Frame empty(int type) {
        return new Frame(type, Unpooled.EMPTY_BUFFER);
    }

    public static Frame error(String message) {
        byte[] m = message.getBytes(StandardCharsets.UTF_8);
        return new Frame(ERROR, Unpooled.wrappedBuffer(m, 0, Math.min(m.length, MAX_ERROR_BYTES)));
    }

    public String text() {
        return payload.toString(StandardCharsets.UTF_8);
    }

    static boolean known(int type) {
        return type == CONNECT || type == CONNECTED || type == ERROR || type == ACCEPT;
    }

    @Override
    public int refCnt() {
        return payload.refCnt();
    }

    @Override
    public Frame retain() {
        payload.retain();
        return this;
    }

    @Override
    public Frame retain(int increment) {
        payload.retain(increment);
        return this;
    }

    @Override
    public Frame touch() {
        payload.touch();
        return this;
    }

    @Override
    public Frame touch(Object hint) {
        payload.touch(hint);
        return this;
    }

    @Override
    public boolean release() {
        return payload.release();
    }

    @Override
    public boolean release(int decrement) {
        return payload.release(decrement);
    }
}
