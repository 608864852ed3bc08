package io.outpost.link.hub;

import com.fasterxml.jackson.databind.node.TextNode;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.ScheduledFuture;
import io.outpost.hub.api.LinkException;
import io.outpost.hub.api.LinkStatus;
import io.outpost.hub.api.LinkStatus.State;
import io.outpost.hub.api.Message;
import io.outpost.hub.api.MessageContext;
import io.outpost.hub.api.Modules;
import io.outpost.hub.api.Operations;
import io.outpost.hub.api.Groups;
import io.outpost.link.codec.CodecException;
import io.outpost.link.codec.MessageCodec;
import io.outpost.link.delivery.StaleFilter;
import io.outpost.link.transport.LinkClient;
import io.outpost.link.transport.LinkClient.ClientConnection;
import io.outpost.link.transport.LinkConnection;
import io.outpost.link.transport.LinkEndpoint;
import io.outpost.link.transport.Tls;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The edge hub: joins, keeps one WebSocket to the cloud hub open, sends KubeEdge keepalives,
 * detects half-open connections, reconnects with jittered exponential back-off, renews its
 * certificate before it expires, and routes what the cloud sends to the dispatcher.
 *
 * <p>All timers run on the given event loop group, so the hub adds no threads of its own.
 */
public final class EdgeHubCore implements LinkEndpoint, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EdgeHubCore.class);

    /** The KubeEdge project id used in the hub URL when none is configured. */
    public static final String DEFAULT_PROJECT_ID = "e632aba927ea4ac2b575ec1603d56f10";

    /**
     * @param nodeName this gateway's node name
     * @param projectId the project id in the hub URL
     * @param stateDir where credentials are kept
     * @param keepalive keepalive period (KubeEdge's heartbeat, default 15 s)
     * @param missedKeepalives after this many keepalive periods without any frame from the cloud,
     *     the connection is taken for half-open and replaced
     * @param maxFrameBytes cap on one message
     * @param minBackoff first reconnect delay
     * @param maxBackoff largest reconnect delay
     * @param renewAt fraction of the certificate's lifetime after which it is renewed
     */
    public record Config(String nodeName, String projectId, Path stateDir, Duration keepalive, int missedKeepalives,
            int maxFrameBytes, Duration minBackoff, Duration maxBackoff, double renewAt) {
    }

    /** Told about link state changes; called on I/O threads, must not block. */
    public interface Listener {
        void linkUp();

        void linkDown(String reason);
    }

    private final EventLoopGroup group;
    private final Config config;
    private final Dispatcher dispatcher;
    private final Listener listener;
    private final MessageCodec codec;
    private final Map<String, CompletableFuture<Message>> pending = new ConcurrentHashMap<>();
    /** resourceVersion de-duplication of what the cloud sends, for every handler (reliable delivery). */
    private final StaleFilter stale = new StaleFilter(65_536);
    private final Object lock = new Object();

    private volatile Credentials credentials;
    /** TLS context for the current credentials: building one costs milliseconds of key derivation, so it is kept. */
    private volatile io.netty.handler.ssl.SslContext sslContext;
    private volatile ClientConnection connection;
    private volatile State state = State.NOT_JOINED;
    private volatile Instant since = Instant.now();
    private volatile String lastError = "";
    private volatile boolean closed;
    private long backoffMillis;
    private ScheduledFuture<?> keepaliveTask;
    private ScheduledFuture<?> reconnectTask;
    private ScheduledFuture<?> renewTask;
    private int generation;

    public EdgeHubCore(EventLoopGroup group, Config config, Dispatcher dispatcher, Listener listener) {
        this.group = group;
        this.config = config;
        this.dispatcher = dispatcher;
        this.listener = listener;
        this.codec = new MessageCodec(config.maxFrameBytes());
        this.backoffMillis = config.minBackoff().toMillis();
    }

    public MessageCodec codec() {
        return codec;
    }

    /**
     * Starts: connects with stored credentials, or stays {@link State#NOT_JOINED}.
     *
     * @return whether credentials were found
     */
    public boolean start() {
        try {
            Optional<Credentials> c = Credentials.load(config.stateDir());
            if (c.isEmpty()) {
                setState(State.NOT_JOINED, "not joined: run 'outpost:join <cloud-address> <token>' or configure cloudAddress and token");
                return false;
            }
            credentials = c.get();
        } catch (IOException e) {
            setState(State.NOT_JOINED, e.getMessage());
            return false;
        }
        scheduleRenewal();
        connectNow();
        return true;
    }

    /** Joins a cloud (blocking), stores the credentials, then connects. */
    public void join(String host, int bootstrapPort, int hubPort, String token) throws LinkException {
        setState(State.JOINING, "");
        Credentials c;
        try {
            c = Joiner.join(host, bootstrapPort, hubPort, token, config.nodeName());
        } catch (LinkException e) {
            setState(credentials == null ? State.NOT_JOINED : state, e.getMessage());
            throw e;
        }
        try {
            c.store(config.stateDir());
        } catch (IOException e) {
            throw new LinkException("joined, but cannot store the credentials in " + config.stateDir() + ": " + e.getMessage());
        }
        LOG.info("joined the cloud at {} as node {}", host, config.nodeName());
        credentials = c;
        sslContext = null;
        ClientConnection old = connection;
        if (old != null) {
            old.close(1000, "re-joined");
        }
        scheduleRenewal();
        connectNow();
    }

    /** @return whether stored credentials exist */
    public boolean joined() {
        return credentials != null;
    }

    public LinkStatus status() {
        Credentials c = credentials;
        ClientConnection conn = connection;
        return new LinkStatus(state, c == null ? "" : c.cloudHost() + ":" + c.hubPort(), since, lastError,
                conn == null ? -1 : conn.rttMillis(), c == null ? null : c.node().certificate().getNotAfter().toInstant());
    }

    public String nodeName() {
        return config.nodeName();
    }

    /** Sends a message; false when the link is down. */
    public boolean send(Message m) {
        ClientConnection conn = connection;
        return conn != null && state == State.CONNECTED && conn.send(codec.encode(m));
    }

    /** Sends a synchronous message and completes with its response. */
    public CompletionStage<Message> request(Message m, Duration timeout) {
        Message sync = m.toBuilder().sync(true).build();
        CompletableFuture<Message> f = new CompletableFuture<>();
        pending.put(sync.id(), f);
        if (!send(sync)) {
            pending.remove(sync.id());
            f.completeExceptionally(new LinkException("the link to the cloud is down: " + lastError));
            return f;
        }
        group.schedule(() -> {
            if (pending.remove(sync.id()) != null) {
                f.completeExceptionally(new TimeoutException("no response from the cloud within " + timeout.toMillis() + " ms"));
            }
        }, timeout.toMillis(), TimeUnit.MILLISECONDS);
        return f;
    }

    private void connectNow() {
        Credentials c = credentials;
        if (c == null || closed) {
            return;
        }
        int gen;
        synchronized (lock) {
            gen = ++generation;
            if (reconnectTask != null) {
                reconnectTask.cancel(false);
            }
        }
        setState(State.CONNECTING, lastError);
        URI uri = URI.create("wss://" + Joiner.hostForUrl(c.cloudHost()) + ":" + c.hubPort() + "/" + config.projectId() + "/"
                + config.nodeName() + "/events");
        try {
            var ssl = sslContext;
            if (ssl == null) {
                ssl = Tls.client(c.node(), c.ca());
                sslContext = ssl;
            }
            Duration idle = config.keepalive().multipliedBy(config.missedKeepalives());
            LinkClient.connect(group, uri, ssl, config.nodeName(), Map.of("project_id", config.projectId(), "ConnectionUse", "msg"),
                    config.maxFrameBytes(), Duration.ZERO, idle, Duration.ofSeconds(10), this)
                    .whenComplete((conn, err) -> {
                        if (err != null) {
                            synchronized (lock) {
                                if (gen != generation) {
                                    return;
                                }
                            }
                            String why = err instanceof java.util.concurrent.CompletionException && err.getCause() != null
                                    ? err.getCause().getMessage() : err.getMessage();
                            LOG.warn("cannot connect to the cloud: {}", why);
                            setState(State.DISCONNECTED, why);
                            scheduleReconnect();
                        }
                    });
        } catch (IOException e) {
            setState(State.DISCONNECTED, "cannot set up TLS: " + e.getMessage());
            scheduleReconnect();
        }
    }

    private void scheduleReconnect() {
        if (closed) {
            return;
        }
        synchronized (lock) {
            // "Equal jitter": half the back-off fixed, half random, so a fleet that lost the cloud
            // at the same moment does not reconnect at the same moment.
            long delay = backoffMillis / 2 + ThreadLocalRandom.current().nextLong(backoffMillis / 2 + 1);
            backoffMillis = Math.min(backoffMillis * 2, config.maxBackoff().toMillis());
            if (reconnectTask != null) {
                reconnectTask.cancel(false);
            }
            reconnectTask = group.schedule(this::connectNow, delay, TimeUnit.MILLISECONDS);
        }
    }

    @Override
    public void opened(LinkConnection conn) {
        ClientConnection cc = (ClientConnection) conn;
        ClientConnection old = connection;
        connection = cc;
        if (old != null && old != cc) {
            old.close(1000, "replaced");
        }
        synchronized (lock) {
            backoffMillis = config.minBackoff().toMillis();
            if (keepaliveTask != null) {
                keepaliveTask.cancel(false);
            }
            long period = config.keepalive().toMillis();
            keepaliveTask = group.scheduleAtFixedRate(() -> keepalive(cc), period, period, TimeUnit.MILLISECONDS);
        }
        setState(State.CONNECTED, "");
        LOG.info("connected to the cloud hub at {}", conn.remoteAddress());
        cc.ping();
        listener.linkUp();
    }

    private void keepalive(ClientConnection cc) {
        if (!cc.isOpen()) {
            return;
        }
        // KubeEdge's cloudhub resets its session timer only on this message, not on other traffic.
        cc.send(codec.encode(Message.builder().source(Modules.EDGE_HUB).group(Groups.RESOURCE).resource("node")
                .operation(Operations.KEEPALIVE).content(TextNode.valueOf("ping")).build()));
        // The cloud does not answer keepalives; a WebSocket ping gets a pong from any peer, which
        // both measures latency and keeps inbound traffic flowing for half-open detection.
        cc.ping();
    }

    @Override
    public void received(LinkConnection conn, byte[] frame) {
        Message m;
        try {
            m = codec.decode(frame);
        } catch (CodecException e) {
            LOG.warn("refused a frame from the cloud: {}", e.getMessage());
            return;
        }
        if (m.isResponse()) {
            CompletableFuture<Message> f = pending.remove(m.parentId());
            if (f != null) {
                f.complete(m);
                return;
            }
        }
        if (Operations.ERROR.equals(m.operation())) {
            LOG.warn("the cloud reported an error for {}: {}", m.resource(), m.content().asText());
        }
        MessageContext ctx = new MessageContext() {
            @Override
            public String nodeName() {
                return config.nodeName();
            }

            @Override
            public boolean reply(Message reply) {
                return conn.send(codec.encode(reply));
            }
        };
        String why = stale.stale(m);
        if (why != null) {
            // The cloud resends until it gets an ACK: a duplicate or an older version is
            // acknowledged again but not applied.
            LOG.debug("ignored {} ({}): acknowledged again", m, why);
            conn.send(codec.encode(m.response(TextNode.valueOf("OK"))));
            return;
        }
        try {
            boolean taken = dispatcher.dispatch(ctx, m);
            if (taken) {
                stale.delivered(m);
            }
            if (!taken && m.sync()) {
                conn.send(codec.encode(m.response(TextNode.valueOf("no handler for group '" + m.group() + "' on this gateway"))
                        .toBuilder().operation(Operations.ERROR).build()));
            }
        } catch (Exception e) {
            LOG.warn("handling {} failed: {}", m, e.toString());
            if (m.sync()) {
                conn.send(codec.encode(m.response(TextNode.valueOf(String.valueOf(e.getMessage()))).toBuilder()
                        .operation(Operations.ERROR).build()));
            }
        }
    }

    @Override
    public void closed(LinkConnection conn, String reason) {
        if (connection != conn) {
            return;
        }
        connection = null;
        synchronized (lock) {
            if (keepaliveTask != null) {
                keepaliveTask.cancel(false);
            }
        }
        LOG.warn("link to the cloud lost: {}", reason);
        for (var e : pending.entrySet()) {
            if (pending.remove(e.getKey()) != null) {
                e.getValue().completeExceptionally(new LinkException("link lost: " + reason));
            }
        }
        if (!closed) {
            setState(State.DISCONNECTED, reason);
            listener.linkDown(reason);
            scheduleReconnect();
        }
    }

    private void scheduleRenewal() {
        Credentials c = credentials;
        if (c == null || closed) {
            return;
        }
        long delay = Math.max(0, renewalDue(c) - System.currentTimeMillis());
        synchronized (lock) {
            if (renewTask != null) {
                renewTask.cancel(false);
            }
            // Netty's timer cannot take arbitrarily long delays well; re-check at least daily.
            renewTask = group.schedule(this::renewIfDue, Math.min(delay, TimeUnit.DAYS.toMillis(1)), TimeUnit.MILLISECONDS);
        }
    }

    /** @return when the certificate is due for renewal: at {@code renewAt} of its lifetime, in epoch millis */
    private long renewalDue(Credentials c) {
        var cert = c.node().certificate();
        long nb = cert.getNotBefore().getTime();
        long na = cert.getNotAfter().getTime();
        return nb + (long) ((na - nb) * config.renewAt());
    }

    private void renewIfDue() {
        Credentials c = credentials;
        if (c == null || closed) {
            return;
        }
        if (System.currentTimeMillis() < renewalDue(c)) {
            scheduleRenewal();
            return;
        }
        // Blocking HTTPS: move off the event loop.
        CompletableFuture.runAsync(() -> {
            try {
                renewCertificate();
            } catch (LinkException e) {
                LOG.warn("certificate renewal failed, retrying in 5 minutes: {}", e.getMessage());
                synchronized (lock) {
                    renewTask = group.schedule(this::renewIfDue, 5, TimeUnit.MINUTES);
                }
            }
        });
    }

    /**
     * Renews the node certificate now. The open connection stays up (the session is not lost);
     * the next connection uses the new certificate.
     */
    public void renewCertificate() throws LinkException {
        Credentials c = credentials;
        if (c == null) {
            throw new LinkException("not joined");
        }
        Credentials renewed = Joiner.renew(c, config.nodeName());
        try {
            renewed.store(config.stateDir());
        } catch (IOException e) {
            throw new LinkException("cannot store the renewed certificate: " + e.getMessage());
        }
        credentials = renewed;
        sslContext = null;
        LOG.info("renewed the node certificate; valid until {}", renewed.node().certificate().getNotAfter().toInstant());
        scheduleRenewal();
    }

    private void setState(State s, String error) {
        if (state != s) {
            since = Instant.now();
        }
        state = s;
        lastError = error == null ? "" : error;
    }

    @Override
    public void close() {
        closed = true;
        synchronized (lock) {
            for (ScheduledFuture<?> t : new ScheduledFuture<?>[] {keepaliveTask, reconnectTask, renewTask}) {
                if (t != null) {
                    t.cancel(false);
                }
            }
        }
        ClientConnection conn = connection;
        connection = null;
        if (conn != null) {
            conn.close(1000, "edge hub stopping");
        }
        setState(State.STOPPED, "");
    }
}
