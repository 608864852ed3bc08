package io.outpost.hub.api;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * Whiteboard service that serves a path prefix on the cloud's HTTPS endpoint (the certificate
 * bootstrap port, KubeEdge's 10002), with the same server certificate and the same client
 * certificate check as the bootstrap. The OTA artifact repository uses it, so gateways fetch
 * artifacts from the address they already trust, authenticated by their node certificates.
 *
 * <p>Register it with the service property {@link #PATH} (a prefix starting and ending with
 * {@code /}, e.g. {@code /artifacts/}). The bootstrap's own paths ({@code /ca.crt},
 * {@code /edge.crt}) cannot be taken.
 *
 * <p>Threading: {@link #handle} runs on a worker thread and may block briefly (disk reads).
 * Request bodies are capped by the server (1 MiB); responses are held in memory, so a route
 * keeps them bounded (the artifact repository answers large files in ranges).
 *
 * @since 1.1
 */
@ConsumerType
public interface CloudHttpRoute {
    /** Service property: the path prefix this route serves. */
    String PATH = "outpost.http.path";

    /**
     * One request.
     *
     * @param method upper-case method
     * @param path the decoded path, without query
     * @param headers request headers, names in lower case, never null
     * @param nodeName the node named by the verified client certificate (signed by the cloud
     *     CA), or null when the client presented none
     */
    record Request(String method, String path, Map<String, String> headers, String nodeName) {
        public String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    /**
     * One response.
     *
     * @param status HTTP status
     * @param contentType the content type
     * @param headers further headers (e.g. {@code Content-Range}), never null
     * @param body the body, never null
     */
    record Response(int status, String contentType, Map<String, String> headers, byte[] body) {
        /** A plain-text response, e.g. an error that says what to fix. */
        public static Response text(int status, String text) {
            return new Response(status, "text/plain; charset=utf-8", Map.of(), (text + "\n").getBytes(StandardCharsets.UTF_8));
        }
    }

    /**
     * Answers one request.
     *
     * @param request the request, never null
     * @return the response, never null
     */
    Response handle(Request request);
}
