package io.outpost.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import io.outpost.hub.api.Groups;
import io.outpost.hub.api.Message;
import io.outpost.hub.api.Modules;
import io.outpost.hub.api.Operations;
import io.outpost.hub.api.ResourceTypes;
import io.outpost.link.codec.CodecException;
import io.outpost.link.codec.MessageCodec;
import io.outpost.link.transport.LinkClient;
import io.outpost.link.transport.LinkClient.ClientConnection;
import io.outpost.link.transport.LinkConnection;
import io.outpost.link.transport.LinkEndpoint;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A light gateway: only the link part of a real one, so thousands fit in one JVM. It connects
 * with the real {@link LinkClient} (WebSocket over mutual TLS, {@code node_id}, {@code
 * project_id} and {@code ConnectionUse} headers, as the edge hub) and sends what the edge hub and
 * node status reporter send:
 * <ul>
 *   <li>every keepalive period, at a fixed rate (as {@code EdgeHubCore}), the KubeEdge keepalive
 *       followed by a WebSocket ping;
 *   <li>a synchronous node status update, waiting for its response (or the response timeout)
 *       and then the status period before the next one, as the node status reporter does
 *       (fixed delay, one update outstanding at most). So a slow cloud gets fewer updates
 *       rather than a growing backlog, as with real gateways.
 * </ul>
 *
 * <p>Threading: the connection's callbacks come on its event loop, and the gateway schedules its
 * timers on that same loop, so its state is touched by one thread only and needs no locks.
 */
final class SimulatedEdgeHub implements LinkEndpoint {
    /**
     * @param projectId the project id in the hub URL
     * @param keepalive keepalive period (KubeEdge's heartbeat)
     * @param statusPeriod node status period
     * @param responseTimeout a status update without response after this long counts as timed out
     * @param handshakeTimeout TCP connect plus TLS and WebSocket handshake
     * @param halfOpenTimeout the edge hub's half-open detection: no inbound frame for this long
     *     closes the connection
     * @param maxFrameBytes cap on one message
     */
    record Settings(String projectId, Duration keepalive, Duration statusPeriod, Duration responseTimeout, Duration handshakeTimeout,
            Duration halfOpenTimeout, int maxFrameBytes) {
    }

    private final String nodeName;
    private final JsonNode statusRequest;
    private final Settings settings;
    private final MessageCodec codec;
    private final FleetCounters counters;
    private final EventLoopGroup group;

    /** Set once on the connection's event loop, read by {@link #stop()} from the driver thread. */
    private volatile EventExecutor loop;
    // Touched only on the connection's event loop.
    private ClientConnection connection;
    private ScheduledFuture<?> keepaliveTask;
    /** The next status update, or the timeout of the outstanding one. */
    private ScheduledFuture<?> statusTask;
    /** The id of the status update waiting for its response, or null. */
    private String pendingId;
    private long pendingSentNanos;
    private boolean stopping;

    SimulatedEdgeHub(String nodeName, JsonNode statusRequest, Settings settings, MessageCodec codec, FleetCounters counters,
            EventLoopGroup group) {
        this.nodeName = nodeName;
        this.statusRequest = statusRequest;
        this.settings = settings;
        this.codec = codec;
        this.counters = counters;
        this.group = group;
    }

    /** Connects; completes when the WebSocket handshake is done. */
    CompletableFuture<ClientConnection> connect(int port, SslContext ssl) {
        URI uri = URI.create("wss://localhost:" + port + "/" + settings.projectId() + "/" + nodeName + "/events");
        // Writer-idle keepalive off (Duration.ZERO): like the edge hub, the gateway sends its
        // keepalive on a fixed-rate timer instead.
        return LinkClient.connect(group, uri, ssl, nodeName, Map.of("project_id", settings.projectId(), "ConnectionUse", "msg"),
                settings.maxFrameBytes(), Duration.ZERO, settings.halfOpenTimeout(), settings.handshakeTimeout(), this);
    }

