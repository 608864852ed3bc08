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
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class FrameCodecTest {
    @Test
    void roundTripsFramesAlsoWhenSplitAcrossReads() {
        EmbeddedChannel out = new EmbeddedChannel(new FrameCodec());
        out.writeOutbound(Frame.text(Frame.CONNECT, "gw-b"));
        out.writeOutbound(Frame.error("no such call"));
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
        Frame connect = in.readInbound();
        assertEquals(Frame.CONNECT, connect.type());
        assertEquals("gw-b", connect.text());
        connect.release();
        Frame error = in.readInbound();
        assertEquals(Frame.ERROR, error.type());
        assertEquals("no such call", error.text());
        error.release();
        assertNull(in.readInbound());
    }

    @Test
    void anOversizedFrameIsRejectedBeforeItIsBuffered() {
        EmbeddedChannel in = new EmbeddedChannel(new FrameCodec(1024));
        ByteBuf header = Unpooled.buffer().writeByte(Frame.CONNECT).writeInt(1025);
        DecoderException e = assertThrows(DecoderException.class, () -> in.writeInbound(header));
        assertTrue(e instanceof TooLongFrameException, e.toString());
        assertTrue(e.getMessage().contains("1025"));
        // The largest legal frame passes.
        EmbeddedChannel ok = new EmbeddedChannel(new FrameCodec(1024));
        ok.writeInbound(Unpooled.buffer().writeByte(Frame.CONNECT).writeInt(1024).writeZero(1024));
        Frame f = ok.readInbound();
        assertEquals(1024, f.payload().readableBytes());
        f.release();
    }

    @Test
    void hugeLengthAndUnknownTypesAreProtocolErrors() {
        EmbeddedChannel in = new EmbeddedChannel(new FrameCodec());
        assertThrows(TooLongFrameException.class, () -> in.writeInbound(Unpooled.buffer().writeByte(Frame.CONNECT).writeInt(0xFFFFFFFF)));
        EmbeddedChannel in2 = new EmbeddedChannel(new FrameCodec());
        assertThrows(CorruptedFrameException.class, () -> in2.writeInbound(Unpooled.buffer().writeByte(99).writeInt(0)));
        EmbeddedChannel in3 = new EmbeddedChannel(new FrameCodec());
        assertThrows(CorruptedFrameException.class, () -> in3.writeInbound(Unpooled.buffer().writeByte(0).writeInt(0)));
    }

    @Test
    void openRequestsTravelAsConnectHeadersAndMalformedOnesSayWhatIsWrong() {
        OpenRequest req = new OpenRequest("UDP", "10.88.64.7", 53, "gw-b");
        assertEquals(req, OpenRequest.fromHeaders(req.toHeaders(), "gw-b"));
        assertEquals("CONNECT", req.toHeaders().method().toString());
        assertEquals("10.88.64.7:53", req.toHeaders().authority().toString());
        var noMethod = new DefaultHttp2Headers().authority("1.2.3.4:80").set(OpenRequest.PROTOCOL_HEADER, "tcp");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> OpenRequest.fromHeaders(noMethod, "gw-b")).getMessage().contains("CONNECT"));
        var badIp = new OpenRequest("TCP", "1.2.3.4", 80, "gw-b").toHeaders().authority("1.2.3.999:80");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> OpenRequest.fromHeaders(badIp, "gw-b")).getMessage().contains("IPv4"));
        var badProto = new OpenRequest("TCP", "1.2.3.4", 80, "gw-b").toHeaders().set(OpenRequest.PROTOCOL_HEADER, "sctp");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> OpenRequest.fromHeaders(badProto, "gw-b")).getMessage().contains("protocol"));
        var badPort = new OpenRequest("TCP", "1.2.3.4", 80, "gw-b").toHeaders().authority("1.2.3.4:http");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> OpenRequest.fromHeaders(badPort, "gw-b")).getMessage().contains("ip:port"));
        var noProto = new DefaultHttp2Headers().method("CONNECT").authority("1.2.3.4:80");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> OpenRequest.fromHeaders(noProto, "gw-b")).getMessage().contains(OpenRequest.PROTOCOL_HEADER));
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
