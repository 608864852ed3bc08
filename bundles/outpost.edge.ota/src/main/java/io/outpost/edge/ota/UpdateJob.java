package io.outpost.edge.ota;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.outpost.ota.api.ArtifactNames;
import io.outpost.ota.api.ArtifactSignature;
import io.outpost.ota.api.OtaRecord;
import io.outpost.ota.api.Phase;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * One gateway update, as a state machine: Downloading → Verifying → Installing → HealthChecking
 * → Succeeded, or Failed (nothing was changed) / RolledBack (the previous versions were put
 * back). The journal is written before each step, so {@link #recover} can finish an update a
 * restart interrupted: before Installing nothing had changed; from Installing on, the previous
 * versions are restored. No OSGi: the container is behind {@link Features}.
 */
final class UpdateJob {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    /** Most one run of a feature's own health check may take (less when the health timeout is nearer). */
    static final Duration CHECK_TIMEOUT = Duration.ofSeconds(10);

    /** One artifact of a command, validated. */
    record Art(String name, String version, String sha256, long size, String signature, String url) {
    }

    /** A rollout's command to this gateway, validated. */
    record Command(String rollout, String uid, String revision, boolean allowDowngrade, List<Art> artifacts) {
        String versions() {
            return String.join(",", artifacts.stream().map(a -> a.name() + "=" + a.version()).toList());
        }

        /**
         * @param rollout {@code <namespace>/<name>}
         * @throws IllegalArgumentException for anything malformed, before it names a file or a feature
         */
        static Command parse(String rollout, JsonNode c, long maxBytes) {
            List<Art> arts = new ArrayList<>();
            JsonNode list = c.path("artifacts");
            if (!list.isArray() || list.isEmpty() || list.size() > 32) {
                throw new IllegalArgumentException("a rollout command needs 1 to 32 artifacts");
            }
            for (JsonNode a : list) {
                long size = a.path("size").asLong(-1);
                if (size <= 0 || size > maxBytes) {
                    throw new IllegalArgumentException("artifact size " + size + " is outside 1.." + maxBytes + " (maxArtifactBytes of pid io.outpost.edge.ota)");
                }
                String url = a.path("url").asText("");
                if (!url.startsWith("https://") && !url.startsWith("/artifacts/")) {
                    throw new IllegalArgumentException("artifact url '" + url + "' is neither https:// nor a repository path /artifacts/…");
                }
                arts.add(new Art(ArtifactNames.requireName(a.path("name").asText(null)), ArtifactNames.requireVersion(a.path("version").asText(null)),
                        ArtifactNames.requireSha256(a.path("sha256").asText(null)), size, a.path("signature").asText(""), url));
            }
            String uid = c.path("uid").asText("");
            String revision = c.path("revision").asText("");
            if (!uid.matches("[A-Za-z0-9-]{1,64}") || !revision.matches("[0-9a-f]{1,64}")) {
                throw new IllegalArgumentException("a rollout command needs a uid and a hex revision");
            }
            return new Command(rollout, uid, revision, c.path("allowDowngrade").asBoolean(false), List.copyOf(arts));
        }
    }

    /** Where progress goes: the cloud (and the log). */
    interface Reporter {
        void report(Command c, Phase phase, String reason, Map<String, Long> millis);
    }

    /** Settings of the agent. */
    record Settings(Path dir, URI cloud, long minFreeBytes, long maxUnpackedBytes, Duration healthTimeout) {
    }

    /** Ends the job in a phase, with a reason. */
    static final class Stop extends Exception {
        final Phase phase;

        Stop(Phase phase, String reason) {
            super(reason);
            this.phase = phase;
        }
    }

    private final Settings settings;
    private final Downloader downloader;
    private final Supplier<List<PublicKey>> trusted;
    private final Features features;
    private final Journal journal;
    private final Reporter reporter;

    UpdateJob(Settings settings, Downloader downloader, Supplier<List<PublicKey>> trusted, Features features, Journal journal, Reporter reporter) {
        this.settings = settings;
        this.downloader = downloader;
        this.trusted = trusted;
        this.features = features;
        this.journal = journal;
        this.reporter = reporter;
    }

    /** Runs a command to its end; never throws. @return the record of how it ended */
    OtaRecord run(Command c) {
        long started = System.currentTimeMillis();
        Map<String, Long> millis = new LinkedHashMap<>();
        Map<String, String> previous = new LinkedHashMap<>();
        List<Art> installed = new ArrayList<>();
        List<Path> unpacked = new ArrayList<>();
        Phase phase;
        String reason;
        try {
            for (Art a : c.artifacts()) {
                String prev = features.installedVersion(a.name()).orElse("");
                if (!prev.isEmpty() && ArtifactNames.compareVersions(a.version(), prev) < 0 && !c.allowDowngrade()) {
                    throw new Stop(Phase.Failed, "downgrade of " + a.name() + " from " + prev + " to " + a.version()
                            + " refused; set spec.strategy.allowDowngrade: true to allow it");
                }
                previous.put(a.name(), prev);
            }
            if (c.artifacts().stream().allMatch(a -> a.version().equals(previous.get(a.name())))) {
                throw new Stop(Phase.Succeeded, "already installed: " + c.versions());
            }
            step(c, Phase.Downloading, previous, "", millis);
            long t = System.nanoTime();
            List<Path> files = download(c);
            millis.put("download", (System.nanoTime() - t) / 1_000_000);

            step(c, Phase.Verifying, previous, "", millis);
            t = System.nanoTime();
            Map<Art, List<URI>> repos = new LinkedHashMap<>();
            for (int i = 0; i < files.size(); i++) {
                repos.put(c.artifacts().get(i), verify(c.artifacts().get(i), files.get(i), unpacked));
            }
            millis.put("verify", (System.nanoTime() - t) / 1_000_000);

            step(c, Phase.Installing, previous, "", millis);
            t = System.nanoTime();
            for (Art a : c.artifacts()) {
                try {
                    features.install(repos.get(a), a.name(), a.version());
                    installed.add(a);
                } catch (Exception e) {
                    installed.add(a);
                    throw new Stop(Phase.RolledBack, "feature " + a.name() + " " + a.version() + " did not install: " + rootCause(message(e, 4000)));
                }
            }
            millis.put("install", (System.nanoTime() - t) / 1_000_000);

            step(c, Phase.HealthChecking, previous, "", millis);
            t = System.nanoTime();
            healthCheck(c);
            millis.put("health", (System.nanoTime() - t) / 1_000_000);
            phase = Phase.Succeeded;
            reason = "installed " + c.versions();
        } catch (Stop s) {
            phase = s.phase;
            reason = s.getMessage();
        } catch (InterruptedException e) {
            // The agent is stopping (the framework shuts down): touch nothing, keep the journal;
            // recover() finishes the update at the next start, as after a crash.
            Thread.currentThread().interrupt();
            return new OtaRecord(c.rollout(), c.revision(), c.artifacts().get(0).name(), c.versions(), "", Phase.Pending,
                    "interrupted; finished at the next start", started, System.currentTimeMillis(), Map.copyOf(millis));
        } catch (Exception e) {
            phase = installed.isEmpty() ? Phase.Failed : Phase.RolledBack;
            reason = message(e);
        }
        if (phase == Phase.RolledBack) {
            reason = reason + "; " + restore(installed, previous);
        }
        if (!installed.isEmpty() || phase == Phase.Failed) {
            prune(c, phase, previous, unpacked);
        }
        return finish(c, phase, reason, started, previous, millis);
    }

    private OtaRecord finish(Command c, Phase phase, String reason, long started, Map<String, String> previous, Map<String, Long> millis) {
        OtaRecord r = new OtaRecord(c.rollout(), c.revision(), c.artifacts().get(0).name(), c.versions(),
                String.join(",", previous.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList()), phase, reason, started,
                System.currentTimeMillis(), Map.copyOf(millis));
        journal.record(r);
        journal.clear();
        reporter.report(c, phase, reason, millis);
        return r;
    }

    /** Puts the previous versions back, newest change first. @return what happened, for the reason */
    private String restore(List<Art> installed, Map<String, String> previous) {
        List<String> problems = new ArrayList<>();
        List<Art> undo = new ArrayList<>(installed);
        Collections.reverse(undo);
        for (Art a : undo) {
            try {
                String prev = previous.getOrDefault(a.name(), "");
                features.restore(a.name(), prev, a.version(), prev.isEmpty() ? List.of() : repositoriesOf(a.name(), prev));
            } catch (Exception e) {
                problems.add(a.name() + ": " + message(e));
            }
        }
        String restored = String.join(",", previous.entrySet().stream().map(e -> e.getKey() + "=" + (e.getValue().isEmpty() ? "(none)" : e.getValue())).toList());
        return problems.isEmpty() ? "previous versions restored (" + restored + ")" : "restoring the previous versions failed: " + String.join("; ", problems);
    }

    private void step(Command c, Phase phase, Map<String, String> previous, String reason, Map<String, Long> millis) {
        ObjectNode j = F.objectNode().put("rollout", c.rollout()).put("uid", c.uid()).put("revision", c.revision()).put("step", phase.name())
                .put("started", System.currentTimeMillis());
        ArrayNode arts = j.putArray("artifacts");
        for (Art a : c.artifacts()) {
            arts.addObject().put("name", a.name()).put("version", a.version()).put("previous", previous.getOrDefault(a.name(), ""));
        }
        journal.write(j);
        reporter.report(c, phase, reason, millis);
    }

    private List<Path> download(Command c) throws Stop, InterruptedException {
        Path dl = settings.dir().resolve("downloads");
        List<Path> files = new ArrayList<>();
        try {
            Files.createDirectories(dl);
            long need = c.artifacts().stream().mapToLong(a -> a.size() * 3).sum() + settings.minFreeBytes();
            long free = Files.getFileStore(dl).getUsableSpace();
            if (free < need) {
                throw new Stop(Phase.Failed, "not enough disk space for the update: " + free + " bytes free in " + dl + ", " + need
                        + " needed (three times the artifacts, plus minFreeBytes)");
            }
        } catch (IOException e) {
            throw new Stop(Phase.Failed, "cannot prepare " + dl + ": " + message(e));
        }
        for (Art a : c.artifacts()) {
            Path part = inside(dl.resolve(a.sha256() + ".part"));
            Path done = inside(dl.resolve(a.sha256() + ".kar"));
            files.add(done);
            if (Files.exists(done)) {
                continue;
            }
            URI uri = a.url().startsWith("https://") ? URI.create(a.url()) : settings.cloud().resolve(a.url());
            try {
                downloader.fetch(uri, part, a.size());
                Files.move(part, done, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            } catch (Downloader.DownloadException e) {
                deleteQuietly(part);
                throw new Stop(Phase.Failed, a.name() + " " + a.version() + ": " + e.getMessage());
            } catch (Downloader.WriteException e) {
                // A full disk (something else filled it after the space check): a half-written
                // part is no use to anyone and only keeps the disk full. Nothing else was changed.
                deleteQuietly(part);
                throw new Stop(Phase.Failed, a.name() + " " + a.version() + ": the download could not be written (" + e.getMessage()
                        + "; " + usable(dl) + " bytes free in " + dl + "); the partial download was deleted, nothing was changed, "
                        + "the installed version stays; free disk space and apply the rollout again");
            } catch (IOException e) {
                // The part file stays: the next attempt resumes where this one stopped.
                throw new Stop(Phase.Failed, a.name() + " " + a.version() + ": download from " + uri + " failed (" + message(e)
                        + "); it resumes when the rollout sends it again");
            }
        }
        return files;
    }

    /** Hash, signature and contents. @return the features repositories to add */
    private List<URI> verify(Art a, Path file, List<Path> unpacked) throws Stop {
        String sha;
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), MessageDigest.getInstance("SHA-256"))) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
            sha = HexFormat.of().formatHex(((DigestInputStream) in).getMessageDigest().digest());
        } catch (IOException | GeneralSecurityException e) {
            throw new Stop(Phase.Failed, "cannot read the download of " + a.name() + ": " + message(e));
        }
        if (!sha.equals(a.sha256())) {
            deleteQuietly(file);
            throw new Stop(Phase.Failed, "sha256 mismatch for " + a.name() + " " + a.version() + ": expected " + a.sha256() + ", downloaded " + sha
                    + "; the artifact was altered or the rollout names the wrong digest");
        }
        try {
            ArtifactSignature.verify(trusted.get(), a.name(), a.version(), a.sha256(), a.size(), a.signature());
        } catch (GeneralSecurityException e) {
            throw new Stop(Phase.Failed, "signature check of " + a.name() + " " + a.version() + " failed: " + e.getMessage());
        }
        try {
            Path target = inside(settings.dir().resolve("repo").resolve(a.name() + "-" + a.version() + "-" + a.sha256().substring(0, 12)));
            if (!Files.exists(target)) {
                unpacked.add(target); // made by this update: a failure takes it away again
            }
            KarUnpacker.Unpacked u = KarUnpacker.unpack(file, target, settings.maxUnpackedBytes(), a.name(), a.version());
            if (!u.declaresFeature()) {
                throw new Stop(Phase.Failed, "the artifact " + a.name() + " " + a.version() + " declares no feature " + a.name() + " at version "
                        + a.version() + " in its features XML");
            }
            return u.repositories();
        } catch (IOException e) {
            // Half an unpacked artifact (a full disk while unpacking) must not stay behind.
            deleteTree(settings.dir().resolve("repo").resolve(a.name() + "-" + a.version() + "-" + a.sha256().substring(0, 12)));
            throw new Stop(Phase.Failed, "the artifact " + a.name() + " " + a.version() + " cannot be unpacked: " + message(e));
        }
    }

    /**
     * Bundles Active and DS components satisfied, then the features' own health checks; all
     * within the health timeout. A check that reports CRITICAL rolls back at once with its message.
     */
    private void healthCheck(Command c) throws Stop, InterruptedException {
        long deadline = System.nanoTime() + settings.healthTimeout().toNanos();
        while (true) {
            Optional<String> problem = Optional.empty();
            for (Art a : c.artifacts()) {
                try {
                    problem = features.unhealthy(a.name(), a.version());
                } catch (Exception e) {
                    problem = Optional.of(message(e));
                }
                if (problem.isEmpty()) {
                    long left = Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
                    Features.Checks checks = features.runChecks(a.name(), Duration.ofMillis(Math.min(left, CHECK_TIMEOUT.toMillis())));
                    if (checks.verdict() == Features.Verdict.FAILED) {
                        throw new Stop(Phase.RolledBack, a.name() + " " + a.version() + ": " + checks.message());
                    }
                    if (checks.verdict() == Features.Verdict.RETRY) {
                        problem = Optional.of(checks.message());
                    }
                }
                if (problem.isPresent()) {
                    problem = Optional.of(a.name() + " " + a.version() + ": " + problem.get());
                    break;
                }
            }
            if (problem.isEmpty()) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new Stop(Phase.RolledBack, "health check failed after " + settings.healthTimeout().toSeconds() + " s: " + problem.get());
            }
            Thread.sleep(250);
        }
    }

    /**
     * After a restart: ends an update the journal shows unfinished. Before Installing nothing had
     * changed (Pending: the rollout sends it again, the download resumes); from Installing on the
     * previous versions are restored (RolledBack).
     *
     * @return the record written, or empty when there was nothing to recover
     */
    Optional<OtaRecord> recover() {
        Optional<JsonNode> j = journal.read();
        if (j.isEmpty()) {
            return Optional.empty();
        }
        JsonNode n = j.get();
        Phase step;
        try {
            step = Phase.valueOf(n.path("step").asText());
        } catch (IllegalArgumentException e) {
            step = Phase.Installing; // unknown: assume the worst and restore
        }
        Map<String, String> previous = new LinkedHashMap<>();
        List<Art> arts = new ArrayList<>();
        for (JsonNode a : n.path("artifacts")) {
            try {
                arts.add(new Art(ArtifactNames.requireName(a.path("name").asText()), ArtifactNames.requireVersion(a.path("version").asText()), "0".repeat(64), 1, "", "/"));
                previous.put(a.path("name").asText(), a.path("previous").asText(""));
            } catch (IllegalArgumentException e) {
                // a damaged entry cannot name anything to restore
            }
        }
        Command c = new Command(n.path("rollout").asText(""), n.path("uid").asText(""), n.path("revision").asText(""), false, List.copyOf(arts));
        if (arts.isEmpty()) {
            journal.clear();
            return Optional.empty();
        }
        if (step == Phase.Downloading || step == Phase.Verifying) {
            return Optional.of(finish(c, Phase.Pending, "the gateway restarted while " + step.name().toLowerCase(java.util.Locale.ROOT)
                    + "; nothing was changed, the update resumes when the rollout sends it again", n.path("started").asLong(), previous, Map.of()));
        }
        List<Art> toUndo = new ArrayList<>();
        for (Art a : arts) {
            try {
                if (!features.installedVersion(a.name()).orElse("").equals(previous.getOrDefault(a.name(), ""))) {
                    toUndo.add(a);
                }
            } catch (Exception e) {
                toUndo.add(a);
            }
        }
        String reason = "the gateway restarted while " + step.name() + "; " + restore(toUndo, previous);
        return Optional.of(finish(c, Phase.RolledBack, reason, n.path("started").asLong(), previous, Map.of()));
    }

    /** The rewritten features repositories the agent unpacked for a version earlier, if any (none for a version of the distribution). */
    private List<URI> repositoriesOf(String name, String version) {
        Path repo = settings.dir().resolve("repo");
        List<URI> uris = new ArrayList<>();
        if (!Files.isDirectory(repo)) {
            return uris;
        }
        try (var dirs = Files.newDirectoryStream(repo, name + "-" + version + "-*")) {
            for (Path d : dirs) {
                try (var files = Files.walk(d)) {
                    files.filter(f -> f.getFileName().toString().endsWith(".outpost.xml")).forEach(f -> uris.add(f.toUri()));
                }
            }
        } catch (IOException e) {
            // restore without them: the container may still know the repositories
        }
        return uris;
    }

    /** Every file the agent writes is inside its folder; names are validated already, this is the second lock. */
    private Path inside(Path p) throws Stop {
        Path base = settings.dir().toAbsolutePath().normalize();
        Path n = p.toAbsolutePath().normalize();
        if (!n.startsWith(base)) {
            throw new Stop(Phase.Failed, "refused to write " + n + ": outside the agent's folder " + base);
        }
        return n;
    }

    private static long usable(Path dir) {
        try {
            return Files.getFileStore(dir).getUsableSpace();
        } catch (IOException e) {
            return -1;
        }
    }

    /** Deletes a folder of the agent's with everything in it; what cannot be deleted stays for the next prune. */
    static void deleteTree(Path dir) {
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(UpdateJob::deleteQuietly);
        } catch (IOException e) {
            // left for the next prune
        }
    }

    /**
     * Keeps the agent's folder small: after an update that installed something, the unpacked
     * versions of each feature other than the one now installed and the one before it (the
     * rollback target) are forgotten by the container and deleted; the downloaded KARs of the
     * command are deleted after every end (the unpacked folder is what a rollback uses). After a
     * failure, only the folders this update unpacked go (never an earlier version's, which may be
     * the rollback target of the installed one).
     */
    private void prune(Command c, Phase phase, Map<String, String> previous, List<Path> unpacked) {
        if (phase != Phase.Succeeded) {
            for (Art a : c.artifacts()) {
                deleteQuietly(settings.dir().resolve("downloads").resolve(a.sha256() + ".kar"));
            }
            for (Path d : unpacked) {
                try {
                    features.forget(repositoriesIn(d));
                    deleteTree(d);
                } catch (Exception e) {
                    // kept: a repository the container still uses must keep its files
                }
            }
            return;
        }
        for (Art a : c.artifacts()) {
            deleteQuietly(settings.dir().resolve("downloads").resolve(a.sha256() + ".kar"));
            Set<String> keep = new HashSet<>();
            keep.add(previous.getOrDefault(a.name(), ""));
            try {
                features.installedVersion(a.name()).ifPresent(keep::add);
            } catch (Exception e) {
                continue; // not knowing what runs, delete nothing
            }
            keep.add(a.version());
            Path repo = settings.dir().resolve("repo");
            if (!Files.isDirectory(repo)) {
                continue;
            }
            try (var dirs = Files.newDirectoryStream(repo, a.name() + "-*")) {
                for (Path d : dirs) {
                    String rest = d.getFileName().toString().substring(a.name().length() + 1);
                    int cut = rest.lastIndexOf('-');
                    String version = cut < 0 ? "" : rest.substring(0, cut);
                    // Another feature whose name starts with this one's: its rest is no version.
                    if (!isVersion(version) || keep.contains(version)) {
                        continue;
                    }
                    try {
                        features.forget(repositoriesIn(d));
                        deleteTree(d);
                    } catch (Exception e) {
                        // kept: a repository the container still uses must keep its files
                    }
                }
            } catch (IOException e) {
                // nothing pruned this time
            }
        }
    }

    private static boolean isVersion(String v) {
        try {
            ArtifactNames.requireVersion(v);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static List<URI> repositoriesIn(Path d) throws IOException {
        try (var files = Files.walk(d)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".outpost.xml")).map(Path::toUri).toList();
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            // left for the next attempt to overwrite
        }
    }

    /**
     * Karaf's resolution errors nest every level ("missing requirement … [caused by: …]"); the
     * innermost one says what is missing, so that one is kept.
     */
    static String rootCause(String m) {
        int i = m.lastIndexOf("missing requirement");
        String r = i < 0 ? m : m.substring(i).replaceAll("\\]+$", "");
        return r.length() > 400 ? r.substring(0, 400) + "…" : r;
    }

    static String message(Throwable e) {
        return message(e, 400);
    }

    static String message(Throwable e, int max) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t && (t.getMessage() == null || t instanceof java.util.concurrent.ExecutionException)) {
            t = t.getCause();
        }
        String m = t.getMessage();
        return m == null ? t.getClass().getSimpleName() : m.length() > max ? m.substring(0, max) + "…" : m;
    }
}
