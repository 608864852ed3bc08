package io.outpost.edge.bus.broker;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttConnectMessage;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttDecoder;
import io.netty.handler.codec.mqtt.MqttEncoder;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttIdentifierRejectedException;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttMessageIdAndPropertiesVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageIdVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttPubReplyMessageVariableHeader;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttReasonCodeAndPropertiesVariableHeader;
import io.netty.handler.codec.mqtt.MqttSubAckMessage;
import io.netty.handler.codec.mqtt.MqttSubAckPayload;
import io.netty.handler.codec.mqtt.MqttSubscribeMessage;
import io.netty.handler.codec.mqtt.MqttTopicSubscription;
import io.netty.handler.codec.mqtt.MqttUnacceptableProtocolVersionException;
import io.netty.handler.codec.mqtt.MqttUnsubAckMessage;
import io.netty.handler.codec.mqtt.MqttUnsubAckPayload;
import io.netty.handler.codec.mqtt.MqttUnsubscribeMessage;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A small MQTT broker (3.1.1 and 5) on Netty's MQTT codec, sized for a gateway: CONNECT with user
 * and password, SUBSCRIBE with + and #, PUBLISH QoS 0/1 (QoS 2 accepted inbound and delivered
 * at most QoS 1), retained messages, keepalive, will, and clean sessions only (a client that asks
 * for a persistent session gets a clean one and {@code sessionPresent=false}). Every packet is
 * capped in size, every client is rate-limited, and the {@link PublishPolicy} decides who may
 * publish where. It is also the gateway's own {@link Bus}: in-process publishers and listeners
 * use it without a socket.
 */
public final class MqttBroker implements Bus {
    private static final Logger LOG = LoggerFactory.getLogger(MqttBroker.class);
    /** MQTT 5 reason codes the broker sends. */
    static final byte RC_UNSPECIFIED = (byte) 0x80;
    static final byte RC_MALFORMED = (byte) 0x81;
    static final byte RC_PROTOCOL_ERROR = (byte) 0x82;
    static final byte RC_NOT_AUTHORIZED = (byte) 0x87;
    static final byte RC_KEEPALIVE_TIMEOUT = (byte) 0x8D;
    static final byte RC_SESSION_TAKEN_OVER = (byte) 0x8E;
    static final byte RC_FILTER_INVALID = (byte) 0x8F;
    static final byte RC_TOPIC_INVALID = (byte) 0x90;
    static final byte RC_PACKET_TOO_LARGE = (byte) 0x95;
    static final byte RC_QUOTA_EXCEEDED = (byte) 0x97;
    private static final int CONNECT_TIMEOUT_SECONDS = 10;
    /** QoS 1 messages sent to a client and not acknowledged yet; more wait in its queue. */
    private static final int MAX_INFLIGHT = 200;
    /** QoS 1 messages queued for a client; beyond this they are dropped (logged). */
    private static final int MAX_QUEUED = 10_000;
    /** A queue this long pauses the publishers feeding it, until it is down to half. */
    private static final int PAUSE_AT = 1_000;
    /** A client behind for this long without progress is stuck. */
    private static final long STUCK_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final int MAX_CLIENT_ID = 256;

    /** Counters, for logs, the shell and tests. */
    public record Stats(int clients, long received, long delivered, long refused, long dropped, long tooLarge, long malformed) {
    }

    private record Retained(byte[] payload, int qos) {
    }

    private record LocalSubscription(String filter, Listener listener) {
    }

    private record Queued(String topic, byte[] payload, boolean retain) {
    }

    private final BrokerSettings settings;
    private final Credentials credentials;
    private final PublishPolicy policy;
    private final NioEventLoopGroup group;
    private final Channel server;
    private final Map<String, Session> sessions = new ConcurrentHashMap<>();
    private final Map<String, Retained> retained = new ConcurrentHashMap<>();
    private final List<LocalSubscription> local = new CopyOnWriteArrayList<>();
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicLong received = new AtomicLong();
    private final AtomicLong delivered = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong tooLarge = new AtomicLong();
    private final AtomicLong malformed = new AtomicLong();

