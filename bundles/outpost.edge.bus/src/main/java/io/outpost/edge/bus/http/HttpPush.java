package io.outpost.edge.bus.http;

import io.outpost.edge.bus.kubeedge.HttpPushTarget;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends the values of properties with an HTTP {@code pushMethod} as a JSON POST. Asynchronous on
 * the bus's own worker; at most {@value #MAX_IN_FLIGHT} requests at once, so a slow endpoint
 * costs dropped pushes (logged), never memory.
 */
public final class HttpPush implements HttpPushTarget {
    private static final Logger LOG = LoggerFactory.getLogger(HttpPush.class);
    static final int MAX_IN_FLIGHT = 32;
    static final int MAX_TIMEOUT_MILLIS = 30_000;

    private final HttpClient client;
    private final AtomicInteger inFlight = new AtomicInteger();

    public HttpPush(Executor executor) {
        client = HttpClient.newBuilder().executor(executor).connectTimeout(Duration.ofSeconds(5)).build();
    }

    @Override
    public void post(String url, byte[] body, int timeoutMillis) {
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            LOG.warn("pushMethod.http: '{}' is not a URL", url);
            return;
        }
        if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
            LOG.warn("pushMethod.http: '{}' must be http(s)://host:port/path", url);
            return;
        }
        if (inFlight.incrementAndGet() > MAX_IN_FLIGHT) {
            inFlight.decrementAndGet();
            LOG.warn("pushMethod.http: {} requests are waiting; the value for {} is dropped", MAX_IN_FLIGHT, url);
            return;
        }
        int t = timeoutMillis <= 0 ? 5000 : Math.min(timeoutMillis, MAX_TIMEOUT_MILLIS);
        HttpRequest req = HttpRequest.newBuilder(uri).timeout(Duration.ofMillis(t)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
        client.sendAsync(req, HttpResponse.BodyHandlers.discarding()).whenComplete((r, e) -> {
            inFlight.decrementAndGet();
            if (e != null) {
                LOG.debug("pushMethod.http to {} failed: {}", url, e.toString());
            } else if (r.statusCode() >= 300) {
                LOG.debug("pushMethod.http to {} answered {}", url, r.statusCode());
            }
        });
    }
}
