package io.outpost.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A {@link BenchCloud} JVM started by the driver. Its stdout carries the line protocol (see
 * BenchCloud); every line is also copied to a log file, and stderr (the hub's warnings) goes to
 * another, so a failed step can be looked into afterwards.
 */
final class CloudProcess implements AutoCloseable {
    private static final long REPLY_TIMEOUT_SECONDS = 60;

    private final Process process;
    private final PrintWriter commands;
    private final BlockingQueue<String> replies = new LinkedBlockingQueue<>();
    private final ObjectMapper json = new ObjectMapper();
    private final Thread reader;
    private final JsonNode ready;

    /**
     * Starts the cloud and waits until it listens.
     *
     * @param jvmFlags flags of the cloud JVM (heap size, GC)
     * @param cloudArgs BenchCloud's arguments
     * @param logBase log files are {@code logBase.out} and {@code logBase.err}
     */
    CloudProcess(List<String> jvmFlags, List<String> cloudArgs, Path logBase) throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>();
        command.add(java);
        command.addAll(jvmFlags);
        command.add("-cp");
        // The driver's own class path holds the bench jar and target/lib/*: all the cloud needs.
        command.add(System.getProperty("java.class.path"));
        command.add(BenchCloud.class.getName());
        command.addAll(cloudArgs);
        Files.createDirectories(logBase.getParent());
        Path out = Path.of(logBase + ".out");
        Path err = Path.of(logBase + ".err");
        process = new ProcessBuilder(command).redirectError(err.toFile()).start();
        commands = new PrintWriter(new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8), true);
        Writer log = Files.newBufferedWriter(out);
        reader = new Thread(() -> pump(log), "bench-cloud-stdout");
        reader.setDaemon(true);
        reader.start();
        String line = replies.poll(REPLY_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        if (line == null || !line.startsWith("READY ")) {
            process.destroyForcibly();
            throw new IOException("the cloud process did not start (got " + line + "); see " + err);
        }
        ready = json.readTree(line.substring("READY ".length()));
    }

    private void pump(Writer log) {
        try (log; BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                log.write(line);
                log.write('\n');
                log.flush();
                if (line.startsWith("READY ") || line.startsWith("SNAPSHOT ") || line.equals("BYE")) {
                    replies.add(line);
                }
                // Anything else (the periodic STATS lines, the JVM's own messages, e.g. from
                // -XX:StartFlightRecording) is only logged.
            }
        } catch (IOException e) {
            replies.add("EOF " + e.getMessage());
        }
        replies.add("EOF");
    }

    int port() {
        return ready.path("port").asInt();
    }

    int ioThreads() {
        return ready.path("ioThreads").asInt();
    }

    String jvmArgs() {
        return ready.path("jvmArgs").asText();
    }

    /** @return counters and memory now */
    JsonNode snapshot() throws IOException, InterruptedException {
        return ask("snapshot");
    }

    /** @return counters and memory after a full collection: the live heap */
    JsonNode snapshotAfterGc() throws IOException, InterruptedException {
        return ask("gc");
    }

    private synchronized JsonNode ask(String cmd) throws IOException, InterruptedException {
        commands.println(cmd);
        String line = replies.poll(REPLY_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        if (line == null || !line.startsWith("SNAPSHOT ")) {
            throw new IOException("the cloud process did not answer '" + cmd + "' (got " + line + ")");
        }
        return json.readTree(line.substring("SNAPSHOT ".length()));
    }

    @Override
    public void close() {
        commands.println("quit");
        try {
            if (!process.waitFor(15, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
            reader.join(2000);
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
