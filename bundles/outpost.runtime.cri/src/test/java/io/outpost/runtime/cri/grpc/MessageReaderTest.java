package io.outpost.runtime.cri.grpc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class MessageReaderTest {
    static ByteBuf framed(byte[] message) {
        return GrpcFraming.frame(UnpooledByteBufAllocator.DEFAULT, message);
    }

    @Test
    void readsAMessageFramedByTheClient() {
        byte[] message = "hello, containerd".getBytes(StandardCharsets.UTF_8);
        ByteBuf frame = framed(message);
        assertEquals(GrpcFraming.PREFIX_BYTES + message.length, frame.readableBytes());
        assertEquals(0, frame.getByte(0), "not compressed");
        assertEquals(message.length, frame.getInt(1), "big-endian length");
        MessageReader reader = new MessageReader(1024);
        reader.read(frame);
        assertArrayEquals(message, reader.finish());
    }

    @Test
    void reassemblesAMessageSplitAcrossFramesOfOneByte() {
        byte[] message = new byte[300];
        for (int i = 0; i < message.length; i++) {
            message[i] = (byte) i;
        }
        ByteBuf frame = framed(message);
        MessageReader reader = new MessageReader(300);
        while (frame.isReadable()) {
            reader.read(frame.readSlice(1));
        }
        assertArrayEquals(message, reader.finish());
    }

    @Test
    void anEmptyMessageIsAMessage() {
        MessageReader reader = new MessageReader(0);
        reader.read(framed(new byte[0]));
        assertEquals(0, reader.finish().length);
    }

    @Test
    void aMessageOverTheCapIsRefusedFromItsPrefixAlone() {
        MessageReader reader = new MessageReader(1000);
        // Only the prefix of a 1001-byte message: refused before any of it is buffered.
        ByteBuf prefix = Unpooled.buffer().writeByte(0).writeInt(1001);
        GrpcException e = assertThrows(GrpcException.class, () -> reader.read(prefix));
        assertEquals(GrpcCode.RESOURCE_EXHAUSTED, e.code());
        assertTrue(e.getMessage().contains("1001 bytes") && e.getMessage().contains("1000 bytes"), e.getMessage());
    }

    @Test
    void aLengthBeyondTwoGigabytesIsRefusedNotOverflowed() {
        MessageReader reader = new MessageReader(Integer.MAX_VALUE);
        ByteBuf prefix = Unpooled.buffer().writeByte(0).writeInt(0xFFFFFFFF);
        GrpcException e = assertThrows(GrpcException.class, () -> reader.read(prefix));
        assertEquals(GrpcCode.RESOURCE_EXHAUSTED, e.code());
        assertTrue(e.getMessage().contains("4294967295"), e.getMessage());
    }

    @Test
    void aMessageExactlyAtTheCapIsAccepted() {
        MessageReader reader = new MessageReader(64);
        reader.read(framed(new byte[64]));
        assertEquals(64, reader.finish().length);
    }

    @Test
    void aCompressedMessageIsRefused() {
        MessageReader reader = new MessageReader(1024);
        ByteBuf frame = Unpooled.buffer().writeByte(1).writeInt(3).writeBytes(new byte[3]);
        GrpcException e = assertThrows(GrpcException.class, () -> reader.read(frame));
        assertEquals(GrpcCode.INTERNAL, e.code());
        assertTrue(e.getMessage().contains("compressed"), e.getMessage());
    }

    @Test
    void aSecondMessageInAUnaryResponseIsRefused() {
        MessageReader reader = new MessageReader(1024);
        ByteBuf two = Unpooled.wrappedBuffer(framed(new byte[] {1}), framed(new byte[] {2}));
        GrpcException e = assertThrows(GrpcException.class, () -> reader.read(two));
        assertTrue(e.getMessage().contains("more than one message"), e.getMessage());
    }

    @Test
    void aTruncatedMessageIsAnErrorAtTheEnd() {
        MessageReader reader = new MessageReader(1024);
        ByteBuf frame = framed(new byte[10]);
        reader.read(frame.readSlice(8));
        GrpcException e = assertThrows(GrpcException.class, reader::finish);
        assertEquals(GrpcCode.INTERNAL, e.code());
        assertTrue(e.getMessage().contains("3 of 10 bytes"), e.getMessage());
        assertThrows(GrpcException.class, new MessageReader(10)::finish, "no message at all");
    }
}
