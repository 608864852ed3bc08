package io.outpost.edge.pod;

import com.fasterxml.jackson.databind.JsonNode;
import io.outpost.runtime.api.ContainerConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * A pod's volumes on the gateway's disk, the kubelet's way: one folder per pod under {@code
 * <root>/<uid>/volumes/<plugin>/<volume>}, mounted into the containers (CRI mounts).
 *
 * <p>{@code configMap} and {@code secret} volumes are written atomically as the kubelet's atomic
 * writer does: the files go into a new hidden folder {@code ..<time>}, the symlink {@code ..data}
 * is swapped to it with one rename, and every visible name is a symlink through {@code ..data}. A
 * process in the container therefore sees the old or the new set, never half of it, and an edited
 * ConfigMap changes the mounted files of a running container. {@code emptyDir} is a folder of the
 * pod (on disk also for {@code medium: Memory}); {@code hostPath} is checked against its {@code
 * type}. No OSGi, tested alone; called from the reconcile thread only.
 */
final class PodVolumes {
    static final String DATA = "..data";
    /** The kubelet's default file mode of ConfigMap and Secret volumes (0644). */
    static final int DEFAULT_MODE = 0644;

    /** A volume that cannot be set up; the message says which and why (the kubelet's FailedMount). */
    static final class VolumeError extends RuntimeException {
        private static final long serialVersionUID = 1L;

        VolumeError(String message) {
            super(message, null, false, false);
        }
    }

    private final Path root;
    /** Fingerprint of what each ConfigMap/Secret folder holds, so an unchanged one is not rewritten every pass. */
    private final Map<Path, String> written = new java.util.concurrent.ConcurrentHashMap<>(); // pods' workers run in parallel

    PodVolumes(Path root) {
        this.root = root;
    }

    Path podDir(String uid) {
        return root.resolve(uid);
    }

    /**
     * Sets up (or refreshes) every volume of a pod.
     *
     * @return each volume's folder or file on the host, by volume name
     * @throws VolumeError naming the volume and what to fix
     */
    Map<String, Path> setUp(JsonNode pod, PodSpecs.Sources sources) {
        String uid = PodSpecs.uid(pod);
        String ns = pod.path("metadata").path("namespace").asText();
        Map<String, Path> out = new LinkedHashMap<>();
        for (JsonNode v : pod.path("spec").path("volumes")) {
            String name = v.path("name").asText("");
            if (!name.matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?") || name.length() > 63) {
                throw new VolumeError("volume name '" + name + "' is not valid: use a DNS label (lower case, digits, '-')");
            }
            Path dir = podDir(uid).resolve("volumes");
            try {
                if (v.has("configMap")) {
                    JsonNode src = v.path("configMap");
                    String obj = src.path("name").asText("");
                    out.put(name, projected(dir.resolve("kubernetes.io~configmap").resolve(name), name, src,
                            sources.configMap(ns, obj), false, "configmap \"" + obj + "\" not found"));
                } else if (v.has("secret")) {
                    JsonNode src = v.path("secret");
                    String obj = src.path("secretName").asText("");
                    out.put(name, projected(dir.resolve("kubernetes.io~secret").resolve(name), name, src,
                            sources.secret(ns, obj), true, "secret \"" + obj + "\" not found"));
                } else if (v.has("emptyDir")) {
                    Path d = dir.resolve("kubernetes.io~empty-dir").resolve(name);
                    Files.createDirectories(d);
                    out.put(name, d);
                } else if (v.has("hostPath")) {
                    out.put(name, hostPath(name, v.path("hostPath")));
                } else {
                    String type = iter(v).stream().filter(f -> !"name".equals(f)).findFirst().orElse("(none)");
                    throw new VolumeError("volume \"" + name + "\": type '" + type + "' is not supported on this gateway; "
                            + "use configMap, secret, emptyDir or hostPath");
                }
            } catch (IOException e) {
                throw new VolumeError("MountVolume.SetUp failed for volume \"" + name + "\" : " + e);
            }
        }
        return out;
    }

    private static List<String> iter(JsonNode v) {
        List<String> l = new ArrayList<>();
        v.fieldNames().forEachRemaining(l::add);
        return l;
    }

