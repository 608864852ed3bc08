package io.outpost.runtime.cri.grpc;

import io.netty.buffer.ByteBuf;

/**
 * Reassembles the one message of a unary response from DATA frames of any size. The length prefix
 * is checked against the cap before any of the message is buffered, so a peer cannot make this
 * client allocate more than the cap, whatever it sends.
 *
 * <p>Not thread-safe: used from the stream's event loop only.
 */
public final class MessageReader {
    private final int maxMessageBytes;
    private final byte[] prefix = new byte[GrpcFraming.PREFIX_BYTES];
    private int prefixRead;
    private byte[] message;
    private int messageRead;
    private boolean complete;

    /** @param maxMessageBytes the largest message accepted, in bytes */
    public MessageReader(int maxMessageBytes) {
        if (maxMessageBytes < 0) {
            throw new IllegalArgumentException("maxMessageBytes must be >= 0, was " + maxMessageBytes);
        }
        this.maxMessageBytes = maxMessageBytes;
    }

    /**
     * Takes the bytes of one DATA frame (reads them all; does not release the buffer).
     *
     * @param data the frame's content
     * @throws GrpcException {@code RESOURCE_EXHAUSTED} for a message over the cap, {@code INTERNAL}
     *     for a compressed message (none was negotiated) or bytes after the message
     */
    public void read(ByteBuf data) {
        while (data.isReadable()) {
            if (complete) {
                throw new GrpcException(GrpcCode.INTERNAL,
                        "the server sent more than one message in a unary response");
            }
            if (prefixRead < prefix.length) {
                int n = Math.min(prefix.length - prefixRead, data.readableBytes());
                data.readBytes(prefix, prefixRead, n);
                prefixRead += n;
                if (prefixRead == prefix.length) {
                    startMessage();
                }
                continue;
            }
            int n = Math.min(message.length - messageRead, data.readableBytes());
            data.readBytes(message, messageRead, n);
            messageRead += n;
            complete = messageRead == message.length;
        }
    }

    private void startMessage() {
        if (prefix[0] != 0) {
            throw new GrpcException(GrpcCode.INTERNAL,
                    "the server sent a compressed message (flag " + prefix[0] + ") although this client accepts none");
        }
        long length = ((prefix[1] & 0xFFL) << 24) | ((prefix[2] & 0xFF) << 16) | ((prefix[3] & 0xFF) << 8)
                | (prefix[4] & 0xFF);
        if (length > maxMessageBytes) {
            throw new GrpcException(GrpcCode.RESOURCE_EXHAUSTED, "the response message of " + length
                    + " bytes is larger than the limit of " + maxMessageBytes + " bytes (maxMessageBytes)");
        }
        message = new byte[(int) length];
        messageRead = 0;
        complete = length == 0;
    }

    /**
     * @return the message once the stream ended
     * @throws GrpcException {@code INTERNAL} when no message or only part of one arrived
     */
    public byte[] finish() {
        if (!complete) {
            throw new GrpcException(GrpcCode.INTERNAL, prefixRead == 0
                    ? "the server ended the call with status OK but sent no message"
                    : "the server ended the call in the middle of a message (" + messageRead + " of "
                            + (message == null ? "?" : message.length) + " bytes)");
        }
        return message;
    }
}
