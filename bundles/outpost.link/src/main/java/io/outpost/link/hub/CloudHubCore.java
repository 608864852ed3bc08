package io.outpost.link.hub;

import com.fasterxml.jackson.databind.node.TextNode;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.SslContext;
import io.outpost.hub.api.Message;
import io.outpost.hub.api.MessageContext;
import io.outpost.hub.api.NodeSession;
import io.outpost.hub.api.Operations;
import io.outpost.hub.api.Resource;
import io.outpost.link.codec.CodecException;
import io.outpost.link.codec.MessageCodec;
import io.outpost.link.transport.LinkConnection;
import io.outpost.link.transport.LinkEndpoint;
import io.outpost.link.transport.LinkServer;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cloud hub: holds one session per connected gateway, adds the {@code node/<node>/} prefix to
 * what gateways send (as KubeEdge's cloudhub does), and routes messages to the dispatcher.
 * A gateway can only speak for itself: its identity is its certificate, and a resource naming
 * another node is refused.
 */
public final class CloudHubCore implements LinkEndpoint, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CloudHubCore.class);

    /** Receives session events; called on I/O threads, must not block. */
    public interface SessionListener {
        void connected(NodeSession session);

        void disconnected(NodeSession session, String reason);
    }

    /**
     * @param address where the hub listens
     * @param maxFrameBytes cap on one message
     * @param keepaliveTimeout a session without any frame for this long is closed
     * @param maxSessions connections beyond this many nodes are refused (close 1013, try again
     *     later), so a reconnect storm cannot take the replica's memory; a node already
     *     connected may always replace its own session
     */
    public record Config(InetSocketAddress address, int maxFrameBytes, Duration keepaliveTimeout, int maxSessions) {
        /** With no session limit worth naming: for tests and tools. */
        public Config(InetSocketAddress address, int maxFrameBytes, Duration keepaliveTimeout) {
            this(address, maxFrameBytes, keepaliveTimeout, Integer.MAX_VALUE);
        }
    }

    private final MessageCodec codec;
    private final Dispatcher dispatcher;
    private final SessionListener listener;
    private final Map<String, Session> sessions = new ConcurrentHashMap<>();
    private final LinkServer server;
    private final int maxSessions;
    /**
     * How often the cloud pings each gateway to measure the link's round trip (outpost:sessions,
     * outpost:nodes). A WebSocket ping frame, not a message: every WebSocket peer answers it,
     * KubeEdge's edgecore included, so the wire protocol is unchanged.
     */
    static final Duration PING_PERIOD = Duration.ofSeconds(15);
    private final ScheduledFuture<?> pinger;

    private static final class Session {
        final LinkConnection conn;
        final Instant connectedAt = Instant.now();
        volatile Instant lastSeen = Instant.now();

        Session(LinkConnection conn) {
            this.conn = conn;
        }

        NodeSession view() {
            return new NodeSession(conn.nodeName(), String.valueOf(conn.remoteAddress()), connectedAt, lastSeen,
                    conn.peerCertificate().getNotAfter().toInstant(), conn.rttMillis());
        }
    }

    public CloudHubCore(EventLoopGroup group, Config config, SslContext ssl, Dispatcher dispatcher, SessionListener listener)
            throws InterruptedException {
        this.codec = new MessageCodec(config.maxFrameBytes());
        this.dispatcher = dispatcher;
        this.listener = listener;
        this.maxSessions = config.maxSessions();
        this.server = LinkServer.bind(group, config.address(), ssl, config.maxFrameBytes(), config.keepaliveTimeout(), this);
        // on the link's own event loop: a ping is one small write per session, no thread of its own
        this.pinger = group.next().scheduleAtFixedRate(() -> sessions.values().forEach(x -> x.conn.ping()),
                PING_PERIOD.toMillis(), PING_PERIOD.toMillis(), TimeUnit.MILLISECONDS);
    }

    public InetSocketAddress address() {
        return server.address();
    }

    public MessageCodec codec() {
        return codec;
    }

    /** Sends to a node; a {@code node/<node>/} prefix of the resource is stripped, as KubeEdge does. */
    public boolean send(String node, Message message) {
        Session s = sessions.get(node);
        return s != null && s.conn.send(codec.encode(message.toBuilder().resource(strip(message.resource())).build()));
    }

    public Collection<NodeSession> sessions() {
        return sessions.values().stream().map(Session::view).toList();
    }

    public Optional<NodeSession> session(String node) {
        return Optional.ofNullable(sessions.get(node)).map(Session::view);
    }

    @Override
    public void opened(LinkConnection connection) {
        if (sessions.size() >= maxSessions && !sessions.containsKey(connection.nodeName())) {
            LOG.warn("node {} refused: this replica holds its limit of {} sessions", connection.nodeName(), maxSessions);
            connection.close(1013, "node limit of this cloud replica reached; try again later");
            return;
        }
        Session s = new Session(connection);
        Session old = sessions.put(connection.nodeName(), s);
        if (old != null) {
            // The gateway reconnected before we noticed the old socket died (a half-open
            // connection): the newest connection wins, so the node never looks offline.
            old.conn.close(1008, "replaced by a newer connection of the same node");
        }
        LOG.info("node {} connected from {}", connection.nodeName(), connection.remoteAddress());
        connection.ping(); // a first round trip now, so the latency is known before the first period
        listener.connected(s.view());
    }

    @Override
    public void received(LinkConnection connection, byte[] frame) {
        Session s = sessions.get(connection.nodeName());
        if (s == null || s.conn != connection) {
            return;
        }
        s.lastSeen = Instant.now();
        Message m;
        try {
            m = codec.decode(frame);
        } catch (CodecException e) {
            LOG.warn("node {}: refused a frame: {}", connection.nodeName(), e.getMessage());
            sendError(connection, null, "refused a frame: " + e.getMessage());
            return;
        }
        if (Operations.KEEPALIVE.equals(m.operation())) {
            return;
        }
        String node = connection.nodeName();
        String resource = m.resource();
        if (resource.startsWith(Resource.NODE_PREFIX + "/")) {
            Resource r = Resource.parse(resource);
            if (!node.equals(r.node())) {
                sendError(connection, m, "node " + node + " cannot send messages about node " + r.node());
                return;
            }
        } else if (!resource.isEmpty()) {
            resource = Resource.NODE_PREFIX + "/" + node + "/" + resource;
        }
        Message routed = m.toBuilder().resource(resource).build();
        Context ctx = new Context(connection);
        try {
            if (!dispatcher.dispatch(ctx, routed)) {
                if (!m.isResponse()) {
                    sendError(connection, m, "no handler for group '" + m.group() + "' (operation '" + m.operation()
                            + "') on this cloud");
                }
            }
        } catch (Exception e) {
            LOG.warn("node {}: handling {} failed: {}", node, m, e.toString());
            sendError(connection, m, e.getMessage() != null ? e.getMessage() : e.toString());
        }
    }

    private void sendError(LinkConnection conn, Message about, String text) {
        Message err = about != null
                ? about.response(TextNode.valueOf(text)).toBuilder().operation(Operations.ERROR).resource(strip(about.resource())).build()
                : Message.builder().source("cloudhub").group("").operation(Operations.ERROR).content(TextNode.valueOf(text)).build();
        conn.send(codec.encode(err));
    }

    private static String strip(String resource) {
        Resource r = Resource.parse(resource);
        return r.node().isEmpty() ? resource : r.edgePath();
    }

    @Override
    public void closed(LinkConnection connection, String reason) {
        Session s = sessions.get(connection.nodeName());
        if (s != null && s.conn == connection) {
            sessions.remove(connection.nodeName(), s);
            LOG.info("node {} disconnected: {}", connection.nodeName(), reason);
            listener.disconnected(s.view(), reason);
        }
    }

    @Override
    public void close() {
        pinger.cancel(false);
        server.close();
        for (Session s : List.copyOf(sessions.values())) {
            s.conn.close(1001, "cloud hub stopping");
        }
    }

    /** Context of a message from a gateway; replies strip the node prefix, as KubeEdge does. */
    private final class Context implements MessageContext {
        private final LinkConnection conn;

        Context(LinkConnection conn) {
            this.conn = conn;
        }

        @Override
        public String nodeName() {
            return conn.nodeName();
        }

        @Override
        public boolean reply(Message message) {
            return conn.send(codec.encode(message.toBuilder().resource(strip(message.resource())).build()));
        }
    }
}