    @Override
    public void opened(LinkConnection conn) {
        loop = currentLoop();
        connection = (ClientConnection) conn;
        // Start each timer at a random phase: a fleet's gateways come up at different moments,
        // so their traffic is spread over the period rather than arriving in bursts.
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        long ka = settings.keepalive().toMillis();
        long st = settings.statusPeriod().toMillis();
        keepaliveTask = loop.scheduleAtFixedRate(this::keepalive, rnd.nextLong(ka) + 1, ka, TimeUnit.MILLISECONDS);
        statusTask = loop.schedule(this::sendStatus, rnd.nextLong(st) + 1, TimeUnit.MILLISECONDS);
    }

    /** The event loop running the current callback: the connection's own loop. */
    private EventExecutor currentLoop() {
        for (EventExecutor e : group) {
            if (e.inEventLoop()) {
                return e;
            }
        }
        throw new IllegalStateException("opened() was not called on an event loop of the shared group");
    }

    private void keepalive() {
        ClientConnection c = connection;
        if (c == null || !c.isOpen()) {
            return;
        }
        // Exactly what the edge hub sends (EdgeHubCore.keepalive): the KubeEdge keepalive message,
        // which the cloud does not answer, then a WebSocket ping, which any peer answers.
        Message m = Message.builder().source(Modules.EDGE_HUB).group(Groups.RESOURCE).resource("node")
                .operation(Operations.KEEPALIVE).content(TextNode.valueOf("ping")).build();
        if (c.send(codec.encode(m))) {
            counters.keepalivesSent.increment();
        } else {
            counters.sendsDropped.increment();
        }
        c.ping();
    }

    private void sendStatus() {
        ClientConnection c = connection;
        if (stopping || c == null || !c.isOpen()) {
            return;
        }
        // The node status reporter's message: edged -> resource/update on <ns>/nodestatus/<node>,
        // synchronous (EdgeHubCore.request sets sync), content a NodeStatusRequest.
        Message m = Message.builder().source(Modules.EDGED).group(Groups.RESOURCE).operation(Operations.UPDATE)
                .resource("default/" + ResourceTypes.NODE_STATUS + "/" + nodeName).sync(true).content(statusRequest).build();
        long now = System.nanoTime();
        if (c.send(codec.encode(m))) {
            pendingId = m.id();
            pendingSentNanos = now;
            counters.statusSent.increment();
            statusTask = loop.schedule(this::responseTimedOut, settings.responseTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } else {
            counters.sendsDropped.increment();
            scheduleNextStatus();
        }
    }

    private void responseTimedOut() {
        if (pendingId != null) {
            pendingId = null;
            counters.responseTimeouts.increment();
            scheduleNextStatus();
        }
    }

    private void scheduleNextStatus() {
        if (!stopping) {
            statusTask = loop.schedule(this::sendStatus, settings.statusPeriod().toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    @Override
    public void received(LinkConnection conn, byte[] frame) {
        long now = System.nanoTime();
        Message m;
        try {
            m = codec.decode(frame);
        } catch (CodecException e) {
            counters.unexpectedMessages.increment();
            return;
        }
        if (pendingId == null || !m.isResponse() || !pendingId.equals(m.parentId())) {
            // Not the answer to the update waited for: an answer that came after its update timed
            // out, or something the cloud sent on its own.
            counters.unexpectedMessages.increment();
            return;
        }
        pendingId = null;
        if (statusTask != null) {
            statusTask.cancel(false);
        }
        counters.responseLatency().recordMicros(TimeUnit.NANOSECONDS.toMicros(now - pendingSentNanos));
        if (Operations.RESPONSE.equals(m.operation()) && "OK".equals(m.content().asText())) {
            counters.responsesOk.increment();
        } else {
            counters.responsesNotOk.increment();
        }
        scheduleNextStatus();
    }

    @Override
    public void closed(LinkConnection conn, String reason) {
        cancelTimers();
        if (!stopping) {
            counters.unexpectedClose(reason);
        }
    }

    /** Stops the timers and closes the connection (a normal close, 1000). */
    void stop() {
        EventExecutor l = loop;
        if (l == null) {
            return;
        }
        l.execute(() -> {
            stopping = true;
            cancelTimers();
            if (connection != null) {
                connection.close(1000, "benchmark step finished");
            }
        });
    }

    private void cancelTimers() {
        if (keepaliveTask != null) {
            keepaliveTask.cancel(false);
        }
        if (statusTask != null) {
            statusTask.cancel(false);
        }
    }
}
