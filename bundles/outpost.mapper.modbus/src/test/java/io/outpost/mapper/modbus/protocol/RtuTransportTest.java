package io.outpost.mapper.modbus.protocol;

import static io.outpost.mapper.modbus.protocol.CodecTest.hex;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.util.ArrayDeque;
import java.util.Deque;
import org.junit.jupiter.api.Test;

/** RTU framing over a scripted line: what arrives, in which pieces, and what the transport makes of it. */
class RtuTransportTest {
    /** Hands out prepared chunks, one per read, then silence. */
    static final class ScriptedLine implements SerialLine {
        final Deque<byte[]> chunks = new ArrayDeque<>();
        final ByteArrayOutputStream written = new ByteArrayOutputStream();
        boolean open;

        @Override
        public void open() {
            open = true;
        }

        @Override
        public boolean isOpen() {
            return open;
        }

        @Override
        public void write(byte[] data) {
            written.writeBytes(data);
        }

        @Override
        public int read(byte[] buffer, int offset, int length, int timeoutMillis) {
            byte[] c = chunks.peek();
            if (c == null) {
                return 0;
            }
            int n = Math.min(length, c.length);
            System.arraycopy(c, 0, buffer, offset, n);
            chunks.pop();
            if (n < c.length) {
                byte[] rest = new byte[c.length - n];
                System.arraycopy(c, n, rest, 0, rest.length);
                chunks.push(rest);
            }
            return n;
        }

        @Override
        public void discardInput() {
        }

        @Override
        public String name() {
            return "scripted";
        }

        @Override
        public void close() {
            open = false;
        }
    }

    @Test
    void aResponseInPiecesIsReassembled() throws Exception {
        ScriptedLine line = new ScriptedLine();
        byte[] resp = Rtu.frame(1, hex("03 04 0001 0002"));
        for (byte b : resp) {
            line.chunks.add(new byte[] {b});
        }
        RtuTransport t = new RtuTransport(line);
        assertArrayEquals(hex("03 04 0001 0002"), t.exchange(1, Pdu.read(3, 0, 2), 200));
        assertArrayEquals(Rtu.frame(1, Pdu.read(3, 0, 2)), line.written.toByteArray());
    }

    @Test
    void anExceptionResponseIsFiveBytes() throws Exception {
        ScriptedLine line = new ScriptedLine();
        line.chunks.add(Rtu.frame(1, hex("83 02")));
        RtuTransport t = new RtuTransport(line);
        byte[] pdu = t.exchange(1, Pdu.read(3, 0, 2), 200);
        ModbusIOException e = assertThrows(ModbusIOException.class, () -> Pdu.check(Pdu.read(3, 0, 2), pdu));
        assertEquals(2, e.exceptionCode());
    }

    @Test
    void aTruncatedFrameTimesOutAndSaysHowMuchCame() {
        ScriptedLine line = new ScriptedLine();
        byte[] resp = Rtu.frame(1, hex("03 04 0001 0002"));
        line.chunks.add(java.util.Arrays.copyOf(resp, 5));
        ModbusIOException e = assertThrows(ModbusIOException.class, () -> new RtuTransport(line).exchange(1, Pdu.read(3, 0, 2), 50));
        assertEquals(ModbusIOException.Kind.TIMEOUT, e.kind());
        assertTrue(e.getMessage().contains("truncated RTU frame from unit 1 on scripted: 5 bytes"), e.getMessage());
    }

    @Test
    void silenceIsATimeout() {
        ModbusIOException e = assertThrows(ModbusIOException.class, () -> new RtuTransport(new ScriptedLine()).exchange(3, Pdu.read(3, 0, 2), 30));
        assertEquals(ModbusIOException.Kind.TIMEOUT, e.kind());
        assertEquals("no answer from unit 3 on scripted", e.getMessage());
    }

    @Test
    void aCorruptedFrameIsACrcError() {
        ScriptedLine line = new ScriptedLine();
        byte[] resp = Rtu.frame(1, hex("03 04 0001 0002"));
        resp[3] ^= 0x40;
        line.chunks.add(resp);
        ModbusIOException e = assertThrows(ModbusIOException.class, () -> new RtuTransport(line).exchange(1, Pdu.read(3, 0, 2), 200));
        assertEquals(ModbusIOException.Kind.MALFORMED, e.kind());
        assertTrue(e.getMessage().startsWith("CRC error"), e.getMessage());
    }

    @Test
    void anOversizedByteCountIsRefusedBeforeBuffering() {
        ScriptedLine line = new ScriptedLine();
        line.chunks.add(hex("01 03 ff"));
        ModbusIOException e = assertThrows(ModbusIOException.class, () -> new RtuTransport(line).exchange(1, Pdu.read(3, 0, 2), 200));
        assertTrue(e.getMessage().contains("at most 256"), e.getMessage());
    }
}
