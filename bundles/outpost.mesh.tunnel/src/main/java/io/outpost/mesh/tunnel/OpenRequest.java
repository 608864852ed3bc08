package io.outpost.mesh.tunnel;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;

/**
 * The payload of an {@link Frame#OPEN} frame: which pod address and port to reach, over which
 * protocol, on which gateway. Encoded as {@code protocol (1: 6 = TCP, 17 = UDP) | port (2) |
 * node length (1) | node | address length (1) | dotted IPv4 address}.
 *
 * @param protocol "TCP" or "UDP"
 * @param ip the pod's IPv4 address
 * @param port the pod's port
 * @param node the gateway the pod runs on (the relay forwards by it)
 */
public record OpenRequest(String protocol, String ip, int port, String node) {
    private static final String IPV4 = "(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}";

    public OpenRequest {
        if (!protocol.equals("TCP") && !protocol.equals("UDP")) {
            throw new IllegalArgumentException("protocol must be TCP or UDP, not '" + protocol + "'");
        }
        if (!ip.matches(IPV4)) {
            throw new IllegalArgumentException("'" + ip + "' is not an IPv4 address");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " is outside 1..65535");
        }
        if (node.length() > 253 || !node.matches("[a-z0-9]([-a-z0-9.]*[a-z0-9])?")) {
            throw new IllegalArgumentException("'" + node + "' is not a node name");
        }
    }

    public ByteBuf encode() {
        byte[] n = node.getBytes(StandardCharsets.US_ASCII);
        byte[] a = ip.getBytes(StandardCharsets.US_ASCII);
        ByteBuf b = Unpooled.buffer(5 + n.length + a.length);
        b.writeByte(protocol.equals("TCP") ? 6 : 17).writeShort(port).writeByte(n.length).writeBytes(n).writeByte(a.length).writeBytes(a);
        return b;
    }

    /** @throws IllegalArgumentException saying what is wrong with the payload */
    public static OpenRequest decode(ByteBuf b) {
        try {
            int proto = b.readUnsignedByte();
            int port = b.readUnsignedShort();
            String node = b.readCharSequence(b.readUnsignedByte(), StandardCharsets.US_ASCII).toString();
            String ip = b.readCharSequence(b.readUnsignedByte(), StandardCharsets.US_ASCII).toString();
            if (b.isReadable()) {
                throw new IllegalArgumentException("open request has " + b.readableBytes() + " bytes too many");
            }
            return new OpenRequest(proto == 6 ? "TCP" : proto == 17 ? "UDP" : "protocol " + proto, ip, port, node);
        } catch (IndexOutOfBoundsException e) {
            throw new IllegalArgumentException("open request is truncated");
        }
    }
}
