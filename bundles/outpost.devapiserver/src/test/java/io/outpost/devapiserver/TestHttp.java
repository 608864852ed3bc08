package io.outpost.devapiserver;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** A tiny raw HTTP client for tests that check the wire format itself. */
final class TestHttp {
    static final ObjectMapper JSON = new ObjectMapper();

    record Response(int code, String body, HttpResponse<String> raw) {
        JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON: " + body, e);
            }
        }

        String header(String name) {
            return raw.headers().firstValue(name).orElse(null);
        }
    }

    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final String base;

    TestHttp(String base) {
        this.base = base;
    }

    /** JSON text with single quotes, for readable tests. */
    static String q(String text) {
        return text.replace('\'', '"');
    }

    Response get(String path) throws Exception {
        return send("GET", path, null, null, null);
    }

    Response get(String path, String accept) throws Exception {
        return send("GET", path, null, null, accept);
    }

    Response post(String path, String body) throws Exception {
        return send("POST", path, body, "application/json", null);
    }

    Response put(String path, String body) throws Exception {
        return send("PUT", path, body, "application/json", null);
    }

    Response patch(String path, String contentType, String body) throws Exception {
        return send("PATCH", path, body, contentType, null);
    }

    Response delete(String path) throws Exception {
        return send("DELETE", path, null, null, null);
    }

    Response send(String method, String path, String body, String contentType, String accept) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10));
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        if (accept != null) {
            b.header("Accept", accept);
        }
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(q(body)));
        HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
        return new Response(r.statusCode(), r.body(), r);
    }

    /** An open watch whose lines arrive in a queue. */
    static final class Watch implements AutoCloseable {
        private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        private final CompletableFuture<HttpResponse<Stream<String>>> response;
        private volatile boolean ended;

        private Watch(HttpClient client, HttpRequest request) {
            response = client.sendAsync(request, HttpResponse.BodyHandlers.ofLines());
            response.thenAccept(r -> {
                Thread t = new Thread(() -> {
                    try (Stream<String> s = r.body()) {
                        s.filter(l -> !l.isBlank()).forEach(lines::add);
                    } catch (RuntimeException ignored) {
                        // stream closed
                    } finally {
                        ended = true;
                    }
                }, "test-watch-reader");
                t.setDaemon(true);
                t.start();
            });
        }

        /** The next event, or null after the timeout. */
        JsonNode next(long millis) throws Exception {
            String line = lines.poll(millis, TimeUnit.MILLISECONDS);
            return line == null ? null : JSON.readTree(line);
        }

        int status() throws Exception {
            return response.get(10, TimeUnit.SECONDS).statusCode();
        }

        /** Waits for the server to end the stream. */
        boolean awaitEnd(long millis) throws InterruptedException {
            long deadline = System.currentTimeMillis() + millis;
            while (!ended && System.currentTimeMillis() < deadline) {
                Thread.sleep(20);
            }
            return ended;
        }

        @Override
        public void close() {
            response.thenAccept(r -> r.body().close());
            response.cancel(true);
        }
    }

    Watch watch(String path) {
        return watch(path, null);
    }

    Watch watch(String path, String accept) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path));
        if (accept != null) {
            b.header("Accept", accept);
        }
        return new Watch(client, b.GET().build());
    }
}
