package io.outpost.edge.ota;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Downloads one artifact into a {@code .part} file in Range requests of {@code chunkBytes},
 * resuming from what the file already holds (after a broken connection or a restart). Never
 * writes more than the declared size: a server that sends more, or announces a larger total,
 * aborts the download. No OSGi.
 */
final class Downloader {
    private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (\\d+)-(\\d+)/(\\d+|\\*)");

    private final HttpClient http;
    private final int chunkBytes;
    private final Duration timeout;

    Downloader(HttpClient http, int chunkBytes, Duration timeout) {
        this.http = http;
        this.chunkBytes = chunkBytes;
        this.timeout = timeout;
    }

    /** Thrown for a download that must not be retried as is (larger than declared, refused by the server). */
    static final class DownloadException extends IOException {
        DownloadException(String message) {
            super(message);
        }
    }

    /** Thrown when the download cannot be written (a full disk, most often): the part file is worthless then. */
    static final class WriteException extends IOException {
        WriteException(Path part, IOException cause) {
            super("cannot write " + part + ": " + (cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage()), cause);
        }
    }

    /**
     * Fetches {@code uri} into {@code part} until it holds {@code size} bytes.
     *
     * @throws DownloadException when the server answers with an error or with more than declared
     * @throws WriteException when the part file cannot be written (disk full)
     * @throws IOException when the connection fails (the part file keeps what arrived)
     */
    void fetch(URI uri, Path part, long size) throws IOException, InterruptedException {
        long have = Files.exists(part) ? Files.size(part) : 0;
        if (have > size) {
            Files.delete(part);
            have = 0;
        }
        while (have < size) {
            long last = Math.min(size, have + chunkBytes) - 1;
            HttpRequest req = HttpRequest.newBuilder(uri).timeout(timeout).header("Range", "bytes=" + have + "-" + last).GET().build();
            HttpResponse<InputStream> resp = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream in = resp.body()) {
                long expect;
                if (resp.statusCode() == 206) {
                    Matcher m = CONTENT_RANGE.matcher(resp.headers().firstValue("Content-Range").orElse(""));
                    if (!m.matches() || Long.parseLong(m.group(1)) != have) {
                        throw new DownloadException("the server answered range " + resp.headers().firstValue("Content-Range").orElse("(none)")
                                + " to a request for bytes " + have + "-" + last);
                    }
                    if (!"*".equals(m.group(3)) && Long.parseLong(m.group(3)) != size) {
                        throw new DownloadException("the artifact at " + uri + " has " + m.group(3) + " bytes, not the declared " + size
                                + "; download aborted");
                    }
                    expect = Long.parseLong(m.group(2)) - have + 1;
                } else if (resp.statusCode() == 200) {
                    // A server without ranges sends it all: start over, still capped at the declared size.
                    have = 0;
                    expect = size;
                    Files.deleteIfExists(part);
                } else {
                    String text = new String(in.readNBytes(512), java.nio.charset.StandardCharsets.UTF_8).trim();
                    throw new DownloadException("HTTP " + resp.statusCode() + " from " + uri + (text.isEmpty() ? "" : ": " + text));
                }
                long got = copy(in, part, expect, size - have, resp.statusCode() == 200);
                have += got;
                if (got == 0) {
                    throw new IOException("the server sent no bytes for range " + have + "-" + last);
                }
            }
        }
    }

    /** Appends at most {@code expect} bytes; more than {@code room} (the rest of the declared size) aborts. */
    private static long copy(InputStream in, Path part, long expect, long room, boolean whole) throws IOException {
        byte[] buf = new byte[64 * 1024];
        long n = 0;
        OutputStream out;
        try {
            out = Files.newOutputStream(part, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new WriteException(part, e);
        }
        try (out) {
            int r;
            while ((r = in.read(buf)) > 0) {
                if (n + r > room) {
                    throw new DownloadException("the server sent more than the declared size (" + (n + r) + " bytes where " + room
                            + " remained); download aborted");
                }
                if (!whole && n + r > expect) {
                    throw new DownloadException("the server sent more bytes than the range it announced; download aborted");
                }
                try {
                    out.write(buf, 0, r);
                } catch (IOException e) {
                    throw new WriteException(part, e);
                }
                n += r;
            }
        }
        return n;
    }
}
