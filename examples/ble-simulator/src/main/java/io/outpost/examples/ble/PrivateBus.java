package io.outpost.examples.ble;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A private D-Bus daemon (Debian's dbus-daemon) on a unix socket in a temporary directory, with
 * its own configuration: any local client may own names and talk to anyone. No system bus is
 * touched. Fails loudly when dbus-daemon is missing (.ci/test-all installs it): never skips.
 */
public final class PrivateBus implements AutoCloseable {
    public final String address;
    private final Process process;
    private final Path dir;
    private final boolean ownDir;

    /** A bus in a fresh temporary directory, removed on close. */
    public PrivateBus() throws IOException, InterruptedException {
        this(Files.createTempDirectory("outpost-dbus"), true);
    }

    /** A bus whose socket is {@code dir/bus}: the same address after a restart. */
    public PrivateBus(Path dir) throws IOException, InterruptedException {
        this(dir, false);
    }

    private PrivateBus(Path dir, boolean ownDir) throws IOException, InterruptedException {
        this.dir = dir;
        this.ownDir = ownDir;
        Files.createDirectories(dir);
        Files.deleteIfExists(dir.resolve("bus"));
        String exe = Stream.of("/usr/bin/dbus-daemon", "/bin/dbus-daemon").filter(p -> Files.isExecutable(Path.of(p))).findFirst()
                .orElseThrow(() -> new IllegalStateException("dbus-daemon is not installed: apt-get install dbus-daemon (.ci/test-all does)"));
        Path config = dir.resolve("bus.conf");
        Files.writeString(config, """
                <!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
                 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
                <busconfig>
                  <type>outpost-test</type>
                  <listen>unix:path=%s</listen>
                  <auth>EXTERNAL</auth>
                  <policy context="default">
                    <allow user="*"/>
                    <allow own="*"/>
                    <allow send_destination="*"/>
                    <allow receive_sender="*"/>
                  </policy>
                </busconfig>
                """.formatted(dir.resolve("bus")));
        process = new ProcessBuilder(exe, "--config-file=" + config, "--nofork", "--nopidfile", "--print-address=1")
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        String line = out.readLine();
        if (line == null || !line.startsWith("unix:")) {
            process.destroyForcibly();
            throw new IllegalStateException("dbus-daemon did not start (printed " + line + ", exit " + process.waitFor() + ")");
        }
        address = line.trim();
    }

    @Override
    public void close() throws Exception {
        process.destroy();
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
        if (!ownDir) {
            Files.deleteIfExists(dir.resolve("bus"));
            Files.deleteIfExists(dir.resolve("bus.conf"));
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
