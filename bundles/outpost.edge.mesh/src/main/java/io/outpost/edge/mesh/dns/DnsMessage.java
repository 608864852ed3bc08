package io.outpost.edge.mesh.dns;

import java.io.ByteArrayOutputStream;
import java.net.Inet4Address;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;

/**
 * The part of DNS (RFC 1035) the mesh needs: a query with exactly one question is decoded; answers
 * carry A records only. Everything else a client may send (EDNS OPT records, answers in a query)
 * is skipped unread, never trusted. No OSGi, no I/O.
 *
 * @param id the transaction id
 * @param flags the header's second 16 bits as received (QR, opcode, RD, …)
 * @param name the question's name, lower case, without the trailing dot ("" for the root)
 * @param type the question's type (1 = A, 28 = AAAA, …)
 * @param klass the question's class (1 = IN)
 * @param questionEnd offset just after the question, in the raw query (what a response echoes)
 */
public record DnsMessage(int id, int flags, String name, int type, int klass, int questionEnd) {
    /** Largest query accepted over UDP or TCP: queries are small; anything bigger is not a query of ours. */
    public static final int MAX_QUERY_BYTES = 4096;
    public static final int TYPE_A = 1;
    public static final int TYPE_AAAA = 28;
    public static final int CLASS_IN = 1;
    public static final int RCODE_OK = 0;
    public static final int RCODE_FORMAT_ERROR = 1;
    public static final int RCODE_SERVER_FAILURE = 2;
    public static final int RCODE_NAME_ERROR = 3;
    public static final int RCODE_NOT_IMPLEMENTED = 4;
    public static final int RCODE_REFUSED = 5;
    private static final int HEADER = 12;
    private static final int MAX_NAME = 255;

    /**
     * Decodes a query.
     *
     * @throws DnsFormatException saying what is wrong; {@link DnsFormatException#id()} is the
     *     transaction id when the header could be read, so a FORMERR can still be answered
     */
    public static DnsMessage decodeQuery(byte[] b, int length) throws DnsFormatException {
        if (length > MAX_QUERY_BYTES) {
            throw new DnsFormatException(-1, "query of " + length + " bytes is larger than " + MAX_QUERY_BYTES);
        }
        if (length < HEADER) {
            throw new DnsFormatException(-1, "query of " + length + " bytes is shorter than a DNS header (12)");
        }
        int id = u16(b, 0);
        int flags = u16(b, 2);
        if ((flags & 0x8000) != 0) {
            throw new DnsFormatException(id, "a response (QR=1) is not a query");
        }
        if (((flags >> 11) & 0xF) != 0) {
            throw new DnsFormatException(id, "only standard queries (opcode 0) are answered");
        }
        int qd = u16(b, 4);
        if (qd != 1) {
            throw new DnsFormatException(id, "a query must have exactly one question, this one has " + qd);
        }
        StringBuilder name = new StringBuilder();
        int p = HEADER;
        while (true) {
            if (p >= length) {
                throw new DnsFormatException(id, "the question's name runs past the end of the query");
            }
            int len = b[p] & 0xFF;
            if (len == 0) {
                p++;
                break;
            }
            if ((len & 0xC0) != 0) {
                throw new DnsFormatException(id, "compression pointers or extended labels are not allowed in a question");
            }
            if (p + 1 + len > length) {
                throw new DnsFormatException(id, "a label of the question's name runs past the end of the query");
            }
            if (name.length() > 0) {
                name.append('.');
            }
            name.append(new String(b, p + 1, len, StandardCharsets.ISO_8859_1));
            if (name.length() > MAX_NAME) {
                throw new DnsFormatException(id, "the question's name is longer than 255 characters");
            }
            p += 1 + len;
        }
        if (p + 4 > length) {
            throw new DnsFormatException(id, "the question has no type and class");
        }
        return new DnsMessage(id, flags, name.toString().toLowerCase(Locale.ROOT), u16(b, p), u16(b, p + 2), p + 4);
    }

    /**
     * Builds a response: the query's header and question, then one A record per address.
     *
     * @param query the raw query this answers (its question is echoed byte for byte)
     * @param rcode the response code
     * @param authoritative whether this server owns the name (the cluster's names)
     * @param recursionAvailable whether names outside the cluster are forwarded
     * @param addresses the A records' addresses, each with the given TTL in seconds
     */
    public byte[] response(byte[] query, int rcode, boolean authoritative, boolean recursionAvailable,
            List<Inet4Address> addresses, int ttlSeconds) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(questionEnd + 16 * addresses.size());
        put16(out, id);
        int f = 0x8000 | (flags & 0x7800) | (flags & 0x0100) | rcode & 0xF; // QR, opcode, RD echoed
        if (authoritative) {
            f |= 0x0400;
        }
        if (recursionAvailable) {
            f |= 0x0080;
        }
        put16(out, f);
        put16(out, 1);
        put16(out, addresses.size());
        put16(out, 0);
        put16(out, 0);
        out.write(query, HEADER, questionEnd - HEADER);
        for (Inet4Address a : addresses) {
            put16(out, 0xC000 | HEADER); // pointer to the question's name
            put16(out, TYPE_A);
            put16(out, CLASS_IN);
            put16(out, ttlSeconds >>> 16);
            put16(out, ttlSeconds & 0xFFFF);
            put16(out, 4);
            out.write(a.getAddress(), 0, 4);
        }
        return out.toByteArray();
    }

    /** A header-only error answer, for queries whose question could not be read. */
    public static byte[] error(int id, int rcode) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(HEADER);
        put16(out, id);
        put16(out, 0x8000 | rcode & 0xF);
        for (int i = 0; i < 4; i++) {
            put16(out, 0);
        }
        return out.toByteArray();
    }

    /** @return the id of a DNS message (the first two bytes), for matching upstream answers */
    public static int idOf(byte[] b) {
        return u16(b, 0);
    }

    public static int u16(byte[] b, int p) {
        return (b[p] & 0xFF) << 8 | b[p + 1] & 0xFF;
    }

    private static void put16(ByteArrayOutputStream out, int v) {
        out.write(v >>> 8 & 0xFF);
        out.write(v & 0xFF);
    }
}
