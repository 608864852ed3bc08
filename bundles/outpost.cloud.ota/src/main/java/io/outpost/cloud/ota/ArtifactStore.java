package io.outpost.cloud.ota;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.outpost.hub.api.CloudHttpRoute;
import io.outpost.ota.api.Artifact;
import io.outpost.ota.api.ArtifactNames;
import io.outpost.ota.api.ArtifactSignature;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.time.Instant;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * The artifact repository on disk: {@code blobs/<sha256>} holds the bytes, {@code index.json}
 * names them (name, version, digest, size, signature). Both are replaced atomically, so a crash
 * leaves the old index or the new one. Serves artifacts as {@link CloudHttpRoute} responses, in
 * ranges of at most {@code maxResponseBytes} so that memory per request stays bounded. No OSGi.
 */
final class ArtifactStore {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern RANGE = Pattern.compile("bytes=(\\d{1,18})-(\\d{0,18})");

    private final Path dir;
    private final long maxArtifactBytes;
    private final int maxResponseBytes;
    /** name/version → artifact; guarded by this. */
    private final Map<String, Artifact> index = new TreeMap<>();

    ArtifactStore(Path dir, long maxArtifactBytes, int maxResponseBytes) throws IOException {
        this.dir = dir;
        this.maxArtifactBytes = maxArtifactBytes;
        this.maxResponseBytes = maxResponseBytes;
        Files.createDirectories(dir.resolve("blobs"));
        Path idx = dir.resolve("index.json");
        if (Files.exists(idx)) {
            for (JsonNode a : JSON.readTree(idx.toFile()).path("artifacts")) {
                Artifact art = new Artifact(a.path("name").asText(), a.path("version").asText(), a.path("sha256").asText(), a.path("size").asLong(),
                        a.path("signature").asText(""), a.path("keyId").asText(""), a.path("path").asText(), Instant.parse(a.path("published").asText()));
                index.put(key(art.name(), art.version()), art);
            }
        }
    }

    private static String key(String name, String version) {
        return name + "/" + version;
    }

