package io.outpost.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Renders a run as markdown, and appends it to the day's results file. */
final class ResultsReport {
    private static final double MIB = 1024.0 * 1024.0;

    /** Everything a run's report shows besides the steps. */
    record Run(BenchOptions options, Map<String, String> machine, NodeIdentities.Timings pki, String cloudJvmArgs, int cloudIoThreads,
            int statusBytes, int keepaliveBytes, ZonedDateTime started, double totalSeconds) {
    }

    private ResultsReport() {
    }

    static String markdown(Run run, List<StepResult> steps) {
        BenchOptions o = run.options();
        StringBuilder sb = new StringBuilder();
        sb.append("## Run ").append(run.started().format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'")))
                .append(" — profile `").append(o.profile()).append("`: keepalive every ").append(o.keepaliveSeconds())
                .append(" s, node status every ").append(o.statusSeconds()).append(" s\n\n");
        sb.append("Command: `").append(o.command()).append("`\n\n");
        sb.append("Machine:\n");
        run.machine().forEach((k, v) -> sb.append("- ").append(k).append(": ").append(v).append('\n'));
        sb.append("\nSettings:\n");
        sb.append("- N values: ").append(o.nodes()).append("; ran in ").append(fmt(run.totalSeconds(), 0)).append(" s\n");
        sb.append("- steady state: ").append(o.warmupSeconds()).append(" s warm-up after the last connect, then a ")
                .append(o.windowSeconds()).append(" s measured window\n");
        sb.append("- cloud: separate JVM `").append(run.cloudJvmArgs()).append("`, ").append(run.cloudIoThreads())
                .append(" I/O threads, idle timeout ").append(o.cloudKeepaliveTimeoutSeconds()).append(" s, a fresh cloud for every step\n");
        sb.append("- gateways: one shared Netty group of ").append(o.clientThreads()).append(" threads in the driver JVM; ")
                .append(o.connectConcurrency()).append(" connects in flight at most; handshake timeout ").append(o.handshakeTimeoutSeconds())
                .append(" s; response timeout ").append(o.responseTimeoutSeconds()).append(" s; half-open timeout ")
                .append(o.halfOpenSeconds()).append(" s\n");
        sb.append("- frames: node status update ").append(run.statusBytes()).append(" bytes of JSON (NodeStatusRequest), keepalive ")
                .append(run.keepaliveBytes()).append(" bytes, plus a WebSocket ping per keepalive\n");
        NodeIdentities.Timings p = run.pki();
        sb.append("- PKI, once up front for ").append(p.nodes()).append(" gateways: key pairs + CSRs ")
                .append(fmt(p.keyAndCsrMillis() / 1000.0, 1)).append(" s; CSR signing ").append(fmt(p.signMillis() / 1000.0, 1))
                .append(" s (").append(fmt(p.signMillis() == 0 ? -1 : p.nodes() * 1000.0 / p.signMillis(), 0))
                .append(" CSRs/s); TLS client contexts ").append(fmt(p.tlsContextMillis() / 1000.0, 1)).append(" s\n\n");

        sb.append("### Connect and steady state (rates counted at the cloud)\n\n");
        sb.append("| N | connected | time to all connected (s) | connect rate (nodes/s) | handshake p50 / p99 (ms) "
                + "| keepalives/s (offered) | status updates/s (offered) | status response p50 / p99 / max (ms) "
                + "| timeouts / dropped | cloud CPU (cores) | cloud CPU per message (µs) | driver CPU (cores) | machine busy |\n");
        sb.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (StepResult s : steps) {
            double offeredKa = (double) Math.max(s.connected, 0) / o.keepaliveSeconds();
            double offeredSt = (double) Math.max(s.connected, 0) / o.statusSeconds();
            sb.append("| ").append(s.nodes)
                    .append(" | ").append(s.connected < 0 ? "–" : s.connected + (s.connectFailures > 0 ? " (" + s.connectFailures + " failed)" : ""))
                    .append(" | ").append(fmt(s.connectSeconds, 1))
                    .append(" | ").append(fmt(s.connectRate(), 0))
                    .append(" | ").append(ms(s.handshakeP50Micros)).append(" / ").append(ms(s.handshakeP99Micros))
                    .append(" | ").append(fmt(s.keepalivesPerSecond, 0)).append(" (").append(fmt(s.keepalivesPerSecond < 0 ? -1 : offeredKa, 0)).append(")")
                    .append(" | ").append(fmt(s.statusUpdatesPerSecond, 0)).append(" (").append(fmt(s.statusUpdatesPerSecond < 0 ? -1 : offeredSt, 0)).append(")")
                    .append(" | ").append(ms(s.responseP50Micros)).append(" / ").append(ms(s.responseP99Micros)).append(" / ").append(ms(s.responseMaxMicros))
                    .append(" | ").append(s.gateways == null ? "–" : s.gateways.responseTimeouts() + " / " + s.gateways.sendsDropped())
                    .append(" | ").append(fmt(s.cloudCpuCores, 2))
                    .append(" | ").append(fmt(s.cloudCpuMicrosPerMessage(), 0))
                    .append(" | ").append(fmt(s.driverCpuCores, 2))
                    .append(" | ").append(s.machineCpuBusyPercent < 0 ? "–" : fmt(s.machineCpuBusyPercent, 0) + " %")
                    .append(" |\n");
        }
        sb.append("\n### Cost of connecting (CPU time per connected gateway during the connect phase)\n\n");
        sb.append("| N | cloud CPU per connect (ms) | gateway-side CPU per connect (ms) | cloud CPU while connecting (cores) |\n");
        sb.append("|---:|---:|---:|---:|\n");
        for (StepResult s : steps) {
            sb.append("| ").append(s.nodes)
                    .append(" | ").append(fmt(s.connectCloudCpuMillisPerNode, 1))
                    .append(" | ").append(fmt(s.connectDriverCpuMillisPerNode, 1))
                    .append(" | ").append(fmt(s.connectCloudCpuCores, 2))
                    .append(" |\n");
        }
        sb.append("\n### Cloud memory (after a full GC; idle = the same fresh cloud before any gateway connected)\n\n");
        sb.append("| N | heap idle (MiB) | heap at N (MiB) | heap per 1,000 nodes (MiB) | heap per 1,000 more nodes (MiB) "
                + "| RSS idle (MiB) | RSS at N (MiB) | RSS per 1,000 nodes (MiB) | direct buffers at N (MiB) "
                + "| heap committed at N (MiB) | driver heap / RSS at N (MiB) |\n");
        sb.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        StepResult previous = null;
        for (StepResult s : steps) {
            sb.append("| ").append(s.nodes)
                    .append(" | ").append(mib(s.idleHeapBytes))
                    .append(" | ").append(mib(s.loadedHeapBytes))
                    .append(" | ").append(fmt(s.heapPerThousand() < 0 ? -1 : s.heapPerThousand() / MIB, 1))
                    .append(" | ").append(fmt(marginalHeapPerThousand(previous, s) / MIB, 1))
                    .append(" | ").append(mibFromKib(s.idleRssKib))
                    .append(" | ").append(mibFromKib(s.loadedRssKib))
                    .append(" | ").append(fmt(s.rssPerThousandKib() < 0 ? -1 : s.rssPerThousandKib() / 1024.0, 1))
                    .append(" | ").append(mib(s.loadedDirectBytes))
                    .append(" | ").append(mib(s.loadedHeapCommittedBytes))
                    .append(" | ").append(mib(s.driverHeapBytes)).append(" / ").append(mibFromKib(s.driverRssKib))
                    .append(" |\n");
            previous = s;
        }
        sb.append("\n### Outcome per step\n\n");
        for (StepResult s : steps) {
            sb.append("- N=").append(s.nodes).append(": ").append(s.outcome);
            if (s.gateways != null) {
                sb.append(". In the window the gateways sent ").append(s.gateways.keepalivesSent()).append(" keepalives and ")
                        .append(s.gateways.statusSent()).append(" status updates and got ").append(s.gateways.responsesOk())
                        .append(" OK responses (").append(s.gateways.responsesNotOk()).append(" not OK, ")
                        .append(s.gateways.unexpectedMessages()).append(" late or unexpected frames); the cloud saw ")
                        .append(s.sessionsAtWindowEnd).append(" sessions at the window's end, dropped ").append(s.cloudRepliesDropped)
                        .append(" replies and lost ").append(s.cloudDisconnectsInWindow).append(" sessions");
            }
            sb.append(".\n");
            for (String e : s.connectErrors) {
                sb.append("  - connect error: ").append(e).append('\n');
            }
            s.closeReasons.forEach((k, v) -> sb.append("  - unexpected close (").append(v).append("×): ").append(k).append('\n'));
            for (String n : s.notes) {
                sb.append("  - ").append(n).append('\n');
            }
        }
        sb.append('\n');
        return sb.toString();
    }

    /**
     * Heap growth per 1,000 gateways between the previous step and this one: the cost of one
     * more connection, without what the first connections bring in once (classes' static
     * data, pools, caches). Negative (unknown) when either step has no value.
     */
    private static double marginalHeapPerThousand(StepResult previous, StepResult s) {
        if (previous == null || previous.loadedHeapBytes < 0 || s.loadedHeapBytes < 0 || s.connected <= previous.connected
                || previous.connected <= 0) {
            return -1;
        }
        return (s.loadedHeapBytes - previous.loadedHeapBytes) * 1000.0 / (s.connected - previous.connected);
    }

    /** Appends the run to {@code link-scale-<date>.md} in the results directory; returns the file. */
    static Path append(Path dir, ZonedDateTime started, String markdown) throws IOException {
        Files.createDirectories(dir);
        LocalDate day = started.withZoneSameInstant(ZoneOffset.UTC).toLocalDate();
        Path file = dir.resolve("link-scale-" + day + ".md");
        if (!Files.exists(file)) {
            Files.writeString(file, "# Outpost link scale benchmark, " + day + "\n\n"
                    + "Produced by `bench/run-link-scale.sh`; what each number means is in `bench/README.md`. "
                    + "Every run appends a section.\n\n");
        }
        Files.writeString(file, markdown, StandardOpenOption.APPEND);
        return file;
    }

    static String fmt(double v, int decimals) {
        return v < 0 ? "–" : String.format(Locale.ROOT, "%,." + decimals + "f", v);
    }

    private static String ms(long micros) {
        if (micros < 0) {
            return "–";
        }
        return micros < 10_000 ? fmt(micros / 1000.0, 1) : fmt(micros / 1000.0, 0);
    }

    private static String mib(long bytes) {
        return bytes < 0 ? "–" : fmt(bytes / MIB, 1);
    }

    private static String mibFromKib(long kib) {
        return kib < 0 ? "–" : fmt(kib / 1024.0, 1);
    }
}
