package io.outpost.mapper.opcua.client;

import static org.eclipse.milo.opcua.stack.core.types.builtin.unsigned.Unsigned.uint;

import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.eclipse.milo.opcua.sdk.client.DiscoveryClient;
import org.eclipse.milo.opcua.sdk.client.OpcUaClient;
import org.eclipse.milo.opcua.sdk.client.OpcUaClientConfig;
import org.eclipse.milo.opcua.sdk.client.OpcUaClientConfigBuilder;
import org.eclipse.milo.opcua.sdk.client.SessionActivityListener;
import org.eclipse.milo.opcua.sdk.client.UaSession;
import org.eclipse.milo.opcua.sdk.client.identity.AnonymousProvider;
import org.eclipse.milo.opcua.sdk.client.identity.UsernameProvider;
import org.eclipse.milo.opcua.sdk.client.subscriptions.OpcUaMonitoredItem;
import org.eclipse.milo.opcua.sdk.client.subscriptions.OpcUaSubscription;
import org.eclipse.milo.opcua.stack.core.AttributeId;
import org.eclipse.milo.opcua.stack.core.NodeIds;
import org.eclipse.milo.opcua.stack.core.OpcUaDataType;
import org.eclipse.milo.opcua.stack.core.StatusCodes;
import org.eclipse.milo.opcua.stack.core.UaException;
import org.eclipse.milo.opcua.stack.core.security.SecurityPolicy;
import org.eclipse.milo.opcua.stack.core.types.builtin.DataValue;
import org.eclipse.milo.opcua.stack.core.types.builtin.LocalizedText;
import org.eclipse.milo.opcua.stack.core.types.builtin.NodeId;
import org.eclipse.milo.opcua.stack.core.types.builtin.QualifiedName;
import org.eclipse.milo.opcua.stack.core.types.builtin.StatusCode;
import org.eclipse.milo.opcua.stack.core.types.builtin.Variant;
import org.eclipse.milo.opcua.stack.core.types.enumerated.BrowseDirection;
import org.eclipse.milo.opcua.stack.core.types.enumerated.BrowseResultMask;
import org.eclipse.milo.opcua.stack.core.types.enumerated.MessageSecurityMode;
import org.eclipse.milo.opcua.stack.core.types.enumerated.NodeClass;
import org.eclipse.milo.opcua.stack.core.types.enumerated.TimestampsToReturn;
import org.eclipse.milo.opcua.stack.core.types.structured.BrowseDescription;
import org.eclipse.milo.opcua.stack.core.types.structured.BrowsePath;
import org.eclipse.milo.opcua.stack.core.types.structured.BrowsePathResult;
import org.eclipse.milo.opcua.stack.core.types.structured.BrowseResult;
import org.eclipse.milo.opcua.stack.core.types.structured.EndpointDescription;
import org.eclipse.milo.opcua.stack.core.types.structured.ReadValueId;
import org.eclipse.milo.opcua.stack.core.types.structured.ReferenceDescription;
import org.eclipse.milo.opcua.stack.core.types.structured.RelativePath;
import org.eclipse.milo.opcua.stack.core.types.structured.RelativePathElement;
import org.eclipse.milo.opcua.stack.core.util.EndpointUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One OPC UA server, through Eclipse Milo's client: endpoint discovery, the secure channel and
 * session, reads, writes, browse, and one subscription with the monitored items asked for. Milo
 * keeps a connected session alive and reconnects it on its own; what is ours is the first
 * connection (retried with back-off on the scheduler given), re-creating the subscription when the
 * server lost it (a restarted server cannot transfer it), and turning every failure into a
 * {@link UaFailure} whose message says what happened and what to do.
 */
