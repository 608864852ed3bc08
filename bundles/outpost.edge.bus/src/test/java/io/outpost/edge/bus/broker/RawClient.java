package io.outpost.edge.bus.broker;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/** Writes MQTT bytes by hand, so tests can send what no well-behaved client library would. */
final class RawClient implements AutoCloseable {
    private final Socket socket = new Socket();
    private final DataInputStream in;

    RawClient(InetSocketAddress address) throws IOException {
        socket.connect(address, 2000);
        socket.setSoTimeout(5000);
        in = new DataInputStream(socket.getInputStream());
    }

    void write(byte[] b) throws IOException {
        socket.getOutputStream().write(b);
        socket.getOutputStream().flush();
    }

    /** @return the CONNACK's return code */
    int connect(int version, String clientId, String willTopic, String will) throws IOException {
        ByteArrayOutputStream vh = new ByteArrayOutputStream();
        str(vh, "MQTT");
        vh.write(version);
        vh.write(0x02 | (willTopic != null ? 0x04 : 0));
        vh.write(0);
        vh.write(60);
        if (version == 5) {
            vh.write(0);
        }
        str(vh, clientId);
        if (willTopic != null) {
            if (version == 5) {
                vh.write(0);
            }
            str(vh, willTopic);
            str(vh, will);
        }
        write(packet(0x10, vh.toByteArray()));
        int[] p = readPacket();
        if (p[0] != 0x20) {
            throw new IOException("expected CONNACK, got type " + Integer.toHexString(p[0]));
        }
        return p[2];
    }

    static byte[] packet(int header, byte[] body) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        o.write(header);
        int len = body.length;
        do {
            int d = len % 128;
            len /= 128;
            o.write(len > 0 ? d | 0x80 : d);
        } while (len > 0);
        o.writeBytes(body);
        return o.toByteArray();
    }

    static void str(ByteArrayOutputStream o, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        o.write(b.length >> 8);
        o.write(b.length & 0xff);
        o.writeBytes(b);
    }

    /** @return {type byte, remaining length, first body byte, second body byte, …} or {-1} at end of stream */
    int[] readPacket() throws IOException {
        int h = in.read();
        if (h < 0) {
            return new int[] {-1};
        }
        int len = 0;
        int mul = 1;
        int d;
        do {
            d = in.readUnsignedByte();
            len += (d & 0x7f) * mul;
            mul *= 128;
        } while ((d & 0x80) != 0);
        byte[] body = new byte[len];
        in.readFully(body);
        int[] out = new int[2 + len];
        out[0] = h;
        out[1] = len;
        for (int i = 0; i < len; i++) {
            out[2 + i] = body[i] & 0xff;
        }
        return out;
    }

    /** @return whether the broker closed the connection (reading past any packets it sent first) */
    boolean closedByBroker() throws IOException {
        InputStream s = socket.getInputStream();
        try {
            while (true) {
                if (s.read() < 0) {
                    return true;
                }
            }
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true; // reset by peer
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
