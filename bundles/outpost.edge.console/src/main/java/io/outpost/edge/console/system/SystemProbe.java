package io.outpost.edge.console.system;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * CPU, memory, disk and uptime of the gateway, from /proc and the JVM. Values that cannot be
 * read on this system are left out rather than invented.
 */
public final class SystemProbe {
    private final Path dataDir;
    private final Path proc;

    public SystemProbe(Path dataDir, Path proc) {
        this.dataDir = dataDir;
        this.proc = proc;
    }

    public ObjectNode probe() {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        ObjectNode cpu = o.putObject("cpu");
        cpu.put("cores", Runtime.getRuntime().availableProcessors());
        var os = ManagementFactory.getOperatingSystemMXBean();
        cpu.put("loadAverage1m", Math.round(os.getSystemLoadAverage() * 100) / 100.0);
        try {
            if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
                double sys = sun.getCpuLoad();
                double self = sun.getProcessCpuLoad();
                if (sys >= 0) {
                    cpu.put("systemPercent", Math.round(sys * 1000) / 10.0);
                }
                if (self >= 0) {
                    cpu.put("processPercent", Math.round(self * 1000) / 10.0);
                }
            }
        } catch (LinkageError e) {
            // a JVM (or framework) without com.sun.management: load average only
        }
        ObjectNode mem = o.putObject("memory");
        long total = kb(proc.resolve("meminfo"), "MemTotal:");
        long avail = kb(proc.resolve("meminfo"), "MemAvailable:");
        if (total > 0) {
            mem.put("totalBytes", total * 1024);
        }
        if (avail >= 0) {
            mem.put("availableBytes", avail * 1024);
        }
        long rss = kb(proc.resolve("self/status"), "VmRSS:");
        if (rss > 0) {
            mem.put("processRssBytes", rss * 1024);
        }
        Runtime rt = Runtime.getRuntime();
        mem.put("heapUsedBytes", rt.totalMemory() - rt.freeMemory());
        mem.put("heapMaxBytes", rt.maxMemory());
        try {
            FileStore fs = Files.getFileStore(Files.exists(dataDir) ? dataDir : Path.of("."));
            ObjectNode disk = o.putObject("disk");
            disk.put("path", dataDir.toAbsolutePath().toString());
            disk.put("totalBytes", fs.getTotalSpace());
            disk.put("usableBytes", fs.getUsableSpace());
        } catch (IOException e) {
            // no disk figures
        }
        ObjectNode up = o.putObject("uptime");
        try {
            List<String> l = Files.readAllLines(proc.resolve("uptime"));
            up.put("systemSeconds", (long) Double.parseDouble(l.get(0).split("\\s+")[0]));
        } catch (IOException | RuntimeException e) {
            // not Linux
        }
        up.put("processSeconds", ManagementFactory.getRuntimeMXBean().getUptime() / 1000);
        return o;
    }

    /** @return the kB figure of a /proc line such as "MemTotal:  123 kB", or -1 */
    static long kb(Path file, String key) {
        try {
            for (String line : Files.readAllLines(file)) {
                if (line.startsWith(key)) {
                    return Long.parseLong(line.substring(key.length()).trim().split("\\s+")[0]);
                }
            }
        } catch (IOException | RuntimeException e) {
            // unreadable: unknown
        }
        return -1;
    }
}
