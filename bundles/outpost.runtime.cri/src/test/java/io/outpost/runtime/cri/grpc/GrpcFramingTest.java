package io.outpost.runtime.cri.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class GrpcFramingTest {
    @Test
    void timeoutsFitEightDigits() {
        assertEquals("1500m", GrpcFraming.timeoutHeader(Duration.ofMillis(1500)));
        assertEquals("1m", GrpcFraming.timeoutHeader(Duration.ofNanos(10)), "never zero");
        assertEquals("99999999m", GrpcFraming.timeoutHeader(Duration.ofMillis(99_999_999)));
        assertEquals("100000S", GrpcFraming.timeoutHeader(Duration.ofSeconds(100_000)));
        assertEquals("99999999S", GrpcFraming.timeoutHeader(Duration.ofDays(100_000)));
    }

    @Test
    void messagesArePercentDecodedUtf8() {
        assertEquals("plain message", GrpcFraming.decodeMessage("plain message"));
        assertEquals("image \"x\" not found: ✓ café", GrpcFraming.decodeMessage("image \"x\" not found: %E2%9C%93 caf%C3%A9"));
        assertEquals("100% sure", GrpcFraming.decodeMessage("100%25 sure"));
        assertEquals("bad %zz escape and %4", GrpcFraming.decodeMessage("bad %zz escape and %4"), "kept as is");
        assertEquals("", GrpcFraming.decodeMessage(null));
    }

    @Test
    void codesFromTheWire() {
        assertEquals(GrpcCode.NOT_FOUND, GrpcCode.of(5));
        assertEquals(GrpcCode.UNAUTHENTICATED, GrpcCode.of(16));
        assertEquals(GrpcCode.UNKNOWN, GrpcCode.of(17), "undefined numbers are UNKNOWN");
        assertEquals(GrpcCode.UNKNOWN, GrpcCode.of(-1));
        assertEquals(GrpcCode.UNAVAILABLE, GrpcCode.ofHttpStatus(503));
        assertEquals(GrpcCode.UNIMPLEMENTED, GrpcCode.ofHttpStatus(404));
        assertEquals(GrpcCode.UNKNOWN, GrpcCode.ofHttpStatus(500));
    }
}
