package io.outpost.mapper.modbus.protocol;

import java.io.IOException;

/**
 * A Modbus exchange that failed. {@link Kind} separates what the caller handles differently: a
 * timeout is retried, a broken link is reconnected, an exception response is the device's answer.
 */
public class ModbusIOException extends IOException {
    private static final long serialVersionUID = 1L;

    /** Why the exchange failed. */
    public enum Kind {
        /** No (complete) answer within the timeout. */
        TIMEOUT,
        /** The connection could not be made or was lost. */
        CONNECTION,
        /** An answer that is not a valid response to the request (length, CRC, echo, unit). */
        MALFORMED,
        /** A Modbus exception response: the device refused the request. */
        EXCEPTION_RESPONSE
    }

    private final Kind kind;
    private final int exceptionCode;

    public ModbusIOException(Kind kind, String message) {
        this(kind, message, -1, null);
    }

    public ModbusIOException(Kind kind, String message, Throwable cause) {
        this(kind, message, -1, cause);
    }

    private ModbusIOException(Kind kind, String message, int exceptionCode, Throwable cause) {
        super(message, cause);
        this.kind = kind;
        this.exceptionCode = exceptionCode;
    }

    /** An exception response with its code (1 illegal function, 2 illegal data address, …). */
    public static ModbusIOException exceptionResponse(int function, int code) {
        return new ModbusIOException(Kind.EXCEPTION_RESPONSE,
                "exception " + code + " (" + exceptionName(code) + ") to function " + function, code, null);
    }

    public Kind kind() {
        return kind;
    }

    /** @return the Modbus exception code, or -1 when this is not an exception response */
    public int exceptionCode() {
        return exceptionCode;
    }

    /** @return the Modbus specification's name for an exception code */
    public static String exceptionName(int code) {
        return switch (code) {
            case 1 -> "illegal function";
            case 2 -> "illegal data address";
            case 3 -> "illegal data value";
            case 4 -> "server device failure";
            case 5 -> "acknowledge";
            case 6 -> "server device busy";
            case 8 -> "memory parity error";
            case 10 -> "gateway path unavailable";
            case 11 -> "gateway target device failed to respond";
            default -> "unknown exception code";
        };
    }
}
