package io.outpost.ota.api;

import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.List;
import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The cloud's artifact repository: stores published artifacts durably (in the cloud instance's
 * data folder) and serves them to gateways over HTTPS with their client certificates. Thread-safe.
 *
 * @since 0.1
 */
@ProviderType
public interface ArtifactRepository {
    /**
     * Publishes a file. An artifact of the same name and version is replaced only when its bytes
     * are the same (a version, once published, means one thing).
     *
     * @param file a KAR (zip with {@code repository/}) on the cloud's file system
     * @param name the feature it provides
     * @param version the feature's version
     * @param signingKey a PEM Ed25519 private key file to sign with; null for the configured key
     * @param unsigned publish without a signature (gateways refuse such artifacts; for tests)
     * @return the stored artifact
     * @throws IllegalArgumentException for invalid names, versions or files, saying what to fix
     * @throws IOException when the file cannot be read or stored
     * @throws GeneralSecurityException when no usable signing key is found
     */
    Artifact publish(Path file, String name, String version, Path signingKey, boolean unsigned) throws IOException, GeneralSecurityException;

    /** @return every artifact, sorted by name and version; never null */
    List<Artifact> list();

    /** @return the artifact of this name and version, if published */
    Optional<Artifact> find(String name, String version);

    /**
     * @return whether the artifact was there
     * @throws IOException when it cannot be deleted
     */
    boolean delete(String name, String version) throws IOException;
}
