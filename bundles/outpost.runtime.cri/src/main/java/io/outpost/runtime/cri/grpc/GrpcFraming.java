package io.outpost.runtime.cri.grpc;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * The gRPC message framing ("Length-Prefixed-Message": a compressed flag byte, a 4-byte big-endian
 * length, the message) and the header values of gRPC over HTTP/2 that need encoding.
 */
public final class GrpcFraming {
    /** Bytes before each message: the compressed flag and the length. */
    public static final int PREFIX_BYTES = 5;

    private GrpcFraming() {}

    /**
     * @param alloc where to allocate the buffer
     * @param message the serialized message
     * @return the framed message, uncompressed (this client never compresses: it sends no {@code
     *     grpc-encoding})
     */
    public static ByteBuf frame(ByteBufAllocator alloc, byte[] message) {
        ByteBuf out = alloc.buffer(PREFIX_BYTES + message.length);
        out.writeByte(0);
        out.writeInt(message.length);
        out.writeBytes(message);
        return out;
    }

    /**
     * The {@code grpc-timeout} header: at most 8 digits and a unit. Milliseconds up to 99999999
     * (27 hours), whole seconds beyond; never zero (a zero timeout would expire on arrival).
     *
     * @param timeout the call's remaining time; positive
     * @return the header value
     */
    public static String timeoutHeader(Duration timeout) {
        long millis = Math.max(1, timeout.toMillis());
        if (millis <= 99_999_999L) {
            return millis + "m";
        }
        return Math.min(99_999_999L, timeout.toSeconds()) + "S";
    }

    /**
     * Decodes a {@code grpc-message} value: UTF-8, percent-encoded. A malformed escape is kept as it
     * is, as the gRPC spec asks (the message is for people; better garbled than lost).
     *
     * @param value the header value, or {@code null}
     * @return the message; empty when there was none
     */
    public static String decodeMessage(CharSequence value) {
        if (value == null) {
            return "";
        }
        String s = value.toString();
        if (s.indexOf('%') < 0) {
            return s;
        }
        byte[] out = new byte[s.length()];
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%' && i + 2 < s.length() && hex(s.charAt(i + 1)) >= 0
                    && hex(s.charAt(i + 2)) >= 0) {
                out[n++] = (byte) (hex(s.charAt(i + 1)) << 4 | hex(s.charAt(i + 2)));
                i += 2;
            } else {
                // Header values are ASCII; anything else is passed through as its low byte.
                out[n++] = (byte) c;
            }
        }
        return new String(out, 0, n, StandardCharsets.UTF_8);
    }

    private static int hex(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    }
}
