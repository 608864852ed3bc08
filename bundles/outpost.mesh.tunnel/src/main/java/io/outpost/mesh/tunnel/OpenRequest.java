package io.outpost.mesh.tunnel;

import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;

/**
 * A tunnel stream's request: which pod address and port to reach, over which protocol, on which
 * gateway. On the wire it is the HEADERS of an HTTP/2 stream, {@code :method CONNECT},
 * {@code :authority <ip>:<port>}, {@code outpost-protocol: tcp|udp} (as Istio's HBONE tunnels);
 * the gateway is the one the stream's connection leads to.
 *
 * @param protocol "TCP" or "UDP"
 * @param ip the pod's IPv4 address
 * @param port the pod's port
 * @param node the gateway the pod runs on (the relay forwards by it)
 */
public record OpenRequest(String protocol, String ip, int port, String node) {
    public static final String PROTOCOL_HEADER = "outpost-protocol";
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

    /** The stream's request: {@code CONNECT ip:port} with the protocol in {@value #PROTOCOL_HEADER}. */
    public Http2Headers toHeaders() {
        return new DefaultHttp2Headers().method("CONNECT").authority(ip + ":" + port).set(PROTOCOL_HEADER, protocol.toLowerCase(java.util.Locale.ROOT));
    }

    /**
     * @param node the gateway the stream arrived at
     * @throws IllegalArgumentException saying what is wrong with the request
     */
    public static OpenRequest fromHeaders(Http2Headers h, String node) {
        if (h.method() == null || !"CONNECT".contentEquals(h.method())) {
            throw new IllegalArgumentException("a tunnel stream starts with CONNECT, not " + h.method());
        }
        CharSequence authority = h.authority();
        CharSequence proto = h.get(PROTOCOL_HEADER);
        if (authority == null || proto == null) {
            throw new IllegalArgumentException("a tunnel stream needs :authority (ip:port) and " + PROTOCOL_HEADER);
        }
        String a = authority.toString();
        int colon = a.lastIndexOf(':');
        if (colon < 0 || colon == a.length() - 1 || a.length() > 21) {
            throw new IllegalArgumentException("'" + a + "' is not ip:port");
        }
        int port;
        try {
            port = Integer.parseInt(a.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + a + "' is not ip:port");
        }
        return new OpenRequest(proto.toString().toUpperCase(java.util.Locale.ROOT), a.substring(0, colon), port, node);
    }
}
