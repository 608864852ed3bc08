package io.outpost.edge.console.osgi;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.outpost.edge.console.api.ConsoleApi;
import io.outpost.edge.console.auth.Authenticator;
import io.outpost.edge.console.auth.LoginThrottle;
import io.outpost.edge.console.auth.PasswordRecords;
import io.outpost.edge.console.auth.SessionStore;
import io.outpost.edge.console.config.SnapshotStore;
import io.outpost.edge.console.http.ConsoleHttpServer;
import io.outpost.edge.console.logs.LogBuffer;
import io.outpost.edge.console.system.SystemProbe;
import io.outpost.edge.console.tls.ConsoleTls;
import io.outpost.hub.api.EdgeHub;
import io.outpost.ota.api.OtaAgent;
import io.outpost.pod.api.EdgePods;
import io.outpost.twin.api.DeviceInventory;
import io.outpost.twin.api.DeviceTwin;
import io.outpost.twin.api.TwinListener;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Hashtable;
import java.util.List;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.apache.karaf.config.core.ConfigRepository;
import org.apache.karaf.features.FeaturesService;
import org.apache.karaf.jaas.config.JaasRealm;
import org.apache.karaf.jaas.modules.BackingEngineFactory;
import org.ops4j.pax.logging.spi.PaxAppender;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.MetaTypeService;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wires the web console into the framework: reads its configuration, creates or loads the TLS
 * certificate, and starts the HTTPS server. Every service the console shows is an optional,
 * dynamic reference: when one is missing, its API answers a clear 503 instead of the whole
 * console disappearing.
 */
@Component(configurationPid = ConsoleComponent.PID, configurationPolicy = ConfigurationPolicy.OPTIONAL)
@Designate(ocd = ConsoleComponent.Cfg.class)
public final class ConsoleComponent {
    static final String PID = "io.outpost.edge.console";
    private static final Logger LOG = LoggerFactory.getLogger(ConsoleComponent.class);

    @ObjectClassDefinition(name = "Outpost edge: web console", description = "The gateway's HTTPS web console and its JSON API.")
    public @interface Cfg {
        @AttributeDefinition(description = "HTTPS port of the console.", min = "1", max = "65535")
        int port() default 8443;

        @AttributeDefinition(description = "Address to listen on (0.0.0.0: every interface; 127.0.0.1: this machine only).")
        String bindAddress() default "0.0.0.0";

        @AttributeDefinition(description = "Minutes without a request after which a session ends.", min = "1", max = "1440")
        int sessionTimeoutMinutes() default 15;

        @AttributeDefinition(description = "Failed logins in a row after which a user name is locked out.", min = "1", max = "100")
        int lockoutThreshold() default 5;

        @AttributeDefinition(description = "Seconds a locked-out user name must wait.", min = "1", max = "86400")
        int lockoutSeconds() default 300;

        @AttributeDefinition(description = "PEM certificate (chain) to serve instead of the self-signed one; set together with privateKeyFile.")
        String certificateFile() default "";

        @AttributeDefinition(description = "PEM (PKCS#8) private key of certificateFile.")
        String privateKeyFile() default "";

        @AttributeDefinition(description = "Karaf JAAS realm users log in against.")
        String realm() default "karaf";

        @AttributeDefinition(description = "Role a user needs to use the console (empty: any user of the realm).")
        String requiredRole() default "admin";

        @AttributeDefinition(description = "Largest request body accepted, in bytes.", min = "1024", max = "16777216")
        int maxRequestBytes() default 1048576;

        @AttributeDefinition(description = "Most sessions at once; the least recently used ends first.", min = "1", max = "1000")
        int maxSessions() default 32;

        @AttributeDefinition(description = "Seconds between live status updates on open pages.", min = "1", max = "60")
        int statusIntervalSeconds() default 2;

        @AttributeDefinition(description = "Folder for the self-signed certificate, recorded passwords and snapshots (empty: <karaf data>/outpost/console).")
        String stateDir() default "";
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    private volatile EdgeHub hub;
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    private volatile FeaturesService features;
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    private volatile ConfigurationAdmin configAdmin;
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    private volatile MetaTypeService metatype;
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    private volatile ConfigRepository karafConfig;
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    private volatile DeviceInventory devices;
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    private volatile DeviceTwin twin;
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    private volatile EdgePods pods;
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    private volatile OtaAgent ota;
    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    private volatile List<JaasRealm> realms;
    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    private volatile List<BackingEngineFactory> engines;

