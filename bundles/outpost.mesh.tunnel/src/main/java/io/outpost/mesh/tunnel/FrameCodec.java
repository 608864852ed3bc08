package io.outpost.mesh.tunnel;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageCodec;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.TooLongFrameException;
import java.util.List;

/**
 * Encodes and decodes {@link Frame}s. An unknown type or a length over the cap is a protocol error
 * ({@link CorruptedFrameException}, {@link TooLongFrameException}): the pipeline's exception
 * handler closes the connection; nothing is buffered beyond one frame.
 */
public final class FrameCodec extends ByteToMessageCodec<Frame> {
    private final int maxPayload;

    public FrameCodec() {
        this(Frame.MAX_PAYLOAD);
    }

    public FrameCodec(int maxPayload) {
        this.maxPayload = maxPayload;
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, Frame f, ByteBuf out) {
        out.writeByte(f.type());
        out.writeInt(f.payload().readableBytes());
        out.writeBytes(f.payload(), f.payload().readerIndex(), f.payload().readableBytes());
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (in.readableBytes() < Frame.HEADER_BYTES) {
            return;
        }
        int type = in.getUnsignedByte(in.readerIndex());
        long length = in.getUnsignedInt(in.readerIndex() + 1);
        if (!Frame.known(type)) {
            in.skipBytes(in.readableBytes());
            throw new CorruptedFrameException("unknown tunnel frame type " + type);
        }
        if (length > maxPayload) {
            in.skipBytes(in.readableBytes());
            throw new TooLongFrameException("tunnel frame of " + length + " bytes is larger than " + maxPayload);
        }
        if (in.readableBytes() < Frame.HEADER_BYTES + length) {
            return;
        }
        in.skipBytes(Frame.HEADER_BYTES);
        out.add(new Frame(type, in.readRetainedSlice((int) length)));
    }
}
