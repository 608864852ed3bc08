package io.outpost.mapper.modbus.protocol;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;

/** Modbus TCP over one socket, MBAP framing. */
public final class TcpTransport implements Transport {
    private final String host;
    private final int port;
    private final int connectTimeoutMillis;
    private Socket socket;
    private InputStream in;
    private OutputStream out;
    private int transactionId;

    public TcpTransport(String host, int port, int connectTimeoutMillis) {
        this.host = host;
        this.port = port;
        this.connectTimeoutMillis = connectTimeoutMillis;
    }

    @Override
    public void connect() throws ModbusIOException {
        if (isConnected()) {
            return;
        }
        close();
        Socket s = new Socket();
        try {
            s.setTcpNoDelay(true);
            s.connect(new InetSocketAddress(host, port), connectTimeoutMillis);
            in = s.getInputStream();
            out = s.getOutputStream();
            socket = s;
        } catch (SocketTimeoutException e) {
            closeQuietly(s);
            throw new ModbusIOException(ModbusIOException.Kind.TIMEOUT, "connect to " + describe() + " timed out after " + connectTimeoutMillis + " ms", e);
        } catch (ConnectException e) {
            closeQuietly(s);
            throw new ModbusIOException(ModbusIOException.Kind.CONNECTION, "connection refused by " + describe(), e);
        } catch (IOException | IllegalArgumentException e) {
            closeQuietly(s);
            throw new ModbusIOException(ModbusIOException.Kind.CONNECTION, "cannot connect to " + describe() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public boolean isConnected() {
        return socket != null && !socket.isClosed();
    }

    @Override
    public byte[] exchange(int unitId, byte[] pdu, int timeoutMillis) throws ModbusIOException {
        connect();
        transactionId = (transactionId + 1) & 0xFFFF;
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        try {
            out.write(Mbap.frame(transactionId, unitId, pdu));
            out.flush();
            while (true) {
                byte[] header = readFully(Mbap.HEADER_LENGTH, deadline);
                int len = Mbap.pduLength(header);
                byte[] body = readFully(len, deadline);
                // A late answer to an earlier request that timed out: skip it, ours follows.
                if (Mbap.transactionId(header) != transactionId) {
                    continue;
                }
                if (Mbap.unitId(header) != unitId) {
                    throw new ModbusIOException(ModbusIOException.Kind.MALFORMED,
                            "response from unit " + Mbap.unitId(header) + ", unit " + unitId + " was asked");
                }
                return body;
            }
        } catch (ModbusIOException e) {
            if (e.kind() == ModbusIOException.Kind.MALFORMED) {
                // The stream's framing is lost: start over on a new connection.
                close();
            }
            throw e;
        } catch (IOException e) {
            close();
            throw new ModbusIOException(ModbusIOException.Kind.CONNECTION, "connection to " + describe() + " lost: " + e.getMessage(), e);
        }
    }

    private byte[] readFully(int n, long deadline) throws IOException {
        byte[] b = new byte[n];
        int got = 0;
        while (got < n) {
            long left = (deadline - System.nanoTime()) / 1_000_000L;
            if (left <= 0) {
                throw timeout();
            }
            socket.setSoTimeout((int) Math.max(1, left));
            int r;
            try {
                r = in.read(b, got, n - got);
            } catch (SocketTimeoutException e) {
                throw timeout();
            }
            if (r < 0) {
                throw new EOFException("closed by the device");
            }
            got += r;
        }
        return b;
    }

    private ModbusIOException timeout() {
        return new ModbusIOException(ModbusIOException.Kind.TIMEOUT, "no answer from " + describe());
    }

    @Override
    public String describe() {
        return host + ":" + port;
    }

    @Override
    public void close() {
        if (socket != null) {
            closeQuietly(socket);
        }
        socket = null;
        in = null;
        out = null;
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // closing: nothing to report
        }
    }
}
