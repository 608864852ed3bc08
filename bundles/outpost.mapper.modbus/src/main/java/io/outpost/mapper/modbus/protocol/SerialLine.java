package io.outpost.mapper.modbus.protocol;

import java.io.IOException;

/** A serial port as RTU needs it, so that the framing can be tested without one. */
public interface SerialLine extends AutoCloseable {
    void open() throws IOException;

    boolean isOpen();

    void write(byte[] data) throws IOException;

    /**
     * Reads what is available, waiting up to {@code timeoutMillis} for the first byte.
     *
     * @return bytes read, 0 when none came in time
     */
    int read(byte[] buffer, int offset, int length, int timeoutMillis) throws IOException;

    /** Drops whatever is waiting to be read (the rest of a broken frame). */
    void discardInput() throws IOException;

    String name();

    @Override
    void close();
}
