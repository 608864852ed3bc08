package io.outpost.mesh.tunnel;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.util.ReferenceCounted;
import java.nio.charset.StandardCharsets;

/**
 * One frame of the tunnel between gateways: {@code type (1 byte) | length (4 bytes, big endian) |
 * payload}. A stream starts with {@link #OPEN} from the dialling side, answered by {@link #OPENED}
 * or {@link #ERROR}; then {@link #DATA} frames carry the bytes (one UDP datagram per frame) both
 * ways until {@link #CLOSE} or the connection ends. The payload is retained by the frame: release
 * it (or pass it on) once used.
 */
public record Frame(int type, ByteBuf payload) implements ReferenceCounted {
    public static final int OPEN = 1;
    public static final int OPENED = 2;
    public static final int ERROR = 3;
    public static final int DATA = 4;
    public static final int CLOSE = 5;
    /** Outpost's relay: the target gateway's answer to the relay's call, carrying the session id. */
    public static final int ACCEPT = 6;
    public static final int HEADER_BYTES = 5;
    /** Largest payload: a whole UDP datagram fits; a peer sending more is cut off. */
    public static final int MAX_PAYLOAD = 65536;
    static final int MAX_ERROR_BYTES = 1024;

    public static Frame data(ByteBuf b) {
        return new Frame(DATA, b);
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
        return type >= OPEN && type <= ACCEPT;
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
