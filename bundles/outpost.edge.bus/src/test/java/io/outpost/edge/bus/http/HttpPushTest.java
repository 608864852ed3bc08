package io.outpost.edge.bus.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class HttpPushTest {
    private final ExecutorService worker = Executors.newSingleThreadExecutor();
    private HttpServer server;

    @AfterEach
    void tearDown() {
        if (server != null) {
            server.stop(0);
        }
        worker.shutdownNow();
    }

    @Test
    void postsTheDocumentToTheEndpoint() throws Exception {
        BlockingQueue<String> got = new ArrayBlockingQueue<>(4);
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/values", ex -> {
            got.add(ex.getRequestMethod() + " " + ex.getRequestHeaders().getFirst("Content-Type") + " "
                    + new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            ex.sendResponseHeaders(204, -1);
            ex.close();
        });
        server.start();
        new HttpPush(worker).post("http://127.0.0.1:" + server.getAddress().getPort() + "/values", "{\"v\":1}".getBytes(StandardCharsets.UTF_8), 2000);
        String r = got.poll(10, TimeUnit.SECONDS);
        assertNotNull(r, "the endpoint got the POST");
        assertEquals("POST application/json {\"v\":1}", r);
    }

    @Test
    void badTargetsAreRefusedWithoutThrowing() {
        HttpPush p = new HttpPush(worker);
        p.post("not a url", new byte[0], 1000);
        p.post("ftp://example.invalid/x", new byte[0], 1000);
        p.post("http://127.0.0.1:1/nothing-listens", new byte[0], 1000);
    }
}
