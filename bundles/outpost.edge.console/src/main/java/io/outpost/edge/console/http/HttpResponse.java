package io.outpost.edge.console.http;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * One response. Either a body, or (for server-sent events) a stream: the server sends the head
 * and hands an {@link EventSink} to {@code stream}, which keeps it until the client leaves.
 *
 * @param status the HTTP status
 * @param contentType the content type
 * @param headers extra headers (e.g. Set-Cookie)
 * @param body the body; empty for streams
 * @param stream null for ordinary responses
 */
public record HttpResponse(int status, String contentType, Map<String, String> headers, byte[] body, Consumer<EventSink> stream) {

    public static HttpResponse of(int status, String contentType, byte[] body) {
        return new HttpResponse(status, contentType, new LinkedHashMap<>(), body, null);
    }

    public static HttpResponse text(int status, String text) {
        return of(status, "text/plain; charset=utf-8", (text + "\n").getBytes(StandardCharsets.UTF_8));
    }

    public static HttpResponse events(Consumer<EventSink> stream) {
        return new HttpResponse(200, "text/event-stream; charset=utf-8", new LinkedHashMap<>(), new byte[0], stream);
    }

    /** @return this response with one more header */
    public HttpResponse with(String name, String value) {
        Map<String, String> h = new LinkedHashMap<>(headers);
        h.put(name, value);
        return new HttpResponse(status, contentType, h, body, stream);
    }
}
