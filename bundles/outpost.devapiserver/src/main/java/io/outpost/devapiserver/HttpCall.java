package io.outpost.devapiserver;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One HTTP request and its response: decoded path segments and query parameters, a size-capped
 * request body, and helpers to answer with JSON or a {@code Status}.
 */
final class HttpCall {
    /** Longest URL accepted; Kubernetes URLs are short, selectors are the long part. */
    static final int MAX_URI_LENGTH = 64 * 1024;

    private final HttpExchange exchange;
    private final Codec codec;
    private final long maxBodyBytes;
    private final List<String> segments;
    private final Map<String, String> query;
    private byte[] body;
    private boolean responded;

    HttpCall(HttpExchange exchange, Codec codec, long maxBodyBytes) throws ApiException {
        this.exchange = exchange;
        this.codec = codec;
        this.maxBodyBytes = maxBodyBytes;
        String rawPath = exchange.getRequestURI().getRawPath();
        String rawQuery = exchange.getRequestURI().getRawQuery();
        if (rawPath.length() + (rawQuery == null ? 0 : rawQuery.length()) > MAX_URI_LENGTH) {
            throw new ApiException(414, "RequestURITooLong", "the request URI is too long");
        }
        this.segments = splitPath(rawPath);
        this.query = parseQuery(rawQuery);
    }

    String method() {
        return exchange.getRequestMethod().toUpperCase(java.util.Locale.ROOT);
    }

    /** Non-empty, percent-decoded path segments. */
    List<String> segments() {
        return segments;
    }

    String param(String name) {
        return query.get(name);
    }

    String param(String name, String fallback) {
        String v = query.get(name);
        return v == null ? fallback : v;
    }

    /** A boolean parameter, parsed like Go's strconv.ParseBool (as Kubernetes does). */
    boolean boolParam(String name) throws ApiException {
        String v = query.get(name);
        if (v == null || v.isEmpty()) {
            return false;
        }
        switch (v) {
            case "1": case "t": case "T": case "true": case "TRUE": case "True":
                return true;
            case "0": case "f": case "F": case "false": case "FALSE": case "False":
                return false;
            default:
                throw ApiException.badRequest("invalid value for boolean parameter " + name + ": \"" + v + "\"");
        }
    }

    /** A non-negative integer parameter, or {@code fallback} when absent. */
    long longParam(String name, long fallback) throws ApiException {
        String v = query.get(name);
        if (v == null || v.isEmpty()) {
            return fallback;
        }
        try {
            long n = Long.parseLong(v);
            if (n < 0) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("invalid value for parameter " + name + ": \"" + v + "\": must be a non-negative integer");
        }
    }

    String header(String name) {
        return exchange.getRequestHeaders().getFirst(name);
    }

    /**
     * The request body, read at most once and refused with 413 beyond the limit (checked against
     * Content-Length first, then while reading, since chunked bodies have no length).
     */
    byte[] body() throws ApiException {
        if (body != null) {
            return body;
        }
        String length = header("Content-Length");
        if (length != null) {
            try {
                if (Long.parseLong(length.trim()) > maxBodyBytes) {
                    drain();
                    throw ApiException.tooLarge(maxBodyBytes);
                }
            } catch (NumberFormatException e) {
                throw ApiException.badRequest("invalid Content-Length");
            }
        }
        try (InputStream in = exchange.getRequestBody()) {
            byte[] data = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBodyBytes + 1));
            if (data.length > maxBodyBytes) {
                drain();
                throw ApiException.tooLarge(maxBodyBytes);
            }
            body = data;
            return body;
        } catch (IOException e) {
            throw ApiException.badRequest("the request body could not be read: " + e.getMessage());
        }
    }

    /**
     * Reads and discards what is left of a refused body, up to a bound, so that a client still
     * sending it receives the 413 instead of a reset connection; beyond the bound the connection
     * is simply closed.
     */
    private void drain() {
        long budget = Math.max(maxBodyBytes, 1) * 16;
        try {
            InputStream in = exchange.getRequestBody();
            byte[] buf = new byte[16 * 1024];
            int n;
            while (budget > 0 && (n = in.read(buf, 0, (int) Math.min(buf.length, budget))) > 0) {
                budget -= n;
            }
        } catch (IOException e) {
            // the client gave up; nothing to answer
        }
    }

    boolean hasResponded() {
        return responded;
    }

    void addHeader(String name, String value) {
        exchange.getResponseHeaders().add(name, value);
    }

    void sendJson(int code, JsonNode node, String contentType, boolean pretty) throws IOException {
        send(code, pretty ? codec.writePretty(node) : codec.write(node), contentType);
    }

    void sendText(int code, String text) throws IOException {
        send(code, text.getBytes(StandardCharsets.UTF_8), "text/plain; charset=utf-8");
    }

    void send(int code, byte[] bytes, String contentType) throws IOException {
        responded = true;
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.getResponseHeaders().set("Cache-Control", "no-cache, private");
        if (method().equals("HEAD")) {
            exchange.sendResponseHeaders(code, -1);
            return;
        }
        exchange.sendResponseHeaders(code, bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    void sendStatus(ApiException e) {
        if (responded) {
            return;
        }
        try {
            send(e.code(), codec.write(e.toStatus()), MediaTypes.JSON);
        } catch (IOException ignored) {
            // the client has gone; nothing left to tell it
        }
    }

    /** Starts a streamed (chunked) response and returns its body. */
    OutputStream startStream(String contentType) throws IOException {
        responded = true;
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.getResponseHeaders().set("Cache-Control", "no-cache, private");
        exchange.sendResponseHeaders(200, 0);
        return exchange.getResponseBody();
    }

    private static List<String> splitPath(String rawPath) throws ApiException {
        List<String> result = new ArrayList<>();
        for (String part : rawPath.split("/")) {
            if (part.isEmpty()) {
                continue;
            }
            result.add(decode(part.replace("+", "%2B")));
        }
        return Collections.unmodifiableList(result);
    }

    private static Map<String, String> parseQuery(String rawQuery) throws ApiException {
        Map<String, String> result = new HashMap<>();
        if (rawQuery == null || rawQuery.isEmpty()) {
            return result;
        }
        for (String pair : rawQuery.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String key = decode(eq >= 0 ? pair.substring(0, eq) : pair);
            String value = eq >= 0 ? decode(pair.substring(eq + 1)) : "";
            result.putIfAbsent(key, value);
        }
        return result;
    }

    private static String decode(String text) throws ApiException {
        try {
            return URLDecoder.decode(text, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("malformed URL encoding: " + e.getMessage());
        }
    }
}