    private ScheduledThreadPoolExecutor scheduler;
    private EventLoopGroup group;
    private ConsoleHttpServer server;
    private ServiceRegistration<PaxAppender> appender;
    private ServiceRegistration<TwinListener> twinListener;

    @Activate
    void activate(BundleContext ctx, Cfg cfg) throws Exception {
        Path karafData = Path.of(System.getProperty("karaf.data", "data"));
        Path state = cfg.stateDir().isBlank() ? karafData.resolve("outpost").resolve("console") : Path.of(cfg.stateDir());
        ConsoleTls.Material tls = ConsoleTls.material(cfg.certificateFile(), cfg.privateKeyFile(), state);
        var ssl = ConsoleTls.serverContext(tls);
        // One scheduler: request handling (a feature install may block one thread for seconds
        // while pages keep loading on the others), live-event ticks and session sweeps.
        scheduler = new ScheduledThreadPoolExecutor(3, new DefaultThreadFactory("outpost-console", true));
        scheduler.setRemoveOnCancelPolicy(true);
        // Netty needs its own I/O loop; one thread is plenty for a handful of browsers.
        group = new NioEventLoopGroup(1, new DefaultThreadFactory("outpost-console-io", true));
        try {
            LogBuffer logs = new LogBuffer(2000);
            Hashtable<String, Object> props = new Hashtable<>();
            props.put("org.ops4j.pax.logging.appender.name", "OutpostConsoleAppender");
            appender = ctx.registerService(PaxAppender.class, new PaxLogAppender(logs), props);

            // Twin changes reach open Devices pages through the twin's whiteboard.
            DeviceList deviceList = new DeviceList(() -> devices, () -> twin);
            twinListener = ctx.registerService(TwinListener.class, deviceList, null);

            Clock clock = Clock.systemUTC();
            SessionStore sessions = new SessionStore(clock, Duration.ofMinutes(cfg.sessionTimeoutMinutes()), cfg.maxSessions());
            Authenticator auth = new JaasAuthenticator(cfg.realm(), cfg.requiredRole(),
                    () -> realms == null ? List.of() : realms, () -> engines == null ? List.of() : engines);
            ObjectMapper json = new ObjectMapper();
            Path karafHome = Path.of(System.getProperty("karaf.home", "."));
            ConsoleApi api = new ConsoleApi(new ConsoleApi.Deps(sessions,
                    new LoginThrottle(clock, cfg.lockoutThreshold(), Duration.ofSeconds(cfg.lockoutSeconds())),
                    new PasswordRecords(state.resolve("passwords.properties")), () -> realms == null || realms.isEmpty() ? null : auth,
                    new GatewayStatus(() -> hub, new SystemProbe(karafData, Path.of("/proc")), tls),
                    new OsgiBundles(ctx), new KarafFeatures(() -> features, karafHome.resolve("system")),
                    new MetatypeSettings(ctx, () -> metatype, () -> configAdmin, () -> karafConfig), deviceList, new PodList(() -> pods),
                    new OtaList(() -> ota, () -> features),
                    logs, new SnapshotStore(state.resolve("snapshots"), clock, json), scheduler, json,
                    Duration.ofSeconds(cfg.statusIntervalSeconds())));
            try {
                server = ConsoleHttpServer.bind(group, new InetSocketAddress(cfg.bindAddress(), cfg.port()), ssl, cfg.maxRequestBytes(),
                        scheduler, api::handle);
            } catch (Exception e) {
                throw new IllegalStateException("the web console cannot listen on " + cfg.bindAddress() + ":" + cfg.port() + " (" + e
                        + "); set another port in etc/" + PID + ".cfg", e);
            }
            scheduler.scheduleWithFixedDelay(sessions::sweep, 1, 1, TimeUnit.MINUTES);
            LOG.info("web console on https://{}:{}/ (certificate {}, expires {})", cfg.bindAddress(), server.address().getPort(),
                    tls.selfSigned() ? "self-signed " + tls.certificate() : tls.certificate(), tls.expiry());
        } catch (Exception | Error e) {
            deactivate();
            throw e;
        }
    }

    @Deactivate
    void deactivate() {
        if (server != null) {
            server.close();
            server = null;
        }
        if (appender != null) {
            try {
                appender.unregister();
            } catch (IllegalStateException e) {
                // already gone with the bundle
            }
            appender = null;
        }
        if (twinListener != null) {
            try {
                twinListener.unregister();
            } catch (IllegalStateException e) {
                // already gone with the bundle
            }
            twinListener = null;
        }
        if (group != null) {
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS);
            group = null;
        }
        if (scheduler != null) {
            scheduler.shutdownNow();
            scheduler = null;
        }
    }
}
