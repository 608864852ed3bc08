package io.outpost.mapper.modbus;

import io.outpost.mapper.modbus.protocol.ModbusIOException;
import io.outpost.mapper.modbus.protocol.Transport;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One serial port shared by the devices on its RS-485 bus (one Device per unit id): a bus
 * carries one exchange at a time, so sessions take turns through a fair lock. The port opens
 * with the first session's settings and closes when the last session releases it.
 */
final class SerialBus {
    private final String port;
    private final Transport line;
    private final Map<String, SerialBus> buses;
    private final ReentrantLock lock = new ReentrantLock(true);
    private int users;

    SerialBus(String port, Transport line, Map<String, SerialBus> buses) {
        this.port = port;
        this.line = line;
        this.buses = buses;
    }

    /** Called with the {@code buses} monitor held. */
    Transport attach() {
        users++;
        return new Transport() {
            private boolean up;

            @Override
            public void connect() throws ModbusIOException {
                lock.lock();
                try {
                    line.connect();
                    up = true;
                } finally {
                    lock.unlock();
                }
            }

            @Override
            public boolean isConnected() {
                return up && line.isConnected();
            }

            @Override
            public byte[] exchange(int unitId, byte[] pdu, int timeoutMillis) throws ModbusIOException {
                lock.lock();
                try {
                    line.connect();
                    up = true;
                    return line.exchange(unitId, pdu, timeoutMillis);
                } finally {
                    lock.unlock();
                }
            }

            @Override
            public String describe() {
                return line.describe();
            }

            /** One unit failing says nothing about the port: this session backs off, the others go on. */
            @Override
            public void close() {
                up = false;
            }
        };
    }

    /** A session is done with the bus; the last one closes the port. */
    void release() {
        synchronized (buses) {
            if (--users == 0) {
                buses.remove(port, this);
                lock.lock();
                try {
                    line.close();
                } finally {
                    lock.unlock();
                }
            }
        }
    }
}
