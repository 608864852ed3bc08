package io.outpost.runtime.cri.grpc;

import java.util.Objects;

/** A gRPC call ended with a status other than OK, or could not be made; {@link #code()} says which. */
public class GrpcException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final GrpcCode code;

    public GrpcException(GrpcCode code, String message) {
        this(code, message, null);
    }

    public GrpcException(GrpcCode code, String message, Throwable cause) {
        super(message, cause);
        this.code = Objects.requireNonNull(code, "code");
    }

    /** @return the status code; never {@code OK} */
    public GrpcCode code() {
        return code;
    }
}
