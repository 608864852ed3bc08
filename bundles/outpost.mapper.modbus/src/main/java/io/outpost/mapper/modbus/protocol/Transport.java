package io.outpost.mapper.modbus.protocol;

/**
 * One link to a Modbus device (a TCP connection or a serial line): sends a request PDU to a unit
 * and returns the response PDU. Not thread-safe: one exchange at a time, as Modbus RTU requires
 * and as one device's session uses it.
 */
public interface Transport extends AutoCloseable {
    /** Opens the link if it is not open. */
    void connect() throws ModbusIOException;

    boolean isConnected();

    /**
     * One request and its response. The response is checked for framing (length, CRC,
     * transaction id, unit) but not for its content ({@link Pdu#check} does that).
     *
     * @param timeoutMillis how long to wait for the whole response
     */
    byte[] exchange(int unitId, byte[] pdu, int timeoutMillis) throws ModbusIOException;

    /** What the link goes to, for messages (for example {@code 10.0.0.5:502}). */
    String describe();

    @Override
    void close();
}
