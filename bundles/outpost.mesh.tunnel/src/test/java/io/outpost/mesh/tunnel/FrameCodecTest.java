package io.outpost.mesh.tunnel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class FrameCodecTest {
    @Test
    void roundTripsFramesAlsoWhenSplitAcrossReads() {
        EmbeddedChannel out = new EmbeddedChannel(new FrameCodec());
        out.writeOutbound(new Frame(Frame.OPEN, new OpenRequest("TCP", "10.88.64.7", 8080, "gw-b").encode()));
        out.writeOutbound(Frame.data(Unpooled.copiedBuffer("hello", StandardCharsets.UTF_8)));
        ByteBuf wire = Unpooled.buffer();
        for (Object o; (o = out.readOutbound()) != null;) {
            wire.writeBytes((ByteBuf) o);
            ((ByteBuf) o).release();
        }
        EmbeddedChannel in = new EmbeddedChannel(new FrameCodec());
        while (wire.isReadable()) {
            in.writeInbound(wire.readRetainedSlice(Math.min(3, wire.readableBytes()))); // three bytes at a time
        }
        wire.release();
        Frame open = in.readInbound();
        assertEquals(Frame.OPEN, open.type());
        assertEquals(new OpenRequest("TCP", "10.88.64.7", 8080, "gw-b"), OpenRequest.decode(open.payload()));
        open.release();
        Frame data = in.readInbound();
        assertEquals("hello", data.text());
        data.release();
        assertNull(in.readInbound());
    }

    @Test
    void anOversizedFrameIsRejectedBeforeItIsBuffered() {
        EmbeddedChannel in = new EmbeddedChannel(new FrameCodec(1024));
        ByteBuf header = Unpooled.buffer().writeByte(Frame.DATA).writeInt(1025);
        DecoderException e = assertThrows(DecoderException.class, () -> in.writeInbound(header));
        assertTrue(e instanceof TooLongFrameException, e.toString());
        assertTrue(e.getMessage().contains("1025"));
        // The largest legal frame passes.
        EmbeddedChannel ok = new EmbeddedChannel(new FrameCodec(1024));
        ok.writeInbound(Unpooled.buffer().writeByte(Frame.DATA).writeInt(1024).writeZero(1024));
        Frame f = ok.readInbound();
        assertEquals(1024, f.payload().readableBytes());
        f.release();
    }

    @Test
    void hugeLengthAndUnknownTypesAreProtocolErrors() {
        EmbeddedChannel in = new EmbeddedChannel(new FrameCodec());
        assertThrows(TooLongFrameException.class, () -> in.writeInbound(Unpooled.buffer().writeByte(Frame.DATA).writeInt(0xFFFFFFFF)));
        EmbeddedChannel in2 = new EmbeddedChannel(new FrameCodec());
        assertThrows(CorruptedFrameException.class, () -> in2.writeInbound(Unpooled.buffer().writeByte(99).writeInt(0)));
        EmbeddedChannel in3 = new EmbeddedChannel(new FrameCodec());
        assertThrows(CorruptedFrameException.class, () -> in3.writeInbound(Unpooled.buffer().writeByte(0).writeInt(0)));
    }

    @Test
    void malformedOpenRequestsSayWhatIsWrong() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> OpenRequest.decode(Unpooled.buffer().writeByte(6).writeShort(80)))
                .getMessage().contains("truncated"));
        ByteBuf badIp = Unpooled.buffer().writeByte(6).writeShort(80).writeByte(4).writeBytes("gw-b".getBytes())
                .writeByte(9).writeBytes("1.2.3.999".getBytes());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> OpenRequest.decode(badIp)).getMessage().contains("IPv4"));
        ByteBuf badProto = new OpenRequest("UDP", "1.2.3.4", 53, "gw-b").encode().setByte(0, 1);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> OpenRequest.decode(badProto)).getMessage().contains("protocol"));
        ByteBuf extra = new OpenRequest("UDP", "1.2.3.4", 53, "gw-b").encode().writeByte(0);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> OpenRequest.decode(extra)).getMessage().contains("too many"));
        assertThrows(IllegalArgumentException.class, () -> new OpenRequest("TCP", "1.2.3.4", 0, "gw-b"));
        assertThrows(IllegalArgumentException.class, () -> new OpenRequest("TCP", "1.2.3.4", 80, "GW_B"));
    }

    @Test
    void randomBytesOnlyEverGiveFramesOrProtocolErrors() {
        java.util.Random r = new java.util.Random(7);
        for (int i = 0; i < 2000; i++) {
            EmbeddedChannel in = new EmbeddedChannel(new FrameCodec(4096));
            byte[] b = new byte[r.nextInt(200)];
            r.nextBytes(b);
            try {
                in.writeInbound(Unpooled.wrappedBuffer(b));
            } catch (DecoderException expected) {
                // the only failure allowed
            }
            for (Object o; (o = in.readInbound()) != null;) {
                ((Frame) o).release();
            }
            in.finishAndReleaseAll();
        }
        assertFalse(false);
    }
}
