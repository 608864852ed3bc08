package io.outpost.mapper.modbus.protocol;

import java.io.IOException;

/** Modbus RTU over a serial line: address, PDU, CRC; the frame's length follows from its head. */
public final class RtuTransport implements Transport {
    private final SerialLine line;

    public RtuTransport(SerialLine line) {
        this.line = line;
    }

    @Override
    public void connect() throws ModbusIOException {
        if (line.isOpen()) {
            return;
        }
        try {
            line.open();
        } catch (IOException e) {
            throw new ModbusIOException(ModbusIOException.Kind.CONNECTION, "cannot open serial port " + line.name() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public boolean isConnected() {
        return line.isOpen();
    }

    @Override
    public byte[] exchange(int unitId, byte[] pdu, int timeoutMillis) throws ModbusIOException {
        connect();
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        try {
            // Whatever waits on the line now belongs to an earlier, abandoned exchange.
            line.discardInput();
            line.write(Rtu.frame(unitId, pdu));
            byte[] buf = new byte[Rtu.MAX_FRAME + 4];
            int got = 0;
            int need = -1;
            while (need < 0 || got < need) {
                long left = (deadline - System.nanoTime()) / 1_000_000L;
                if (left <= 0) {
                    throw new ModbusIOException(ModbusIOException.Kind.TIMEOUT, got == 0 ? "no answer from unit " + unitId + " on " + line.name()
                            : "truncated RTU frame from unit " + unitId + " on " + line.name() + ": " + got + " bytes, then silence");
                }
                int want = need < 0 ? (got < 3 ? 3 - got : 1) : need - got;
                got += line.read(buf, got, want, (int) left);
                if (need < 0) {
                    need = Rtu.frameLength(buf, got);
                    if (need > Rtu.MAX_FRAME) {
                        line.discardInput();
                        throw new ModbusIOException(ModbusIOException.Kind.MALFORMED, "RTU frame of " + need + " bytes announced, at most "
                                + Rtu.MAX_FRAME + " are allowed");
                    }
                }
            }
            try {
                return Rtu.pdu(buf, need, unitId);
            } catch (ModbusIOException e) {
                line.discardInput();
                throw e;
            }
        } catch (ModbusIOException e) {
            throw e;
        } catch (IOException e) {
            close();
            throw new ModbusIOException(ModbusIOException.Kind.CONNECTION, "serial port " + line.name() + " failed: " + e.getMessage(), e);
        }
    }

    @Override
    public String describe() {
        return line.name();
    }

    @Override
    public void close() {
        line.close();
    }
}