    /**
     * The container's mounts: each {@code volumeMount} to its volume's host folder (or {@code
     * subPath} in it). ConfigMap and Secret volumes are always read-only, as with the kubelet.
     *
     * @throws VolumeError for a mount of an unknown volume or a subPath that leaves its volume
     */
    static List<ContainerConfig.Mount> mounts(JsonNode pod, JsonNode c, Map<String, Path> volumes) {
        Set<String> readOnlyKinds = new HashSet<>();
        for (JsonNode v : pod.path("spec").path("volumes")) {
            if (v.has("configMap") || v.has("secret")) {
                readOnlyKinds.add(v.path("name").asText());
            }
        }
        List<ContainerConfig.Mount> out = new ArrayList<>();
        for (JsonNode m : c.path("volumeMounts")) {
            String name = m.path("name").asText("");
            Path host = volumes.get(name);
            if (host == null) {
                throw new VolumeError("container " + c.path("name").asText() + " mounts volume \"" + name
                        + "\", which spec.volumes does not declare");
            }
            String mountPath = m.path("mountPath").asText("");
            if (!mountPath.startsWith("/")) {
                throw new VolumeError("volumeMount \"" + name + "\": mountPath '" + mountPath + "' must be an absolute path");
            }
            String sub = m.path("subPath").asText("");
            if (!sub.isEmpty()) {
                if (sub.startsWith("/") || List.of(sub.split("/")).contains("..")) {
                    throw new VolumeError("volumeMount \"" + name + "\": subPath '" + sub + "' must be relative and stay in the volume");
                }
                host = host.resolve(sub);
            }
            out.add(new ContainerConfig.Mount(mountPath, host.toString(),
                    m.path("readOnly").asBoolean(false) || readOnlyKinds.contains(name)));
        }
        return out;
    }

    private Path projected(Path dir, String volume, JsonNode src, JsonNode obj, boolean secret, String notFound) throws IOException {
        boolean optional = src.path("optional").asBoolean(false);
        Map<String, byte[]> data = obj == null ? Map.of() : PodSpecs.bytes(obj, secret);
        if (obj == null && !optional) {
            throw new VolumeError("MountVolume.SetUp failed for volume \"" + volume + "\" : " + notFound);
        }
        int defaultMode = src.has("defaultMode") ? src.path("defaultMode").asInt() : DEFAULT_MODE;
        if (defaultMode < 0 || defaultMode > 0777) {
            throw new VolumeError("volume \"" + volume + "\": defaultMode " + defaultMode + " is not a file mode between 0 and 0777 (511)");
        }
        Map<String, byte[]> files = new TreeMap<>();
        Map<String, Integer> modes = new HashMap<>();
        if (src.has("items")) {
            for (JsonNode item : src.path("items")) {
                String key = item.path("key").asText("");
                String path = item.path("path").asText("");
                if (path.isEmpty() || path.startsWith("/") || List.of(path.split("/")).contains("..") || path.startsWith("..")) {
                    throw new VolumeError("volume \"" + volume + "\": item path '" + path + "' must be relative, without '..'");
                }
                byte[] value = data.get(key);
                if (value == null) {
                    if (optional) {
                        continue;
                    }
                    throw new VolumeError("MountVolume.SetUp failed for volume \"" + volume + "\" : " + (secret ? "secret" : "configmap")
                            + " references non-existent config key: " + key);
                }
                files.put(path, value);
                int mode = item.has("mode") ? item.path("mode").asInt() : defaultMode;
                if (mode < 0 || mode > 0777) {
                    throw new VolumeError("volume \"" + volume + "\": mode " + mode + " of item " + key + " is not a file mode");
                }
                modes.put(path, mode);
            }
        } else {
            for (var e : data.entrySet()) {
                files.put(e.getKey(), e.getValue());
                modes.put(e.getKey(), defaultMode);
            }
        }
        write(dir, files, modes);
        return dir;
    }

