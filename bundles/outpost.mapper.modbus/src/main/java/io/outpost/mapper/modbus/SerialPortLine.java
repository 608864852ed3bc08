package io.outpost.mapper.modbus;

import com.fazecast.jSerialComm.SerialPort;
import io.outpost.mapper.modbus.protocol.SerialLine;
import java.io.IOException;

/** A serial port through jSerialComm. The only class that touches it, so TCP-only gateways never load its native code. */
final class SerialPortLine implements SerialLine {
    private final DeviceConfig config;
    private SerialPort port;

    SerialPortLine(DeviceConfig config) {
        this.config = config;
    }

    @Override
    public void open() throws IOException {
        SerialPort p;
        try {
            p = SerialPort.getCommPort(config.serialPort());
        } catch (RuntimeException e) {
            throw new IOException("no serial port " + config.serialPort() + ": " + e.getMessage(), e);
        }
        int parity = switch (config.parity()) {
            case "even" -> SerialPort.EVEN_PARITY;
            case "odd" -> SerialPort.ODD_PARITY;
            default -> SerialPort.NO_PARITY;
        };
        p.setComPortParameters(config.baudRate(), config.dataBits(), config.stopBits() == 2 ? SerialPort.TWO_STOP_BITS : SerialPort.ONE_STOP_BIT, parity);
        p.setComPortTimeouts(SerialPort.TIMEOUT_READ_SEMI_BLOCKING | SerialPort.TIMEOUT_WRITE_BLOCKING, config.timeoutMillis(), config.timeoutMillis());
        if (!p.openPort()) {
            throw new IOException("cannot open " + config.serialPort() + " (error " + p.getLastErrorCode()
                    + "): check that it exists and that the gateway's user may use it (group dialout)");
        }
        port = p;
    }

    @Override
    public boolean isOpen() {
        return port != null && port.isOpen();
    }

    @Override
    public void write(byte[] data) throws IOException {
        if (port.writeBytes(data, data.length) != data.length) {
            throw new IOException("write to " + config.serialPort() + " failed (error " + port.getLastErrorCode() + ")");
        }
    }

    @Override
    public int read(byte[] buffer, int offset, int length, int timeoutMillis) throws IOException {
        port.setComPortTimeouts(SerialPort.TIMEOUT_READ_SEMI_BLOCKING | SerialPort.TIMEOUT_WRITE_BLOCKING, Math.max(1, timeoutMillis), config.timeoutMillis());
        int n = port.readBytes(buffer, length, offset);
        if (n < 0) {
            throw new IOException("read from " + config.serialPort() + " failed (error " + port.getLastErrorCode() + ")");
        }
        return n;
    }

    @Override
    public void discardInput() throws IOException {
        byte[] junk = new byte[256];
        int n;
        while ((n = port.bytesAvailable()) > 0) {
            port.readBytes(junk, Math.min(n, junk.length));
        }
    }

    @Override
    public String name() {
        return config.serialPort();
    }

    @Override
    public void close() {
        if (port != null) {
            port.closePort();
            port = null;
        }
    }
}
