package io.outpost.edge.mesh.dns;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

public class DnsMessageTest {
    /** A query as a stub resolver writes it: header, one question, optionally an EDNS OPT record. */
    public static byte[] query(int id, String name, int type, boolean edns) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(new byte[] {(byte) (id >> 8), (byte) id, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, (byte) (edns ? 1 : 0)});
        for (String l : name.split("\\.")) {
            b.write(l.length());
            b.writeBytes(l.getBytes(StandardCharsets.US_ASCII));
        }
        b.write(0);
        b.writeBytes(new byte[] {0, (byte) type, 0, 1});
        if (edns) {
            b.writeBytes(new byte[] {0, 0, 41, 0x10, 0, 0, 0, 0, 0, 0, 0});
        }
        return b.toByteArray();
    }

    @Test
    void decodesAQuestionAndAnswersWithARecords() throws Exception {
        byte[] q = query(0xBEEF, "Web.Default.svc.cluster.local", DnsMessage.TYPE_A, true);
        DnsMessage m = DnsMessage.decodeQuery(q, q.length);
        assertEquals(0xBEEF, m.id());
        assertEquals("web.default.svc.cluster.local", m.name());
        assertEquals(DnsMessage.TYPE_A, m.type());
        byte[] r = m.response(q, DnsMessage.RCODE_OK, true, true,
                List.of((Inet4Address) InetAddress.getByName("10.96.0.10"), (Inet4Address) InetAddress.getByName("10.96.0.11")), 5);
        assertEquals(0xBEEF, DnsMessage.idOf(r));
        assertEquals(0x85, r[2] & 0xFF); // QR, AA, RD
        assertEquals(0x80, r[3] & 0xFF); // RA, NOERROR
        assertEquals(2, DnsMessage.u16(r, 6)); // answers
        assertEquals(0, DnsMessage.u16(r, 10)); // the client's OPT record is not echoed
        int a = m.questionEnd();
        assertEquals(0xC00C, DnsMessage.u16(r, a));
        assertEquals(5, DnsMessage.u16(r, a + 8));
        assertArrayEquals(new byte[] {10, 96, 0, 10}, java.util.Arrays.copyOfRange(r, a + 12, a + 16));
        assertEquals(a + 32, r.length);
    }

    @Test
    void nameErrorCarriesTheQuestionAndNoAnswer() throws Exception {
        byte[] q = query(7, "nope.default.svc.cluster.local", DnsMessage.TYPE_A, false);
        DnsMessage m = DnsMessage.decodeQuery(q, q.length);
        byte[] r = m.response(q, DnsMessage.RCODE_NAME_ERROR, true, false, List.of(), 5);
        assertEquals(DnsMessage.RCODE_NAME_ERROR, r[3] & 0xF);
        assertEquals(1, DnsMessage.u16(r, 4));
        assertEquals(0, DnsMessage.u16(r, 6));
        assertEquals(q.length, r.length);
    }

    @Test
    void malformedQueriesAreRefusedWithAReason() {
        assertTrue(assertThrows(DnsFormatException.class, () -> DnsMessage.decodeQuery(new byte[5], 5)).getMessage().contains("shorter"));
        byte[] big = new byte[DnsMessage.MAX_QUERY_BYTES + 1];
        assertTrue(assertThrows(DnsFormatException.class, () -> DnsMessage.decodeQuery(big, big.length)).getMessage().contains("larger"));

        byte[] response = query(1, "a.b", 1, false);
        response[2] |= (byte) 0x80;
        assertTrue(assertThrows(DnsFormatException.class, () -> DnsMessage.decodeQuery(response, response.length)).getMessage().contains("response"));

        byte[] two = query(1, "a.b", 1, false);
        two[5] = 2;
        DnsFormatException e = assertThrows(DnsFormatException.class, () -> DnsMessage.decodeQuery(two, two.length));
        assertEquals(1, e.id());
        assertTrue(e.getMessage().contains("exactly one question"));

        byte[] truncated = query(1, "abc.def", 1, false);
        assertThrows(DnsFormatException.class, () -> DnsMessage.decodeQuery(truncated, 16));

        byte[] pointer = query(1, "abc", 1, false);
        pointer[12] = (byte) 0xC0;
        assertTrue(assertThrows(DnsFormatException.class, () -> DnsMessage.decodeQuery(pointer, pointer.length)).getMessage().contains("pointer"));

        byte[] noType = java.util.Arrays.copyOf(query(1, "abc", 1, false), 17);
        assertTrue(assertThrows(DnsFormatException.class, () -> DnsMessage.decodeQuery(noType, noType.length)).getMessage().contains("type"));

        String longName = ("a".repeat(60) + ".").repeat(5) + "x";
        byte[] tooLong = query(1, longName, 1, false);
        assertTrue(assertThrows(DnsFormatException.class, () -> DnsMessage.decodeQuery(tooLong, tooLong.length)).getMessage().contains("255"));
    }

    @Test
    void randomBytesNeverThrowAnythingElse() {
        java.util.Random r = new java.util.Random(42);
        for (int i = 0; i < 20000; i++) {
            byte[] b = new byte[r.nextInt(64)];
            r.nextBytes(b);
            if (b.length > 5 && r.nextBoolean()) {
                b[2] = 0; // a query header more often, so the question parser is reached
                b[4] = 0;
                b[5] = 1;
            }
            try {
                DnsMessage.decodeQuery(b, b.length);
            } catch (DnsFormatException expected) {
                // the only failure allowed
            }
        }
    }

    @Test
    void errorAnswerIsAHeader() {
        byte[] r = DnsMessage.error(0x1234, DnsMessage.RCODE_FORMAT_ERROR);
        assertEquals(12, r.length);
        assertEquals(0x1234, DnsMessage.idOf(r));
        assertEquals(1, r[3] & 0xF);
    }
}