    /**
     * Writes a set of files into a folder atomically: into a new hidden folder, then one rename of
     * the {@code ..data} symlink; visible names are symlinks through {@code ..data}.
     *
     * @return whether anything changed
     */
    boolean write(Path dir, Map<String, byte[]> files, Map<String, Integer> modes) throws IOException {
        String fingerprint = fingerprint(files, modes);
        Path data = dir.resolve(DATA);
        if (fingerprint.equals(written.get(dir)) && Files.exists(data)) {
            return false;
        }
        Files.createDirectories(dir);
        Instant now = Instant.now();
        Path fresh = dir.resolve(".." + now.getEpochSecond() + "_" + now.getNano());
        Files.createDirectories(fresh);
        for (var e : files.entrySet()) {
            Path f = fresh.resolve(e.getKey());
            Files.createDirectories(f.getParent());
            Files.write(f, e.getValue());
            Files.setPosixFilePermissions(f, permissions(modes.getOrDefault(e.getKey(), DEFAULT_MODE)));
        }
        Path tmp = dir.resolve("..data_tmp");
        Files.deleteIfExists(tmp);
        Files.createSymbolicLink(tmp, fresh.getFileName());
        // rename(2) replaces the old link in one step: readers see the old or the new folder.
        Files.move(tmp, data, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        Set<String> top = new HashSet<>();
        for (String p : files.keySet()) {
            top.add(p.split("/")[0]);
        }
        for (String t : top) {
            Path link = dir.resolve(t);
            if (!Files.exists(link, LinkOption.NOFOLLOW_LINKS)) {
                try {
                    Files.createSymbolicLink(link, Path.of(DATA, t));
                } catch (FileAlreadyExistsException ignored) {
                    // made by an earlier write that failed half-way: it points through ..data already
                }
            }
        }
        try (Stream<Path> entries = Files.list(dir)) {
            for (Path p : entries.toList()) {
                String n = p.getFileName().toString();
                if (n.startsWith("..")) {
                    if (!n.equals(DATA) && !p.equals(fresh)) {
                        delete(p);
                    }
                } else if (!top.contains(n)) {
                    Files.deleteIfExists(p);
                }
            }
        }
        written.put(dir, fingerprint);
        return true;
    }

    private static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> out = new HashSet<>();
        PosixFilePermission[] all = {PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
                PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
                PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ};
        for (int i = 0; i < all.length; i++) {
            if ((mode & (1 << i)) != 0) {
                out.add(all[i]);
            }
        }
        return out;
    }

    private static String fingerprint(Map<String, byte[]> files, Map<String, Integer> modes) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            for (var e : new TreeMap<>(files).entrySet()) {
                d.update(e.getKey().getBytes(java.nio.charset.StandardCharsets.UTF_8));
                d.update((byte) 0);
                d.update(e.getValue());
                d.update((byte) 0);
                d.update(Integer.toString(modes.getOrDefault(e.getKey(), DEFAULT_MODE)).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            }
            return HexFormat.of().formatHex(d.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Path hostPath(String volume, JsonNode hp) throws IOException {
        String path = hp.path("path").asText("");
        if (!path.startsWith("/")) {
            throw new VolumeError("volume \"" + volume + "\": hostPath.path '" + path + "' must be an absolute path");
        }
        Path p = Path.of(path);
        String type = hp.path("type").asText("");
        switch (type) {
            case "" -> {
            }
            case "DirectoryOrCreate" -> {
                if (!Files.isDirectory(p)) {
                    Files.createDirectories(p);
                    Files.setPosixFilePermissions(p, permissions(0755));
                }
            }
            case "FileOrCreate" -> {
                if (!Files.exists(p)) {
                    Files.createDirectories(p.getParent());
                    Files.createFile(p);
                    Files.setPosixFilePermissions(p, permissions(0644));
                } else if (!Files.isRegularFile(p)) {
                    throw new VolumeError("MountVolume.SetUp failed for volume \"" + volume + "\" : hostPath type check failed: " + path + " is not a file");
                }
            }
            case "Directory" -> {
                if (!Files.isDirectory(p)) {
                    throw new VolumeError("MountVolume.SetUp failed for volume \"" + volume + "\" : hostPath type check failed: " + path + " is not a directory");
                }
            }
            case "File" -> {
                if (!Files.isRegularFile(p)) {
                    throw new VolumeError("MountVolume.SetUp failed for volume \"" + volume + "\" : hostPath type check failed: " + path + " is not a file");
                }
            }
            case "Socket", "CharDevice", "BlockDevice" -> {
                if (!Files.exists(p) || Files.isDirectory(p) || Files.isRegularFile(p)) {
                    throw new VolumeError("MountVolume.SetUp failed for volume \"" + volume + "\" : hostPath type check failed: " + path + " is not a "
                            + type.replaceAll("([a-z])([A-Z])", "$1 $2").toLowerCase());
                }
            }
            default -> throw new VolumeError("volume \"" + volume + "\": hostPath type '" + type + "' is not valid; use Directory, "
                    + "DirectoryOrCreate, File, FileOrCreate, Socket, CharDevice or BlockDevice");
        }
        return p;
    }

    /** Removes a pod's folder (volumes included; symlinks are removed, never followed). */
    void tearDown(String uid) {
        Path dir = podDir(uid);
        written.keySet().removeIf(p -> p.startsWith(dir));
        try {
            delete(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("could not remove " + dir, e);
        }
    }

    private static void delete(Path p) throws IOException {
        if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> all = Files.walk(p)) {
            for (Path x : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(x);
            }
        }
    }
}
