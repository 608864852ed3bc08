package io.outpost.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** The facts about the machine a result depends on, read once at the start of a run. */
final class MachineFacts {
    private MachineFacts() {
    }

    /** @return name to value, in report order */
    static Map<String, String> collect() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("CPU", firstMatching(Path.of("/proc/cpuinfo"), "model name").orElse(System.getProperty("os.arch")));
        m.put("cores (available to the JVM)", Integer.toString(Runtime.getRuntime().availableProcessors()));
        long memKib = ProcessStats.statusField(Path.of("/proc/meminfo"), "MemTotal:");
        m.put("memory", memKib > 0 ? String.format("%.1f GiB", memKib / 1024.0 / 1024.0) : "unknown");
        m.put("OS", System.getProperty("os.name") + " " + System.getProperty("os.version"));
        m.put("Java", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
        m.put("driver JVM flags", String.join(" ", ManagementFactory.getRuntimeMXBean().getInputArguments()));
        m.put("open files limit (soft/hard)", openFilesLimit());
        m.put("net.core.somaxconn", read("/proc/sys/net/core/somaxconn"));
        m.put("net.ipv4.ip_local_port_range", read("/proc/sys/net/ipv4/ip_local_port_range"));
        m.put("load average at start (1/5/15 min)", loadAverage());
        return m;
    }

    private static String openFilesLimit() {
        return firstMatching(Path.of("/proc/self/limits"), "Max open files")
                .map(l -> l.replace("Max open files", "").trim().replaceAll("\\s+", " "))
                .map(l -> {
                    String[] p = l.split(" ");
                    return p.length >= 2 ? p[0] + "/" + p[1] : l;
                }).orElse("unknown");
    }

    private static String loadAverage() {
        String s = read("/proc/loadavg");
        String[] p = s.split("\\s+");
        return p.length >= 3 ? p[0] + " / " + p[1] + " / " + p[2] : s;
    }

    private static java.util.Optional<String> firstMatching(Path file, String prefix) {
        try {
            for (String line : Files.readAllLines(file)) {
                if (line.startsWith(prefix)) {
                    int colon = line.indexOf(':');
                    return java.util.Optional.of(colon > 0 && prefix.equals("model name") ? line.substring(colon + 1).trim() : line);
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux
        }
        return java.util.Optional.empty();
    }

    private static String read(String file) {
        try {
            // Line-wise on purpose: on some kernels /proc/sys files report a size that makes
            // Files.readString stop early (it returned "4" for a somaxconn of 4096).
            return String.join(" ", Files.readAllLines(Path.of(file))).trim().replaceAll("\\s+", " ");
        } catch (IOException e) {
            return "unknown";
        }
    }
}
