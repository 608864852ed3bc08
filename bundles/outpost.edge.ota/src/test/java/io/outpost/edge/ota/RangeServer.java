package io.outpost.edge.ota;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A real HTTP server that answers Range requests like the cloud's repository (plain HTTP: TLS is the link's, tested there). */
final class RangeServer implements AutoCloseable {
    private static final Pattern RANGE = Pattern.compile("bytes=(\\d+)-(\\d*)");
    final Map<String, byte[]> files = new ConcurrentHashMap<>();
    /** Breaks the connection after this many bytes of a response, once (to test resuming); 0: never. */
    volatile int breakAfter;
    /** Announces this total in Content-Range instead of the real one; -1: the real one. */
    volatile long lieAboutTotal = -1;
    /** Ignores Range and sends everything with 200. */
    volatile boolean noRanges;
    final AtomicInteger requests = new AtomicInteger();
    /** Runs before the second request is answered, once: lets a test change the world mid-download. */
    volatile Runnable beforeSecondRequest;
    private final HttpServer server;

    RangeServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", ex -> {
            Runnable hook = beforeSecondRequest;
            if (requests.incrementAndGet() == 2 && hook != null) {
                hook.run();
            }
            byte[] f = files.get(ex.getRequestURI().getPath());
            if (f == null) {
                byte[] msg = "no such artifact".getBytes();
                ex.sendResponseHeaders(404, msg.length);
                ex.getResponseBody().write(msg);
                ex.close();
                return;
            }
            String range = ex.getRequestHeaders().getFirst("Range");
            int from = 0;
            int to = f.length - 1;
            int status = 200;
            if (range != null && !noRanges) {
                Matcher m = RANGE.matcher(range);
                if (m.matches()) {
                    from = Integer.parseInt(m.group(1));
                    if (!m.group(2).isEmpty()) {
                        to = Math.min(to, Integer.parseInt(m.group(2)));
                    }
                    status = 206;
                    ex.getResponseHeaders().add("Content-Range", "bytes " + from + "-" + to + "/" + (lieAboutTotal >= 0 ? lieAboutTotal : f.length));
                }
            }
            int len = to - from + 1;
            ex.sendResponseHeaders(status, len);
            try (OutputStream out = ex.getResponseBody()) {
                int brk = breakAfter;
                if (brk > 0 && brk < len) {
                    breakAfter = 0;
                    out.write(f, from, brk);
                    out.flush();
                    ex.getHttpContext().getServer();
                    throw new IOException("connection broken on purpose");
                }
                out.write(f, from, len);
            }
        });
        server.start();
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