public final class UaConnection implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(UaConnection.class);

    /**
     * How to reach the server.
     *
     * @param url the discovery URL, {@code opc.tcp://host:port[/path]}
     * @param policy the security policy of the endpoint to use
     * @param mode the message security mode of the endpoint to use
     * @param userName empty for anonymous
     * @param password the user's password
     * @param timeoutMillis for connecting and for each request
     * @param keepAliveMillis how often an idle session is checked
     * @param publishingMillis the subscription's publishing interval
     */
    public record Settings(String url, SecurityPolicy policy, MessageSecurityMode mode, String userName, String password, int timeoutMillis,
            int keepAliveMillis, double publishingMillis) {
    }

    /**
     * A value to monitor: {@code key} comes back with every change.
     *
     * @param node the node, or null to find it by {@code browsePath} (see {@link #resolve})
     */
    public record Item(String key, NodeId node, String browsePath, double samplingMillis) {
    }

    /** What the connection reports on its own. Called on Milo's threads; must return quickly. */
    public interface Events {
        void online();

        void offline(UaFailure why);

        void value(String key, DataValue value);
    }

    /** A child found by {@link #browse}. */
    public record Reference(String nodeId, String browseName, String nodeClass) {
    }

    /** Supplies the gateway's certificate when a secure endpoint needs it (made on first use). */
    public interface IdentitySource {
        ClientIdentity get() throws java.io.IOException;
    }

    private final Settings settings;
    private final IdentitySource identity;
    private final TrustStore trust;
    private final Events events;
    private final ScheduledExecutorService scheduler;
    private final Map<NodeId, OpcUaDataType> types = new ConcurrentHashMap<>();
    private volatile OpcUaClient client;
    private volatile String rejection;
    private volatile boolean closed;
    private List<Item> items = List.of();
    private OpcUaSubscription subscription;
    private ScheduledFuture<?> retry;
    private long backoff;

    public UaConnection(Settings settings, IdentitySource identity, TrustStore trust, Events events, ScheduledExecutorService scheduler) {
        this.settings = settings;
        this.identity = identity;
        this.trust = trust;
        this.events = events;
        this.scheduler = scheduler;
    }

    /** Values to monitor once connected (and again after every reconnect). Call before {@link #start}. */
    public synchronized void monitor(List<Item> monitored) {
        items = List.copyOf(monitored);
    }

    /** Connects in the background, retrying with back-off (1 s doubling to 30 s) until connected or closed. */
    public void start() {
        scheduler.execute(this::attempt);
    }

    private void attempt() {
        if (closed) {
            return;
        }
        try {
            connect();
        } catch (UaFailure f) {
            events.offline(f);
            synchronized (this) {
                if (!closed) {
                    backoff = backoff == 0 ? 1000 : Math.min(30_000, backoff * 2);
                    retry = scheduler.schedule(this::attempt, backoff, TimeUnit.MILLISECONDS);
                }
            }
        }
    }

    public boolean connected() {
        return client != null;
    }

    /** Connects now if not connected; waits at most about twice the timeout. */
    public synchronized void connect() throws UaFailure {
        if (client != null) {
            return;
        }
        if (closed) {
            throw new UaFailure(UaFailure.Kind.UNREACHABLE, "the connection to " + settings.url + " is closed");
        }
        rejection = null;
        EndpointDescription endpoint = select(discover());
        if (settings.policy != SecurityPolicy.None) {
            // Checked here, on the certificate the endpoint description carries, before any secure
            // channel: a refusal inside Milo's handshake is logged by Milo at ERROR with a stack
            // trace on every retry. The handshake validates again (the same validator).
            checkServerCertificate(endpoint);
        }
        OpcUaClient c = null;
        try {
            OpcUaClientConfigBuilder b = OpcUaClientConfig.builder()
                    .setApplicationName(LocalizedText.english("Outpost gateway"))
                    .setProductUri("urn:outpost:mapper:opcua")
                    .setEndpoint(endpoint)
                    .setRequestTimeout(uint(settings.timeoutMillis))
                    .setKeepAliveInterval(uint(settings.keepAliveMillis))
                    .setKeepAliveTimeout(uint(settings.timeoutMillis))
                    .setCertificateValidator(trust.validator(settings.url, m -> rejection = m))
                    .setIdentityProvider(settings.userName.isEmpty() ? new AnonymousProvider()
                            : new UsernameProvider(settings.userName, settings.password));
            if (settings.policy != SecurityPolicy.None) {
                ClientIdentity id;
                try {
                    id = identity.get();
                } catch (java.io.IOException e) {
                    throw new UaFailure(UaFailure.Kind.SECURITY, e.getMessage(), e);
                }
                b.setKeyPair(id.keyPair()).setCertificate(id.certificate()).setCertificateChain(new java.security.cert.X509Certificate[] {id.certificate()})
                        .setApplicationUri(id.applicationUri());
            } else {
                b.setApplicationUri("urn:outpost:gateway:opcua");
            }
            c = OpcUaClient.create(b.build(), t -> t.setConnectTimeout(uint(settings.timeoutMillis)));
            c.connectAsync().get(2L * settings.timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (UaFailure f) {
            throw f;
        } catch (Exception e) {
            if (c != null) {
                c.disconnectAsync();
            }
            UaFailure f = classify(e, "connecting to " + settings.url);
            if (f.kind() == UaFailure.Kind.SECURITY && settings.userName.isEmpty() == false && rejection == null) {
                throw new UaFailure(f.kind(), f.getMessage() + " (check userName and the password file)", e);
            }
            throw f;
        }
        client = c;
        backoff = 0;
        c.addSessionActivityListener(new SessionActivityListener() {
            @Override
            public void onSessionActive(UaSession session) {
                events.online();
            }

            @Override
            public void onSessionInactive(UaSession session) {
                if (!closed) {
                    events.offline(new UaFailure(UaFailure.Kind.UNREACHABLE, "the session with " + settings.url + " was lost; reconnecting"));
                }
            }
        });
        if (!items.isEmpty()) {
            subscribe();
        }
        events.online();
    }

    private List<EndpointDescription> discover() throws UaFailure {
        try {
            CompletableFuture<List<EndpointDescription>> f = DiscoveryClient.getEndpoints(settings.url,
                    t -> t.setConnectTimeout(uint(settings.timeoutMillis)));
            return f.get(2L * settings.timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            throw classify(e, "discovering the endpoints of " + settings.url);
        }
    }

    private void checkServerCertificate(EndpointDescription endpoint) throws UaFailure {
        List<java.security.cert.X509Certificate> chain = List.of();
        var der = endpoint.getServerCertificate();
        if (der != null && !der.isNull() && der.length() > 0) {
            try {
                chain = org.eclipse.milo.opcua.stack.core.util.CertificateUtil.decodeCertificates(der.bytesOrEmpty());
            } catch (UaException e) {
                throw new UaFailure(UaFailure.Kind.SECURITY, "the server at " + settings.url + " announces a certificate that cannot be read: "
                        + e.getMessage());
            }
        }
        try {
            trust.validate(settings.url, chain, m -> rejection = m);
        } catch (UaException e) {
            throw new UaFailure(UaFailure.Kind.SECURITY, e.getMessage());
        }
    }

    private EndpointDescription select(List<EndpointDescription> endpoints) throws UaFailure {
        for (EndpointDescription e : endpoints) {
            if (settings.policy.getUri().equals(e.getSecurityPolicyUri()) && e.getSecurityMode() == settings.mode) {
                // Servers often announce a host name the gateway cannot resolve: keep the one configured.
                return EndpointUtil.updateUrl(e, EndpointUtil.getHost(settings.url), EndpointUtil.getPort(settings.url));
            }
        }
        String offered = endpoints.stream().map(e -> policyName(e.getSecurityPolicyUri()) + "/" + e.getSecurityMode())
                .distinct().collect(Collectors.joining(", "));
        throw new UaFailure(UaFailure.Kind.CONFIG, "the server at " + settings.url + " has no endpoint with securityPolicy "
                + settings.policy.name() + " and securityMode " + settings.mode + "; it offers " + (offered.isEmpty() ? "none" : offered));
    }

    private static String policyName(String uri) {
        return SecurityPolicy.fromUriSafe(uri).map(Enum::name).orElse(uri);
    }

    private OpcUaClient client() throws UaFailure {
        OpcUaClient c = client;
        if (c == null) {
            connect();
            c = client;
        }
        return c;
    }

    /** Reads the values of several nodes in one request. */
    public List<DataValue> read(List<NodeId> nodes) throws UaFailure {
        OpcUaClient c = client();
        try {
            return c.readValuesAsync(0.0, TimestampsToReturn.Source, nodes).get(settings.timeoutMillis + 1000L, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            throw classify(e, "reading from " + settings.url);
        }
    }

    /**
     * Writes a value given as text, converted to the node's type (that of its current value, else
     * its DataType attribute).
     *
     * @throws UaFailure CONFIG when the text does not fit the node's type or the server says so
     */
    public void write(NodeId node, String text) throws UaFailure {
        OpcUaClient c = client();
        OpcUaDataType type = types.get(node);
        if (type == null) {
            type = typeOf(c, node);
            types.put(node, type);
        }
        Object value;
        try {
            value = Values.parse(text, type);
        } catch (IllegalArgumentException e) {
            throw new UaFailure(UaFailure.Kind.CONFIG, "node " + node.toParseableString() + " holds " + type + ": " + e.getMessage());
        }
        StatusCode sc;
        try {
            sc = c.writeValuesAsync(List.of(node), List.of(DataValue.valueOnly(new Variant(value)))).get(settings.timeoutMillis + 1000L,
                    TimeUnit.MILLISECONDS).get(0);
        } catch (Exception e) {
            throw classify(e, "writing to " + settings.url);
        }
        if (sc.isBad()) {
            types.remove(node);
            throw failureOf(sc, "writing " + type + " " + text + " to node " + node.toParseableString());
        }
    }

    private OpcUaDataType typeOf(OpcUaClient c, NodeId node) throws UaFailure {
        try {
            DataValue[] results = c.readAsync(0.0, TimestampsToReturn.Neither, List.of(
                    new ReadValueId(node, AttributeId.Value.uid(), null, QualifiedName.NULL_VALUE),
                    new ReadValueId(node, AttributeId.DataType.uid(), null, QualifiedName.NULL_VALUE)))
                    .get(settings.timeoutMillis + 1000L, TimeUnit.MILLISECONDS).getResults();
            List<DataValue> v = results == null ? List.of() : List.of(results);
            if (v.size() < 2) {
                throw new UaFailure(UaFailure.Kind.DEVICE, "the server gave no answer for node " + node.toParseableString());
            }
            if (v.get(0).getStatusCode() != null && v.get(0).getStatusCode().isBad() && v.get(1).getStatusCode() != null
                    && v.get(1).getStatusCode().isBad()) {
                throw failureOf(v.get(0).getStatusCode(), "reading node " + node.toParseableString());
            }
            OpcUaDataType t = Values.typeOf(v.get(0).getValue().getValue());
            if (t == null && v.get(1).getValue().getValue() instanceof NodeId dt) {
                for (OpcUaDataType candidate : OpcUaDataType.values()) {
                    if (candidate.getNodeId().equals(dt)) {
                        t = candidate;
                    }
                }
            }
            if (t == null) {
                throw new UaFailure(UaFailure.Kind.CONFIG, "node " + node.toParseableString() + " has no value of a built-in scalar type "
                        + "(it may be an array or a structure): the mapper writes Boolean, integers, Float, Double, String, LocalizedText and DateTime");
            }
            return t;
        } catch (UaFailure f) {
            throw f;
        } catch (Exception e) {
            throw classify(e, "reading the type of node " + node.toParseableString());
        }
    }

    /** The children of a node (Objects and Variables, following hierarchical references). */
    public List<Reference> browse(NodeId node) throws UaFailure {
        OpcUaClient c = client();
        BrowseResult r;
        try {
            r = c.browseAsync(new BrowseDescription(node, BrowseDirection.Forward, NodeIds.HierarchicalReferences, true,
                    uint(NodeClass.Object.getValue() | NodeClass.Variable.getValue()), uint(BrowseResultMask.All.getValue())))
                    .get(settings.timeoutMillis + 1000L, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            throw classify(e, "browsing " + settings.url);
        }
        if (r.getStatusCode().isBad()) {
            throw failureOf(r.getStatusCode(), "browsing node " + node.toParseableString());
        }
        List<Reference> out = new ArrayList<>();
        ReferenceDescription[] refs = r.getReferences();
        for (ReferenceDescription d : refs == null ? new ReferenceDescription[0] : refs) {
            Optional<NodeId> id = d.getNodeId().toNodeId(c.getNamespaceTable());
            out.add(new Reference(id.map(NodeId::toParseableString).orElse(d.getNodeId().toParseableString()),
                    d.getBrowseName().toParseableString(), String.valueOf(d.getNodeClass())));
        }
        return out;
    }

    /**
     * Finds a node by its browse path from the Objects folder: browse names separated by
     * {@code /}, each optionally prefixed with its namespace index ({@code 2:Boiler/2:Temperature}).
     */
    public NodeId resolve(String path) throws UaFailure {
        OpcUaClient c = client();
        String[] parts = path.replaceFirst("^/", "").split("/");
        RelativePathElement[] els = new RelativePathElement[parts.length];
        for (int i = 0; i < parts.length; i++) {
            els[i] = new RelativePathElement(NodeIds.HierarchicalReferences, false, true, QualifiedName.parse(parts[i]));
        }
        BrowsePathResult r;
        try {
            r = c.translateBrowsePathsAsync(List.of(new BrowsePath(NodeIds.ObjectsFolder, new RelativePath(els))))
                    .get(settings.timeoutMillis + 1000L, TimeUnit.MILLISECONDS).getResults()[0];
        } catch (Exception e) {
            throw classify(e, "resolving browse path " + path + " on " + settings.url);
        }
        if (r.getStatusCode().isBad() || r.getTargets() == null || r.getTargets().length == 0) {
            throw new UaFailure(UaFailure.Kind.CONFIG, "browse path " + path + " names no node under Objects on " + settings.url + " ("
                    + statusName(r.getStatusCode()) + "): check browseName, or set nodeID");
        }
        return r.getTargets()[0].getTargetId().toNodeId(c.getNamespaceTable())
                .orElseThrow(() -> new UaFailure(UaFailure.Kind.CONFIG, "browse path " + path + " leads to another server"));
    }

    private synchronized void subscribe() {
        OpcUaClient c = client;
        if (c == null || closed) {
            return;
        }
        if (subscription != null) {
            c.removeSubscription(subscription);
            subscription = null;
        }
        OpcUaSubscription s = new OpcUaSubscription(c, settings.publishingMillis);
        s.setSubscriptionListener(new OpcUaSubscription.SubscriptionListener() {
            @Override
            public void onDataReceived(OpcUaSubscription sub, List<OpcUaMonitoredItem> its, List<DataValue> values) {
                for (int i = 0; i < its.size(); i++) {
                    Object key = its.get(i).getUserObject().orElse(null);
                    if (key instanceof String k) {
                        events.value(k, values.get(i));
                    }
                }
            }

            @Override
            public void onTransferFailed(OpcUaSubscription sub, StatusCode status) {
                // The server forgot the subscription (it restarted): make it again.
                LOG.info("{}: subscription lost ({}), creating it again", settings.url, statusName(status));
                scheduler.execute(UaConnection.this::subscribe);
            }

            @Override
            public void onWatchdogTimerElapsed(OpcUaSubscription sub) {
                LOG.debug("{}: no publish response within the keep-alive time", settings.url);
            }
        });
        try {
            s.create();
            List<OpcUaMonitoredItem> monitored = new ArrayList<>();
            List<String> bad = new ArrayList<>();
            for (Item it : items) {
                NodeId node = it.node();
                if (node == null) {
                    try {
                        node = resolve(it.browsePath());
                    } catch (UaFailure f) {
                        bad.add(it.key() + " (" + f.getMessage() + ")");
                        continue;
                    }
                }
                OpcUaMonitoredItem m = OpcUaMonitoredItem.newDataItem(node);
                m.setSamplingInterval(it.samplingMillis());
                m.setUserObject(it.key());
                monitored.add(m);
            }
            s.addMonitoredItems(monitored);
            s.createMonitoredItems();
            subscription = s;
            for (OpcUaMonitoredItem m : monitored) {
                StatusCode sc = m.getCreateResult().orElse(StatusCode.GOOD);
                if (sc.isBad()) {
                    bad.add(m.getUserObject().orElse("?") + " (node " + m.getReadValueId().getNodeId().toParseableString() + ": "
                            + statusName(sc) + ")");
                }
            }
            if (!bad.isEmpty()) {
                events.offline(new UaFailure(UaFailure.Kind.CONFIG, "the server refused to monitor " + String.join(", ", bad)
                        + ": check visitors.configData.nodeID"));
            }
        } catch (UaException e) {
            LOG.info("{}: creating the subscription failed: {}", settings.url, e.getMessage());
            events.offline(classify(e, "subscribing on " + settings.url));
            // Try again later: the session may come back.
            scheduler.schedule(this::subscribe, 5, TimeUnit.SECONDS);
        } catch (RuntimeException e) {
            LOG.warn("{}: creating the subscription failed: {}", settings.url, e.toString());
            scheduler.schedule(this::subscribe, 5, TimeUnit.SECONDS);
        }
    }

    @Override
    public void close() {
        OpcUaClient c;
        synchronized (this) {
            closed = true;
            if (retry != null) {
                retry.cancel(false);
            }
            c = client;
            client = null;
        }
        if (c != null) {
            try {
                c.disconnectAsync().get(settings.timeoutMillis, TimeUnit.MILLISECONDS);
            } catch (Exception e) {
                LOG.debug("{}: disconnect: {}", settings.url, e.toString());
            }
        }
    }

    /** A bad status from the server, as a failure of the right kind. */
    public static UaFailure failureOf(StatusCode sc, String doing) {
        long v = sc.getValue();
        long code = v & 0xFFFF0000L;
        String name = statusName(sc);
        if (code == StatusCodes.Bad_NodeIdUnknown || code == StatusCodes.Bad_NodeIdInvalid) {
            return new UaFailure(UaFailure.Kind.CONFIG, doing + ": the server has no such node (" + name + "); check visitors.configData.nodeID");
        }
        if (code == StatusCodes.Bad_TypeMismatch) {
            return new UaFailure(UaFailure.Kind.CONFIG, doing + ": the server refused the value's type (" + name + ")");
        }
        if (code == StatusCodes.Bad_NotWritable || code == StatusCodes.Bad_NotReadable) {
            return new UaFailure(UaFailure.Kind.CONFIG, doing + ": " + name + " (the node's access level does not allow it)");
        }
        if (code == StatusCodes.Bad_UserAccessDenied) {
            return new UaFailure(UaFailure.Kind.SECURITY, doing + ": " + name + " (the user may not do this)");
        }
        return new UaFailure(UaFailure.Kind.DEVICE, doing + ": " + name);
    }

    static String statusName(StatusCode sc) {
        if (sc == null) {
            return "no status";
        }
        return StatusCodes.lookup(sc.getValue()).map(a -> a[0]).orElse(String.format("0x%08X", sc.getValue()));
    }

    /** Any exception from Milo or the network as a failure of the right kind. */
    UaFailure classify(Throwable e, String doing) {
        String rejected = rejection;
        if (rejected != null) {
            return new UaFailure(UaFailure.Kind.SECURITY, rejected, e);
        }
        Throwable t = e;
        while ((t instanceof ExecutionException || t instanceof CompletionException) && t.getCause() != null) {
            t = t.getCause();
        }
        String hostPort = EndpointUtil.getHost(settings.url) + ":" + EndpointUtil.getPort(settings.url);
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof ConnectException || c instanceof NoRouteToHostException) {
                return new UaFailure(UaFailure.Kind.UNREACHABLE, "connection refused by " + hostPort + " (" + doing + ")", e);
            }
            if (c instanceof UnknownHostException) {
                return new UaFailure(UaFailure.Kind.UNREACHABLE, "unknown host " + EndpointUtil.getHost(settings.url) + ": check the url", e);
            }
            if (c instanceof TimeoutException || c instanceof SocketTimeoutException
                    || c.getClass().getSimpleName().equals("ConnectTimeoutException")) {
                return new UaFailure(UaFailure.Kind.TIMEOUT, "no answer from " + hostPort + " within " + settings.timeoutMillis + " ms (" + doing + ")", e);
            }
            if (c instanceof ClosedChannelException) {
                return new UaFailure(UaFailure.Kind.UNREACHABLE, "the connection to " + hostPort + " closed (" + doing + ")", e);
            }
            if (c instanceof UaException ua) {
                long code = ua.getStatusCode().getValue() & 0xFFFF0000L;
                String name = statusName(ua.getStatusCode());
                if (code == StatusCodes.Bad_Timeout || code == StatusCodes.Bad_RequestTimeout) {
                    return new UaFailure(UaFailure.Kind.TIMEOUT, "no answer from " + hostPort + " within " + settings.timeoutMillis + " ms (" + doing + ")", e);
                }
                if (code == StatusCodes.Bad_ConnectionRejected) {
                    // Milo's name for a TCP connection refused (nothing listens on the port).
                    return new UaFailure(UaFailure.Kind.UNREACHABLE, "connection refused by " + hostPort + " (" + doing + ")", e);
                }
                if (code == StatusCodes.Bad_ConnectionClosed || code == StatusCodes.Bad_SessionClosed
                        || code == StatusCodes.Bad_NotConnected || code == StatusCodes.Bad_ServerNotConnected
                        || code == StatusCodes.Bad_CommunicationError || code == StatusCodes.Bad_SecureChannelClosed
                        || code == StatusCodes.Bad_SessionIdInvalid || code == StatusCodes.Bad_TcpInternalError) {
                    return new UaFailure(UaFailure.Kind.UNREACHABLE, name + " from " + hostPort + " (" + doing + ")", e);
                }
                if (code == StatusCodes.Bad_SecurityChecksFailed || code == StatusCodes.Bad_CertificateUntrusted
                        || code == StatusCodes.Bad_CertificateInvalid || code == StatusCodes.Bad_CertificateUriInvalid
                        || code == StatusCodes.Bad_IdentityTokenInvalid || code == StatusCodes.Bad_IdentityTokenRejected
                        || code == StatusCodes.Bad_UserAccessDenied || code == StatusCodes.Bad_SecurityPolicyRejected
                        || code == StatusCodes.Bad_SecurityModeRejected || code == StatusCodes.Bad_CertificateTimeInvalid) {
                    return new UaFailure(UaFailure.Kind.SECURITY, name + " (" + doing + "): " + ua.getMessage(), e);
                }
                if (code == StatusCodes.Bad_NodeIdUnknown || code == StatusCodes.Bad_NodeIdInvalid) {
                    return new UaFailure(UaFailure.Kind.CONFIG, name + " (" + doing + ")", e);
                }
            }
        }
        return new UaFailure(UaFailure.Kind.DEVICE, doing + " failed: " + t, e);
    }
}