    private MqttBroker(BrokerSettings settings, Credentials credentials, PublishPolicy policy) throws InterruptedException {
        this.settings = settings;
        this.credentials = credentials;
        this.policy = policy;
        // One I/O thread accepts and serves every client: a gateway has tens of mappers, not thousands.
        this.group = new NioEventLoopGroup(1);
        try {
            ServerBootstrap b = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    // A subscriber that does not read gets its QoS 0 messages dropped, not buffered forever.
                    .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(64 * 1024, 512 * 1024))
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast("idle", new IdleStateHandler(CONNECT_TIMEOUT_SECONDS, 0, 0));
                            ch.pipeline().addLast("decoder", new MqttDecoder(settings.maxPacketBytes(), MAX_CLIENT_ID));
                            ch.pipeline().addLast("encoder", MqttEncoder.INSTANCE);
                            ch.pipeline().addLast("session", new Session());
                        }
                    });
            this.server = b.bind(settings.host(), settings.port()).sync().channel();
        } catch (InterruptedException | RuntimeException e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw e;
        }
    }

    /**
     * Starts a broker.
     *
     * @throws IllegalArgumentException when the listener would be open to the network without
     *     users: anything not on loopback requires authentication
     * @throws InterruptedException when interrupted while binding
     */
    public static MqttBroker start(BrokerSettings settings, Credentials credentials, PublishPolicy policy) throws InterruptedException {
        if (!settings.onLoopback() && !credentials.hasUsers()) {
            throw new IllegalArgumentException("the MQTT listener on " + settings.host() + " is not on loopback: configure users "
                    + "(users = [\"name:password\"]) or bind it to 127.0.0.1");
        }
        MqttBroker b = new MqttBroker(settings, credentials, policy);
        LOG.info("MQTT broker listening on {}", b.address());
        return b;
    }

    /** @return the address the broker listens on (with the real port when 0 was asked) */
    public InetSocketAddress address() {
        return (InetSocketAddress) server.localAddress();
    }

    /** @return current counters */
    public Stats stats() {
        return new Stats(sessions.size(), received.get(), delivered.get(), refused.get(), dropped.get(), tooLarge.get(), malformed.get());
    }

    @Override
    public void publish(String topic, byte[] payload, int qos, boolean retain) {
        String bad = Topics.checkName(topic);
        if (bad != null) {
            throw new IllegalArgumentException(bad + ": " + topic);
        }
        route(null, topic, payload, Math.min(1, Math.max(0, qos)), retain);
    }

    @Override
    public AutoCloseable subscribe(String filter, Listener listener) {
        String bad = Topics.checkFilter(filter);
        if (bad != null) {
            throw new IllegalArgumentException(bad + ": " + filter);
        }
        LocalSubscription s = new LocalSubscription(filter, listener);
        local.add(s);
        retained.forEach((t, r) -> {
            if (Topics.matches(filter, t)) {
                notify(s, t, r.payload());
            }
        });
        return () -> local.remove(s);
    }

    @Override
    public void close() {
        server.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        for (Session s : sessions.values()) {
            s.ctx.close();
        }
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        LOG.info("MQTT broker stopped");
    }

    private void route(Session source, String topic, byte[] payload, int qos, boolean retain) {
        if (retain) {
            if (payload.length == 0) {
                retained.remove(topic);
            } else if (retained.size() < settings.maxRetained() || retained.containsKey(topic)) {
                retained.put(topic, new Retained(payload, qos));
            } else {
                LOG.warn("not retaining a message on {}: {} retained messages is the limit (maxRetained)", topic, settings.maxRetained());
            }
        }
        for (Session s : sessions.values()) {
            int granted = s.grantedFor(topic);
            if (granted >= 0) {
                s.deliver(topic, payload, Math.min(qos, granted), false);
                if (source != null && s.congested()) {
                    s.pause(source);
                }
            }
        }
        for (LocalSubscription l : local) {
            if (Topics.matches(l.filter(), topic)) {
                notify(l, topic, payload);
            }
        }
    }

    private void notify(LocalSubscription l, String topic, byte[] payload) {
        try {
            l.listener().message(topic, payload);
            delivered.incrementAndGet();
        } catch (RuntimeException e) {
            LOG.warn("a listener on {} failed on a message to {}", l.filter(), topic, e);
        }
    }

    /** One client connection: its MQTT state lives on its channel's event loop. */
    private final class Session extends SimpleChannelInboundHandler<MqttMessage> {
        private ChannelHandlerContext ctx;
        private int version;
        private ClientIdentity who;
        private String clientId = "";
        private final Map<String, Integer> subscriptions = new ConcurrentHashMap<>();
        private final Set<Integer> inflight = new HashSet<>();
        private final ArrayDeque<Queued> queue = new ArrayDeque<>();
        /** The queue's length, readable from other threads. */
        private volatile int queued;
        /** When the client last acknowledged a QoS 1 message (or connected), System.nanoTime. */
        private volatile long ackedAt = System.nanoTime();
        /** When the socket's write buffer filled up (System.nanoTime), or 0 while it is writable. */
        private volatile long unwritableSince;
        /** Publishers paused because this client's queue is long. */
        private final Set<Session> pausedPublishers = ConcurrentHashMap.newKeySet();
        private final Set<Integer> qos2Received = new HashSet<>();
        private int nextPacketId = 1;
        private MqttPublishMessage will;
        private double tokens = settings.burst();
        private long refilledAt = System.nanoTime();
        private boolean counted;

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            connections.incrementAndGet();
            counted = true;
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (counted) {
                connections.decrementAndGet();
            }
            if (who != null && sessions.remove(clientId, this)) {
                LOG.info("MQTT client {} disconnected", who);
            }
            if (!queue.isEmpty()) {
                dropped.addAndGet(queue.size());
                queue.clear();
                queued = 0;
            }
            resumePublishers();
            MqttPublishMessage w = will;
            will = null;
            if (w != null) {
                byte[] payload = bytes(w.payload());
                w.release();
                route(null, w.variableHeader().topicName(), payload, Math.min(1, w.fixedHeader().qosLevel().value()), w.fixedHeader().isRetain());
            }
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (ctx.channel().isWritable()) {
                unwritableSince = 0;
                resumePublishers();
            } else {
                unwritableSince = System.nanoTime();
            }
            ctx.fireChannelWritabilityChanged();
        }

        /**
         * @return whether publishers feeding this client should wait: it is behind but moving (it
         *     acknowledged within the last second, or its socket filled up less than a second ago).
         *     A client that is behind and not moving is stuck: its messages are queued up to the
         *     limit and then dropped, and nobody waits for it.
         */
        boolean congested() {
            long now = System.nanoTime();
            long since = unwritableSince;
            if (since != 0) {
                return now - since < STUCK_NANOS;
            }
            int q = queued;
            return q >= PAUSE_AT && q < MAX_QUEUED && now - ackedAt < STUCK_NANOS;
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof IdleStateEvent) {
                LOG.info("MQTT client {} closed: {}", who == null ? remote() : who, who == null ? "no CONNECT within "
                        + CONNECT_TIMEOUT_SECONDS + " s" : "silent for 1.5 keepalive periods");
                disconnect(RC_KEEPALIVE_TIMEOUT);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            LOG.debug("MQTT connection {} failed", remote(), cause);
            ctx.close();
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, MqttMessage msg) {
            if (msg.decoderResult().isFailure()) {
                badPacket(msg.decoderResult().cause());
                return;
            }
            MqttMessageType type = msg.fixedHeader().messageType();
            if (who == null && type != MqttMessageType.CONNECT) {
                protocolError("the first packet must be CONNECT, not " + type);
                return;
            }
            switch (type) {
                case CONNECT -> connect((MqttConnectMessage) msg);
                case PUBLISH -> publish((MqttPublishMessage) msg);
                case PUBACK -> {
                    ackedAt = System.nanoTime();
                    inflight.remove(((MqttMessageIdVariableHeader) msg.variableHeader()).messageId());
                    drainQueue();
                }
                case PUBREL -> {
                    int id = ((MqttMessageIdVariableHeader) msg.variableHeader()).messageId();
                    qos2Received.remove(id);
                    ctx.writeAndFlush(reply(MqttMessageType.PUBCOMP, id, (byte) 0));
                }
                case PUBREC, PUBCOMP -> {
                    // The broker never sends QoS 2, so these answer nothing of ours: ignore.
                }
                case SUBSCRIBE -> subscribe((MqttSubscribeMessage) msg);
                case UNSUBSCRIBE -> unsubscribe((MqttUnsubscribeMessage) msg);
                case PINGREQ -> ctx.writeAndFlush(MqttMessage.PINGRESP);
                case DISCONNECT -> {
                    will = release(will);
                    ctx.close();
                }
                default -> protocolError(type + " is not accepted from a client");
            }
        }

        private void connect(MqttConnectMessage m) {
            if (who != null) {
                protocolError("a second CONNECT on the same connection");
                return;
            }
            version = m.variableHeader().version();
            String id = m.payload().clientIdentifier() == null ? "" : m.payload().clientIdentifier();
            MqttProperties props = new MqttProperties();
            if (id.isEmpty()) {
                if (version < 5 && !m.variableHeader().isCleanSession()) {
                    refuseConnect(MqttConnectReturnCode.CONNECTION_REFUSED_IDENTIFIER_REJECTED, "an empty client id needs a clean session");
                    return;
                }
                id = "auto-" + UUID.randomUUID();
                props.add(new MqttProperties.StringProperty(MqttProperties.MqttPropertyType.ASSIGNED_CLIENT_IDENTIFIER.value(), id));
            }
            String user = m.variableHeader().hasUserName() ? m.payload().userName() : null;
            byte[] pass = m.variableHeader().hasPassword() ? m.payload().passwordInBytes() : null;
            InetSocketAddress remote = (InetSocketAddress) ctx.channel().remoteAddress();
            var identity = credentials.authenticate(id, user, pass, remote == null ? null : remote.getAddress());
            if (identity.isEmpty()) {
                LOG.warn("MQTT client {} from {} refused: {}", id, remote(), user == null ? "no user name (anonymous clients are allowed only on loopback, if at all)" : "wrong user name or password");
                refused.incrementAndGet();
                refuseConnect(version >= 5 ? MqttConnectReturnCode.CONNECTION_REFUSED_BAD_USERNAME_OR_PASSWORD
                        : user == null ? MqttConnectReturnCode.CONNECTION_REFUSED_NOT_AUTHORIZED
                        : MqttConnectReturnCode.CONNECTION_REFUSED_BAD_USER_NAME_OR_PASSWORD, null);
                return;
            }
            if (sessions.size() >= settings.maxClients() && !sessions.containsKey(id)) {
                LOG.warn("MQTT client {} refused: {} clients is the limit (maxClients)", id, settings.maxClients());
                refuseConnect(version >= 5 ? MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_BUSY
                        : MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_UNAVAILABLE, null);
                return;
            }
            if (m.variableHeader().isWillFlag()) {
                String wt = m.payload().willTopic();
                String bad = Topics.checkName(wt);
                String no = bad != null ? bad : policy.refusal(identity.get(), wt);
                if (no != null) {
                    LOG.warn("MQTT client {} refused: its will topic {}: {}", id, wt, no);
                    refused.incrementAndGet();
                    refuseConnect(version >= 5 ? MqttConnectReturnCode.CONNECTION_REFUSED_NOT_AUTHORIZED_5
                            : MqttConnectReturnCode.CONNECTION_REFUSED_NOT_AUTHORIZED, no);
                    return;
                }
                byte[] wp = m.payload().willMessageInBytes();
                will = MqttMessageBuilders.publish().topicName(wt).qos(MqttQoS.valueOf(m.variableHeader().willQos()))
                        .retained(m.variableHeader().isWillRetain()).payload(Unpooled.wrappedBuffer(wp == null ? new byte[0] : wp)).build();
            }
            who = identity.get();
            clientId = id;
            Session old = sessions.put(id, this);
            if (old != null) {
                LOG.info("MQTT client {} connected again: closing its previous connection", id);
                old.ctx.channel().eventLoop().execute(() -> old.disconnect(RC_SESSION_TAKEN_OVER));
            }
            int keepAlive = m.variableHeader().keepAliveTimeSeconds();
            ctx.pipeline().replace("idle", "idle", new IdleStateHandler(keepAlive > 0 ? keepAlive * 3L / 2 + 1 : 0, 0, 0, TimeUnit.SECONDS));
            if (version >= 5) {
                props.add(new MqttProperties.IntegerProperty(MqttProperties.MqttPropertyType.MAXIMUM_PACKET_SIZE.value(), settings.maxPacketBytes()));
                props.add(new MqttProperties.IntegerProperty(MqttProperties.MqttPropertyType.TOPIC_ALIAS_MAXIMUM.value(), 0));
            }
            MqttConnAckMessage ack = MqttMessageBuilders.connAck().returnCode(MqttConnectReturnCode.CONNECTION_ACCEPTED).sessionPresent(false)
                    .properties(version >= 5 ? props : MqttProperties.NO_PROPERTIES).build();
            ctx.writeAndFlush(ack);
            LOG.info("MQTT client {} connected from {} (MQTT {})", who, remote(), version >= 5 ? "5" : "3.1.1");
        }

        private void publish(MqttPublishMessage m) {
            received.incrementAndGet();
            throttle();
            String topic = m.variableHeader().topicName();
            int qos = m.fixedHeader().qosLevel().value();
            int id = m.variableHeader().packetId();
            String bad = Topics.checkName(topic);
            if (bad != null) {
                LOG.warn("MQTT client {} sent a PUBLISH with a bad topic '{}': {}", who, topic, bad);
                malformed.incrementAndGet();
                disconnect(RC_TOPIC_INVALID);
                return;
            }
            String no = policy.refusal(who, topic);
            if (no != null) {
                refused.incrementAndGet();
                LOG.warn("MQTT client {} may not publish to {}: {}", who, topic, no);
                if (version >= 5) {
                    if (qos == 0) {
                        // MQTT 5 has no negative answer to QoS 0 but DISCONNECT; a silent drop would hide the mistake.
                        disconnect(RC_NOT_AUTHORIZED);
                    } else {
                        ctx.writeAndFlush(reply(qos == 1 ? MqttMessageType.PUBACK : MqttMessageType.PUBREC, id, RC_NOT_AUTHORIZED, no));
                    }
                } else if (qos > 0) {
                    // MQTT 3.1.1 cannot refuse a PUBLISH: acknowledge it (or the client retries forever) and drop it.
                    ctx.writeAndFlush(reply(qos == 1 ? MqttMessageType.PUBACK : MqttMessageType.PUBREC, id, (byte) 0));
                }
                return;
            }
            boolean duplicate = qos == 2 && !qos2Received.add(id);
            if (!duplicate) {
                route(this, topic, bytes(m.payload()), Math.min(qos, 1), m.fixedHeader().isRetain());
            }
            if (qos == 1) {
                ctx.writeAndFlush(reply(MqttMessageType.PUBACK, id, (byte) 0));
            } else if (qos == 2) {
                ctx.writeAndFlush(reply(MqttMessageType.PUBREC, id, (byte) 0));
            }
        }

        /** Token bucket: a client above its rate is read less often, so it slows itself, not the others. */
        private void throttle() {
            long now = System.nanoTime();
            tokens = Math.min(settings.burst(), tokens + (now - refilledAt) / 1e9 * settings.messagesPerSecond());
            refilledAt = now;
            tokens -= 1;
            if (tokens < 0 && ctx.channel().config().isAutoRead()) {
                long waitMicros = (long) (-tokens / settings.messagesPerSecond() * 1e6) + 1;
                ctx.channel().config().setAutoRead(false);
                ctx.executor().schedule(() -> {
                    ctx.channel().config().setAutoRead(true);
                }, waitMicros, TimeUnit.MICROSECONDS);
            }
        }

        private void subscribe(MqttSubscribeMessage m) {
            List<Integer> codes = new ArrayList<>();
            List<String> added = new ArrayList<>();
            for (MqttTopicSubscription s : m.payload().topicSubscriptions()) {
                String f = s.topicFilter();
                String bad = Topics.checkFilter(f);
                String no = bad != null ? bad : policy.subscribeRefusal(who, f);
                if (no != null) {
                    LOG.warn("MQTT client {} may not subscribe to {}: {}", who, f, no);
                    refused.incrementAndGet();
                    codes.add(version >= 5 ? (bad != null ? RC_FILTER_INVALID : RC_NOT_AUTHORIZED) & 0xff : 0x80);
                } else if (subscriptions.size() >= settings.maxSubscriptions() && !subscriptions.containsKey(f)) {
                    LOG.warn("MQTT client {} may not subscribe to {}: {} subscriptions is the limit", who, f, settings.maxSubscriptions());
                    codes.add(version >= 5 ? RC_QUOTA_EXCEEDED & 0xff : 0x80);
                } else {
                    int q = Math.min(1, s.qualityOfService().value());
                    subscriptions.put(f, q);
                    codes.add(q);
                    added.add(f);
                }
            }
            int id = m.idAndPropertiesVariableHeader().messageId();
            ctx.writeAndFlush(new MqttSubAckMessage(new MqttFixedHeader(MqttMessageType.SUBACK, false, MqttQoS.AT_MOST_ONCE, false, 0),
                    new MqttMessageIdAndPropertiesVariableHeader(id, MqttProperties.NO_PROPERTIES), new MqttSubAckPayload(codes)));
            for (String f : added) {
                int q = subscriptions.getOrDefault(f, 0);
                retained.forEach((t, r) -> {
                    if (Topics.matches(f, t)) {
                        deliver(t, r.payload(), Math.min(q, r.qos()), true);
                    }
                });
            }
        }

        private void unsubscribe(MqttUnsubscribeMessage m) {
            List<Short> codes = new ArrayList<>();
            for (String f : m.payload().topics()) {
                codes.add(subscriptions.remove(f) != null ? (short) 0 : (short) 0x11);
            }
            int id = m.idAndPropertiesVariableHeader().messageId();
            ctx.writeAndFlush(new MqttUnsubAckMessage(new MqttFixedHeader(MqttMessageType.UNSUBACK, false, MqttQoS.AT_MOST_ONCE, false, 0),
                    new MqttMessageIdAndPropertiesVariableHeader(id, MqttProperties.NO_PROPERTIES), new MqttUnsubAckPayload(codes)));
        }

        /** @return the highest QoS of this client's subscriptions matching the topic, or -1 */
        int grantedFor(String topic) {
            int best = -1;
            for (Map.Entry<String, Integer> e : subscriptions.entrySet()) {
                if (e.getValue() > best && Topics.matches(e.getKey(), topic)) {
                    best = e.getValue();
                }
            }
            return best;
        }

        void deliver(String topic, byte[] payload, int qos, boolean retain) {
            if (!ctx.executor().inEventLoop()) {
                ctx.executor().execute(() -> deliver(topic, payload, qos, retain));
                return;
            }
            Channel ch = ctx.channel();
            if (!ch.isActive() || who == null) {
                return;
            }
            if (payload.length + topic.length() + 16 > settings.maxPacketBytes()) {
                dropped.incrementAndGet();
                LOG.debug("not sending {} bytes on {} to {}: larger than the packet limit", payload.length, topic, who);
                return;
            }
            int id = 0;
            if (qos > 0) {
                if (inflight.size() >= MAX_INFLIGHT || !queue.isEmpty()) {
                    if (queue.size() >= MAX_QUEUED) {
                        dropped.incrementAndGet();
                        LOG.debug("MQTT client {} has {} messages waiting: dropping one on {}", who, MAX_QUEUED, topic);
                    } else {
                        queue.addLast(new Queued(topic, payload, retain));
                        queued = queue.size();
                    }
                    return;
                }
                id = nextId();
                inflight.add(id);
            } else if (!ch.isWritable()) {
                dropped.incrementAndGet();
                return;
            }
            send(topic, payload, qos, retain, id);
        }

        private void drainQueue() {
            Queued q;
            while (inflight.size() < MAX_INFLIGHT && (q = queue.pollFirst()) != null) {
                int id = nextId();
                inflight.add(id);
                send(q.topic(), q.payload(), 1, q.retain(), id);
            }
            queued = queue.size();
            if (queued < PAUSE_AT / 2 && ctx.channel().isWritable()) {
                resumePublishers();
            }
        }

        /** Stops reading from a publisher that feeds this client faster than it acknowledges. */
        void pause(Session publisher) {
            if (publisher == this || !pausedPublishers.add(publisher)) {
                return;
            }
            publisher.ctx.channel().config().setAutoRead(false);
            // The queue may have drained while the publisher was added: look again. And never wait
            // longer than a second for a slow client.
            if (queued < PAUSE_AT / 2 && ctx.channel().isWritable()) {
                ctx.executor().execute(this::resumePublishers);
            }
            ctx.executor().schedule(() -> {
                if (pausedPublishers.remove(publisher)) {
                    publisher.ctx.channel().config().setAutoRead(true);
                }
            }, 1, TimeUnit.SECONDS);
        }

        private void resumePublishers() {
            for (Session p : pausedPublishers) {
                pausedPublishers.remove(p);
                p.ctx.channel().config().setAutoRead(true);
            }
        }

        private void send(String topic, byte[] payload, int qos, boolean retain, int id) {
            Channel ch = ctx.channel();
            ByteBuf buf = Unpooled.wrappedBuffer(payload);
            ch.writeAndFlush(MqttMessageBuilders.publish().topicName(topic).qos(MqttQoS.valueOf(qos)).retained(retain).messageId(id)
                    .payload(buf).build(), ch.voidPromise());
            delivered.incrementAndGet();
        }

        private int nextId() {
            for (int i = 0; i < 65535; i++) {
                int id = nextPacketId;
                nextPacketId = nextPacketId == 65535 ? 1 : nextPacketId + 1;
                if (!inflight.contains(id)) {
                    return id;
                }
            }
            throw new IllegalStateException("no free packet id");
        }

        private void badPacket(Throwable cause) {
            if (cause instanceof MqttUnacceptableProtocolVersionException) {
                malformed.incrementAndGet();
                refuseConnect(MqttConnectReturnCode.CONNECTION_REFUSED_UNACCEPTABLE_PROTOCOL_VERSION, null);
                LOG.warn("MQTT connection from {} refused: {}", remote(), cause.getMessage());
                return;
            }
            if (cause instanceof MqttIdentifierRejectedException) {
                malformed.incrementAndGet();
                refuseConnect(MqttConnectReturnCode.CONNECTION_REFUSED_IDENTIFIER_REJECTED, null);
                LOG.warn("MQTT connection from {} refused: {}", remote(), cause.getMessage());
                return;
            }
            boolean large = cause instanceof TooLongFrameException;
            (large ? tooLarge : malformed).incrementAndGet();
            LOG.warn("MQTT client {} closed: {}", who == null ? remote() : who, large
                    ? "a packet larger than " + settings.maxPacketBytes() + " bytes (maxPacketBytes)" : "malformed packet: " + cause.getMessage());
            disconnect(large ? RC_PACKET_TOO_LARGE : RC_MALFORMED);
        }

        private void protocolError(String what) {
            malformed.incrementAndGet();
            LOG.warn("MQTT client {} closed: {}", who == null ? remote() : who, what);
            disconnect(RC_PROTOCOL_ERROR);
        }

        private void refuseConnect(MqttConnectReturnCode code, String reason) {
            MqttProperties p = new MqttProperties();
            if (reason != null && version >= 5) {
                p.add(new MqttProperties.StringProperty(MqttProperties.MqttPropertyType.REASON_STRING.value(), reason));
            }
            ctx.writeAndFlush(MqttMessageBuilders.connAck().returnCode(code).sessionPresent(false).properties(p).build())
                    .addListener(ChannelFutureListener.CLOSE);
        }

        /** Closes the connection; MQTT 5 clients are told why first. The will is published (not a clean DISCONNECT). */
        private void disconnect(byte reason) {
            if (version >= 5 && who != null && ctx.channel().isActive()) {
                ctx.writeAndFlush(new MqttMessage(new MqttFixedHeader(MqttMessageType.DISCONNECT, false, MqttQoS.AT_MOST_ONCE, false, 0),
                        new MqttReasonCodeAndPropertiesVariableHeader(reason, MqttProperties.NO_PROPERTIES))).addListener(ChannelFutureListener.CLOSE);
            } else {
                ctx.close();
            }
        }

        private MqttMessage reply(MqttMessageType type, int id, byte reason) {
            return reply(type, id, reason, null);
        }

        private MqttMessage reply(MqttMessageType type, int id, byte reason, String why) {
            MqttQoS q = type == MqttMessageType.PUBREL ? MqttQoS.AT_LEAST_ONCE : MqttQoS.AT_MOST_ONCE;
            MqttFixedHeader fh = new MqttFixedHeader(type, false, q, false, 0);
            if (version >= 5) {
                MqttProperties p = new MqttProperties();
                if (why != null) {
                    p.add(new MqttProperties.StringProperty(MqttProperties.MqttPropertyType.REASON_STRING.value(), why));
                }
                return new MqttMessage(fh, new MqttPubReplyMessageVariableHeader(id, reason, p));
            }
            return new MqttMessage(fh, MqttMessageIdVariableHeader.from(id));
        }

        private String remote() {
            return String.valueOf(ctx.channel().remoteAddress());
        }
    }

    private static MqttPublishMessage release(MqttPublishMessage m) {
        if (m != null) {
            m.release();
        }
        return null;
    }

    private static byte[] bytes(ByteBuf b) {
        byte[] out = new byte[b.readableBytes()];
        b.getBytes(b.readerIndex(), out);
        return out;
    }
}
