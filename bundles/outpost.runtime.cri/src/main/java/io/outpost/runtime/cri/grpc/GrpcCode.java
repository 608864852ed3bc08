package io.outpost.runtime.cri.grpc;

/** gRPC status codes, by their numbers on the wire ({@code grpc-status}). */
public enum GrpcCode {
    OK, CANCELLED, UNKNOWN, INVALID_ARGUMENT, DEADLINE_EXCEEDED, NOT_FOUND, ALREADY_EXISTS, PERMISSION_DENIED,
    RESOURCE_EXHAUSTED, FAILED_PRECONDITION, ABORTED, OUT_OF_RANGE, UNIMPLEMENTED, INTERNAL, UNAVAILABLE, DATA_LOSS,
    UNAUTHENTICATED;

    private static final GrpcCode[] BY_VALUE = values();

    /** @return the code's number on the wire */
    public int value() {
        return ordinal();
    }

    /**
     * @param value a {@code grpc-status} number
     * @return its code; numbers gRPC does not define are {@link #UNKNOWN}, as the spec says
     */
    public static GrpcCode of(int value) {
        return value >= 0 && value < BY_VALUE.length ? BY_VALUE[value] : UNKNOWN;
    }

    /**
     * The gRPC status for an HTTP status other than 200, per gRPC's "HTTP to gRPC status code
     * mapping" (a proxy or a non-gRPC server answered).
     *
     * @param httpStatus the {@code :status}
     * @return the code to report
     */
    public static GrpcCode ofHttpStatus(int httpStatus) {
        return switch (httpStatus) {
            case 400 -> INTERNAL;
            case 401 -> UNAUTHENTICATED;
            case 403 -> PERMISSION_DENIED;
            case 404 -> UNIMPLEMENTED;
            case 429, 502, 503, 504 -> UNAVAILABLE;
            default -> UNKNOWN;
        };
    }
}
