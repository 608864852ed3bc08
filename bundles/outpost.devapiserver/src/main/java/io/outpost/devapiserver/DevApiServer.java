package io.outpost.devapiserver;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.Arrays;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A development-only Kubernetes API server: in memory, plain HTTP on loopback, no
 * authentication, no scheduler, no controllers. Enough of the REST API for kubectl and the fabric8
 * client to work as against a cluster.
 *
 * <p>Run it with {@link #main}, or embed it in tests with {@link #start(String...)} and
 * {@link #close()}.
 */
public final class DevApiServer implements AutoCloseable {
    /** Reported by /version; kubectl compares only major.minor for its skew warning. */
    public static final String GIT_VERSION = "v1.32.0-outpost";

    private static final System.Logger LOG = System.getLogger(DevApiServer.class.getName());

    private final ServerOptions options;
    private final HttpServer http;
    private final ExecutorService requests;
    private final ScheduledExecutorService timers;
    private final WatchHub hub;
    private final ObjectStore store;
    private final StatePersistence persistence;
    private final String url;
    private final AtomicInteger closed = new AtomicInteger();

    private DevApiServer(ServerOptions options) throws IOException {
        this.options = options;
        Codec codec = new Codec(options.maxBodyBytes());
        this.timers = Executors.newSingleThreadScheduledExecutor(daemonThreads("devapiserver-timer"));
        this.hub = new WatchHub(options.watchHistory(), options.watchHistoryBytes(), options.watchQueue());
        this.persistence = options.state() == null ? null : new StatePersistence(options.state(), codec, timers, 250);
        this.store = new ObjectStore(hub, codec, persistence == null ? () -> { } : persistence::changed);
        ResourceRegistry registry = new ResourceRegistry(BuiltinResources.all());
        CustomResourceDefinitions crds = new CustomResourceDefinitions(registry);
        Clock clock = Clock.systemUTC();
        ResourceOperations ops = new ResourceOperations(store, registry, crds, hub, clock);

        if (persistence != null) {
            StatePersistence.Loaded loaded = persistence.load();
            store.restore(loaded.entries(), loaded.resourceVersion());
            ops.serveStoredCrds();
            persistence.attach(store);
        }
        try {
            ops.createInitialNamespaces();
        } catch (ApiException e) {
            throw new IOException("could not create the initial namespaces: " + e.getMessage(), e);
        }

        // The JDK's server writes headers and body separately; without TCP_NODELAY every response
        // on a kept-alive connection waits ~40 ms for the client's delayed ACK (Nagle), which capped
        // each client connection at ~25 requests a second. Read once, when the server class loads.
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
        this.http = HttpServer.create(new InetSocketAddress(options.bind(), options.port()), 128);
        String host = options.bind().contains(":") ? "[" + options.bind() + "]" : options.bind();
        this.url = "http://" + host + ":" + http.getAddress().getPort();
        String address = host + ":" + http.getAddress().getPort();

        ApiHandler handler = new ApiHandler(registry, ops, store, hub, codec, new TablePrinter(clock),
                new DiscoveryDocuments(registry), new OpenApiDocuments(registry, codec, GIT_VERSION),
                new ApiHandler.Settings(options.maxBodyBytes(), options.watchTimeoutSeconds(), GIT_VERSION,
                        options.logRequests()),
                () -> address);
        // Each watch holds a thread for its lifetime, so the pool grows on demand up to a bound
        // instead of queueing requests behind long-running watches.
        this.requests = new ThreadPoolExecutor(2, options.threads(), 60, TimeUnit.SECONDS, new SynchronousQueue<>(),
                daemonThreads("devapiserver-http"));
        http.createContext("/", handler);
        http.setExecutor(requests);
        http.start();
        timers.scheduleAtFixedRate(hub::bookmarkTick, options.bookmarkSeconds(), options.bookmarkSeconds(),
                TimeUnit.SECONDS);

        if (options.kubeconfig() != null) {
            Kubeconfig.write(options.kubeconfig(), url);
        }
    }

    /** Starts a server with command-line style arguments, e.g. {@code start("--port", "0")}. */
    public static DevApiServer start(String... args) throws IOException {
        return start(ServerOptions.parse(Arrays.asList(args)));
    }

    static DevApiServer start(ServerOptions options) throws IOException {
        return new DevApiServer(options);
    }

    /** The base URL, e.g. {@code http://127.0.0.1:6443}. */
    public String url() {
        return url;
    }

    public int port() {
        return http.getAddress().getPort();
    }

    /** A kubeconfig document pointing at this server. */
    public String kubeconfig() {
        return Kubeconfig.render(url);
    }

    /** Ends every open watch (clients reconnect); useful to test reconnection. */
    public void dropWatches() {
        hub.closeAll(false);
    }

    int activeWatches() {
        return hub.activeWatches();
    }

    ServerOptions options() {
        return options;
    }

    /** Stops serving, ends watches and saves the state (when a state file is configured). */
    @Override
    public void close() {
        if (closed.getAndIncrement() > 0) {
            return;
        }
        hub.closeAll(true);
        http.stop(1);
        requests.shutdownNow();
        timers.shutdownNow();
        if (persistence != null) {
            try {
                persistence.save();
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "could not save state on shutdown", e);
            }
        }
    }

    private static java.util.concurrent.ThreadFactory daemonThreads(String prefix) {
        AtomicInteger counter = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + counter.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    public static void main(String[] args) {
        ServerOptions options;
        try {
            options = ServerOptions.parse(Arrays.asList(args));
        } catch (IllegalArgumentException e) {
            boolean help = e.getMessage().isEmpty();
            if (!help) {
                System.err.println("devapiserver: " + e.getMessage());
            }
            System.err.println(ServerOptions.USAGE);
            System.exit(help ? 0 : 2);
            return;
        }
        DevApiServer server;
        try {
            server = start(options);
        } catch (IOException | UncheckedIOException e) {
            System.err.println("devapiserver: cannot start: " + e.getMessage());
            System.exit(1);
            return;
        }
        // SIGTERM and SIGINT run shutdown hooks: stop cleanly and save the state.
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "devapiserver-shutdown"));
        System.out.println("devapiserver listening on " + server.url());
        System.out.flush();
    }
}
