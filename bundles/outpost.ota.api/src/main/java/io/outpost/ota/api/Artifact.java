package io.outpost.ota.api;

import java.time.Instant;

/**
 * A published artifact: a Karaf archive (KAR: a zip whose {@code repository/} folder holds a
 * features XML and the bundles it names, in Maven layout) for the feature {@code name} at
 * {@code version}.
 *
 * @param name the feature name, see {@link ArtifactNames#requireName}
 * @param version its version
 * @param sha256 the SHA-256 of the file, hex
 * @param size the file's size in bytes
 * @param signature base64 Ed25519 signature of {@link ArtifactSignature#statement}, or "" when unsigned
 * @param keyId id of the key that signed it, or ""
 * @param path the path gateways fetch it from on the cloud's HTTPS endpoint, e.g. {@code /artifacts/hello/1.0.0}
 * @param published when it was published
 * @since 0.1
 */
public record Artifact(String name, String version, String sha256, long size, String signature, String keyId, String path, Instant published) {
    /** @return the repository path of an artifact */
    public static String pathOf(String name, String version) {
        return "/artifacts/" + ArtifactNames.requireName(name) + "/" + ArtifactNames.requireVersion(version);
    }
}
