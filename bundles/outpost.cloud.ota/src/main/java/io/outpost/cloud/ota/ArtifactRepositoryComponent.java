package io.outpost.cloud.ota;

import io.outpost.hub.api.CloudHttpRoute;
import io.outpost.ota.api.Artifact;
import io.outpost.ota.api.ArtifactRepository;
import io.outpost.ota.api.ArtifactSignature;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.util.List;
import java.util.Optional;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The artifact repository: a folder of the cloud instance's data directory, served to gateways
 * under {@code /artifacts/} on the cloud's bootstrap HTTPS port (client certificate required).
 */
@Component(configurationPid = ArtifactRepositoryComponent.PID, service = {ArtifactRepository.class, CloudHttpRoute.class},
        property = CloudHttpRoute.PATH + "=/artifacts/")
@Designate(ocd = ArtifactRepositoryComponent.Cfg.class)
public class ArtifactRepositoryComponent implements ArtifactRepository, CloudHttpRoute {
    static final String PID = "io.outpost.cloud.ota";

    @ObjectClassDefinition(name = "Outpost cloud: OTA artifact repository", description = "Where published artifacts are kept and how they are signed.")
    public @interface Cfg {
        @AttributeDefinition(description = "Folder of the repository; empty for <karaf.data>/outpost/artifacts. Several cloud replicas share it on one volume.")
        String storeDir() default "";

        @AttributeDefinition(description = "PEM Ed25519 private key (PKCS#8) artifacts are signed with; empty for <karaf.etc>/outpost-ota-signing.pem. "
                + "Create one with 'outpost:artifact keygen' or 'openssl genpkey -algorithm ed25519 -out <file>'.")
        String signingKey() default "";

        @AttributeDefinition(description = "Largest artifact accepted, in bytes.", min = "1024")
        long maxArtifactBytes() default 256L * 1024 * 1024;

        @AttributeDefinition(description = "Largest response body, in bytes; larger artifacts are fetched in Range requests.", min = "65536")
        int maxResponseBytes() default 4 * 1024 * 1024;
    }

    private ArtifactStore store;
    private Path defaultKey;

    @Activate
    void activate(Cfg cfg) throws IOException {
        Path dir = cfg.storeDir().isBlank() ? Path.of(System.getProperty("karaf.data", "data"), "outpost", "artifacts") : Path.of(cfg.storeDir());
        defaultKey = cfg.signingKey().isBlank() ? Path.of(System.getProperty("karaf.etc", "etc"), "outpost-ota-signing.pem") : Path.of(cfg.signingKey());
        store = new ArtifactStore(dir, cfg.maxArtifactBytes(), cfg.maxResponseBytes());
    }

    @Override
    public Artifact publish(Path file, String name, String version, Path signingKey, boolean unsigned) throws IOException, GeneralSecurityException {
        if (unsigned) {
            return store.publish(file, name, version, null, "");
        }
        Path keyFile = signingKey != null ? signingKey : defaultKey;
        if (!Files.isRegularFile(keyFile)) {
            throw new GeneralSecurityException("no signing key at " + keyFile + ": create one with 'outpost:artifact keygen " + keyFile
                    + "' (or openssl genpkey -algorithm ed25519 -out " + keyFile + "), and trust its public key on the gateways");
        }
        PrivateKey key = ArtifactSignature.parsePrivateKey(Files.readString(keyFile, StandardCharsets.US_ASCII));
        // The public half sits next to the private key when outpost:artifact keygen made it.
        Path pub = keyFile.resolveSibling(keyFile.getFileName() + ".pub");
        String keyId = Files.isRegularFile(pub) ? ArtifactSignature.tryPublicKey(Files.readString(pub, StandardCharsets.US_ASCII))
                .map(ArtifactSignature::keyId).orElse("") : "";
        return store.publish(file, name, version, key, keyId);
    }

    @Override
    public List<Artifact> list() {
        return store.list();
    }

    @Override
    public Optional<Artifact> find(String name, String version) {
        return store.find(name, version);
    }

    @Override
    public boolean delete(String name, String version) throws IOException {
        return store.delete(name, version);
    }

    @Override
    public Response handle(Request request) {
        return store.serve(request);
    }
}