    /**
     * Stores a file under a name and version, signed with {@code key} (null: unsigned) whose
     * public key has the id {@code keyId} ("" when unknown).
     *
     * @throws IllegalArgumentException for invalid input, saying what to fix
     */
    synchronized Artifact publish(Path file, String name, String version, PrivateKey key, String keyId) throws IOException, GeneralSecurityException {
        ArtifactNames.requireName(name);
        ArtifactNames.requireVersion(version);
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("no file " + file + " on the cloud: give the path of a .kar (a zip with repository/)");
        }
        long size = Files.size(file);
        if (size > maxArtifactBytes) {
            throw new IllegalArgumentException(file + " has " + size + " bytes; the repository takes at most " + maxArtifactBytes
                    + " (maxArtifactBytes of pid " + ArtifactRepositoryComponent.PID + ")");
        }
        checkKar(file, name);
        Path tmp = Files.createTempFile(dir.resolve("blobs"), "upload-", ".tmp");
        String sha;
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            try (InputStream in = new DigestInputStream(Files.newInputStream(file), md); OutputStream out = Files.newOutputStream(tmp)) {
                in.transferTo(out);
            }
            sha = HexFormat.of().formatHex(md.digest());
            Artifact old = index.get(key(name, version));
            if (old != null && !old.sha256().equals(sha)) {
                throw new IllegalArgumentException(name + " " + version + " is already published with other content (sha256 " + old.sha256()
                        + "); publish a new version, or delete this one first (outpost:artifact delete " + name + " " + version + ")");
            }
            move(tmp, dir.resolve("blobs").resolve(sha));
        } finally {
            Files.deleteIfExists(tmp);
        }
        String sig = key == null ? "" : ArtifactSignature.sign(key, name, version, sha, size);
        Artifact a = new Artifact(name, version, sha, size, sig, key == null ? "" : keyId, Artifact.pathOf(name, version), Instant.now());
        index.put(key(name, version), a);
        writeIndex();
        return a;
    }

    /** A KAR is a zip whose repository/ holds at least one features XML; checked here so a bad file fails at publish time. */
    static void checkKar(Path file, String name) throws IOException {
        boolean features = false;
        int entries = 0;
        try (ZipInputStream zin = new ZipInputStream(Files.newInputStream(file))) {
            ZipEntry e;
            while ((e = zin.getNextEntry()) != null) {
                if (++entries > 10_000) {
                    throw new IllegalArgumentException(file + " has more than 10000 entries; a KAR holds a features XML and its bundles");
                }
                if (e.getName().startsWith("repository/") && e.getName().endsWith(".xml")) {
                    features = true;
                }
            }
        } catch (java.util.zip.ZipException e) {
            throw new IllegalArgumentException(file + " is not a zip (" + e.getMessage() + "); publish a .kar: a zip with repository/<maven layout> holding a features XML and its bundles");
        }
        if (!features) {
            throw new IllegalArgumentException(file + " has no features XML under repository/; a KAR for feature '" + name
                    + "' holds repository/<group path>/<artifact>/<version>/<artifact>-<version>-features.xml and the bundles it names");
        }
    }

    synchronized List<Artifact> list() {
        return List.copyOf(index.values());
    }

    synchronized Optional<Artifact> find(String name, String version) {
        return Optional.ofNullable(index.get(key(name, version)));
    }

    synchronized boolean delete(String name, String version) throws IOException {
        Artifact a = index.remove(key(name, version));
        if (a == null) {
            return false;
        }
        writeIndex();
        if (index.values().stream().noneMatch(x -> x.sha256().equals(a.sha256()))) {
            Files.deleteIfExists(dir.resolve("blobs").resolve(a.sha256()));
        }
        return true;
    }

    private void writeIndex() throws IOException {
        ArrayNode arr = JsonNodeFactory.instance.arrayNode();
        index.values().stream().sorted(Comparator.comparing(Artifact::name).thenComparing(Artifact::version)).forEach(a -> arr.addObject()
                .put("name", a.name()).put("version", a.version()).put("sha256", a.sha256()).put("size", a.size())
                .put("signature", a.signature()).put("keyId", a.keyId()).put("path", a.path()).put("published", a.published().toString()));
        Path tmp = dir.resolve("index.json.tmp");
        Files.write(tmp, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(JsonNodeFactory.instance.objectNode().set("artifacts", arr)));
        move(tmp, dir.resolve("index.json"));
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** GET /artifacts/<name>/<version>, from gateways with a client certificate; Range supported. */
    CloudHttpRoute.Response serve(CloudHttpRoute.Request req) {
        if (req.nodeName() == null) {
            return CloudHttpRoute.Response.text(401, "artifacts are served to gateways only: present the gateway's client certificate");
        }
        if (!"GET".equals(req.method()) && !"HEAD".equals(req.method())) {
            return CloudHttpRoute.Response.text(405, "use GET for " + req.path());
        }
        String[] seg = req.path().split("/", -1);
        if (seg.length != 4 || !"artifacts".equals(seg[1])) {
            return CloudHttpRoute.Response.text(404, "unknown path " + req.path() + "; artifacts are at /artifacts/<name>/<version>");
        }
        Artifact a;
        try {
            a = find(ArtifactNames.requireName(seg[2]), ArtifactNames.requireVersion(seg[3])).orElse(null);
        } catch (IllegalArgumentException e) {
            return CloudHttpRoute.Response.text(400, e.getMessage());
        }
        if (a == null) {
            return CloudHttpRoute.Response.text(404, "no artifact " + seg[2] + " " + seg[3] + " is published");
        }
        long from = 0;
        long to = a.size() - 1;
        String range = req.header("Range");
        boolean partial = range != null;
        if (partial) {
            Matcher m = RANGE.matcher(range.trim());
            if (!m.matches()) {
                return CloudHttpRoute.Response.text(400, "unsupported Range '" + range + "': use one range, bytes=<first>-[<last>]");
            }
            from = Long.parseLong(m.group(1));
            if (!m.group(2).isEmpty()) {
                to = Math.min(to, Long.parseLong(m.group(2)));
            }
            if (from >= a.size() || to < from) {
                return new CloudHttpRoute.Response(416, "text/plain; charset=utf-8", Map.of("Content-Range", "bytes */" + a.size()),
                        ("range not satisfiable: the artifact has " + a.size() + " bytes\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
            }
            to = Math.min(to, from + maxResponseBytes - 1);
        } else if (a.size() > maxResponseBytes) {
            return CloudHttpRoute.Response.text(413, "the artifact has " + a.size() + " bytes; fetch it in Range requests of at most " + maxResponseBytes);
        }
        byte[] body = new byte[(int) (to - from + 1)];
        try (RandomAccessFile f = new RandomAccessFile(dir.resolve("blobs").resolve(a.sha256()).toFile(), "r")) {
            f.seek(from);
            f.readFully(body);
        } catch (IOException e) {
            return CloudHttpRoute.Response.text(500, "artifact " + a.name() + " " + a.version() + " cannot be read: " + e.getMessage());
        }
        Map<String, String> headers = new TreeMap<>();
        headers.put("Accept-Ranges", "bytes");
        headers.put("ETag", "\"" + a.sha256() + "\"");
        headers.put("X-Artifact-Size", String.valueOf(a.size()));
        if (partial) {
            headers.put("Content-Range", "bytes " + from + "-" + to + "/" + a.size());
        }
        return new CloudHttpRoute.Response(partial ? 206 : 200, "application/octet-stream", headers, "HEAD".equals(req.method()) ? new byte[0] : body);
    }
}
