package io.outpost.mapper.opcua;

import io.outpost.mapper.api.DeviceListener;
import io.outpost.mapper.api.DeviceSession;
import io.outpost.mapper.api.Mapper;
import io.outpost.mapper.api.MapperException;
import io.outpost.mapper.opcua.client.ClientIdentity;
import io.outpost.mapper.opcua.client.TrustStore;
import io.outpost.mapper.opcua.client.UaConnection;
import io.outpost.twin.api.DeviceSpec;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.eclipse.milo.opcua.stack.core.Stack;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The OPC UA mapper service: devices with {@code spec.protocol.protocolName: opcua}. Thin: it
 * checks configurations, keeps the gateway's client certificate and the trust store, and opens one
 * {@link OpcUaSession} per device. Its one scheduler runs first connections, their retries and
 * re-subscriptions; Milo's shared threads do the I/O.
 */
@Component(service = Mapper.class, property = Mapper.PROTOCOL + "=" + OpcUaMapper.PROTOCOL, configurationPid = OpcUaMapper.PID)
@Designate(ocd = OpcUaMapper.Config.class)
public class OpcUaMapper implements Mapper {
    static final String PROTOCOL = "opcua";
    static final String PID = "io.outpost.mapper.opcua";
    /** A password file is one line; anything larger is a wrong path. */
    static final int MAX_PASSWORD_BYTES = 4096;

    @ObjectClassDefinition(name = "Outpost OPC UA mapper", description = "Client certificate and trusted server certificates of the OPC UA mapper")
    public @interface Config {
        @AttributeDefinition(description = "Folder of the gateway's OPC UA certificate (pki/own) and trust store (pki/trusted, pki/rejected); "
                + "relative password, certificate and key paths of Devices are resolved against it (empty: <karaf.data>/outpost/opcua).")
        String stateDir() default "";

        @AttributeDefinition(description = "SHA-1 or SHA-256 thumbprints (hex) of server certificates to trust, besides the certificates in "
                + "<stateDir>/pki/trusted.")
        String[] trustedCertificates() default {};
    }

    private volatile Path stateDir;
    private volatile TrustStore trust;
    private ScheduledExecutorService scheduler;
    private final Set<OpcUaSession> sessions = ConcurrentHashMap.newKeySet();
    private ClientIdentity identity;

    public OpcUaMapper() {
    }

    /** Outside a framework (tests, benchmarks): {@link #stop} when done. */
    public OpcUaMapper(Path stateDir, Collection<String> trustedThumbprints) {
        start(stateDir, trustedThumbprints);
    }

    @Activate
    void activate(Config cfg) {
        start(dir(cfg), List.of(cfg.trustedCertificates()));
    }

    @Modified
    void modified(Config cfg) {
        trust.setThumbprints(List.of(cfg.trustedCertificates()));
    }

    @Deactivate
    void deactivate() {
        stop();
        // Milo's shared event loop and timers belong to this bundle's class loader: stop them so
        // an uninstalled mapper leaves no threads behind. No other bundle on a gateway uses Milo.
        Stack.releaseSharedResources();
    }

    private static Path dir(Config cfg) {
        return cfg.stateDir().isBlank() ? Path.of(System.getProperty("karaf.data", "data"), "outpost", "opcua") : Path.of(cfg.stateDir());
    }

    final void start(Path dir, Collection<String> thumbprints) {
        stateDir = dir;
        trust = new TrustStore(dir.resolve("pki"), thumbprints);
        scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "outpost-opcua");
            t.setDaemon(true);
            return t;
        });
    }

    /** Closes every session and the scheduler. */
    public void stop() {
        sessions.forEach(OpcUaSession::close);
        scheduler.shutdownNow();
    }

    /** The trust store, for tests and the README's commands. */
    public TrustStore trustStore() {
        return trust;
    }

    @Override
    public List<String> validate(DeviceSpec device) {
        return DeviceConfig.parse(device).problems();
    }

    @Override
    public DeviceSession open(DeviceSpec device, DeviceListener listener) throws MapperException {
        DeviceConfig.Parsed parsed = DeviceConfig.parse(device);
        if (parsed.config() == null) {
            throw new MapperException(MapperException.Kind.CONFIG, String.join("; ", parsed.problems()));
        }
        DeviceConfig c = parsed.config();
        String password = c.userName().isEmpty() ? "" : password(c.passwordFile());
        UaConnection.IdentitySource ids = c.certificate().isEmpty() ? this::ownIdentity
                : () -> ClientIdentity.fromFiles(stateDir.resolve(c.certificate()), stateDir.resolve(c.privateKey()));
        UaConnection.Settings settings = new UaConnection.Settings(c.url(), c.policy(), c.mode(), c.userName(), password, c.timeoutMillis(),
                c.keepAliveMillis(), c.publishingMillis());
        OpcUaSession[] self = new OpcUaSession[1];
        OpcUaSession s = new OpcUaSession(c, listener, System::currentTimeMillis, () -> sessions.remove(self[0]));
        self[0] = s;
        sessions.add(s);
        s.start(new UaConnection(settings, ids, trust, s, scheduler));
        return s;
    }

    /** The gateway's own certificate, made on first use by a secure endpoint and kept in stateDir/pki/own. */
    private synchronized ClientIdentity ownIdentity() throws IOException {
        if (identity == null) {
            String host;
            try {
                host = InetAddress.getLocalHost().getHostName();
            } catch (IOException e) {
                host = "localhost";
            }
            identity = ClientIdentity.loadOrCreate(stateDir.resolve("pki").resolve("own"), "urn:outpost:gateway:" + host + ":opcua", host);
        }
        return identity;
    }

    /** KubeEdge's password is the path of a file holding it; its last line break is not part of it. */
    private String password(String file) throws MapperException {
        Path f = stateDir.resolve(file);
        try {
            if (!Files.isRegularFile(f) || Files.size(f) > MAX_PASSWORD_BYTES) {
                throw new MapperException(MapperException.Kind.CONFIG, "password file " + f + " does not exist or is not a file of at most "
                        + MAX_PASSWORD_BYTES + " bytes: spec.protocol.configData.password names a file holding the password (as in KubeEdge)");
            }
            return Files.readString(f, StandardCharsets.UTF_8).replaceFirst("\r?\n$", "");
        } catch (IOException e) {
            throw new MapperException(MapperException.Kind.CONFIG, "password file " + f + " cannot be read by the gateway: " + e.getMessage());
        }
    }
}
