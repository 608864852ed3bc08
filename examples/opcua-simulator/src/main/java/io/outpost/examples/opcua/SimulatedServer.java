package io.outpost.examples.opcua;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.eclipse.milo.opcua.sdk.core.AccessLevel;
import org.eclipse.milo.opcua.sdk.core.Reference;
import org.eclipse.milo.opcua.sdk.server.EndpointConfig;
import org.eclipse.milo.opcua.sdk.server.ManagedNamespaceWithLifecycle;
import org.eclipse.milo.opcua.sdk.server.OpcUaServer;
import org.eclipse.milo.opcua.sdk.server.OpcUaServerConfig;
import org.eclipse.milo.opcua.sdk.server.OpcUaServerConfigBuilder;
import org.eclipse.milo.opcua.sdk.server.identity.AnonymousIdentityValidator;
import org.eclipse.milo.opcua.sdk.server.identity.CompositeValidator;
import org.eclipse.milo.opcua.sdk.server.identity.UsernameIdentityValidator;
import org.eclipse.milo.opcua.sdk.server.items.DataItem;
import org.eclipse.milo.opcua.sdk.server.items.MonitoredItem;
import org.eclipse.milo.opcua.sdk.server.nodes.UaFolderNode;
import org.eclipse.milo.opcua.sdk.server.nodes.UaVariableNode;
import org.eclipse.milo.opcua.sdk.server.util.SubscriptionModel;
import org.eclipse.milo.opcua.stack.core.NodeIds;
import org.eclipse.milo.opcua.stack.core.OpcUaDataType;
import org.eclipse.milo.opcua.stack.core.security.DefaultApplicationGroup;
import org.eclipse.milo.opcua.stack.core.security.DefaultCertificateManager;
import org.eclipse.milo.opcua.stack.core.security.MemoryCertificateQuarantine;
import org.eclipse.milo.opcua.stack.core.security.MemoryCertificateStore;
import org.eclipse.milo.opcua.stack.core.security.MemoryTrustListManager;
import org.eclipse.milo.opcua.stack.core.security.RsaSha256CertificateFactory;
import org.eclipse.milo.opcua.stack.core.security.SecurityPolicy;
import org.eclipse.milo.opcua.stack.core.types.builtin.DataValue;
import org.eclipse.milo.opcua.stack.core.types.builtin.LocalizedText;
import org.eclipse.milo.opcua.stack.core.types.builtin.NodeId;
import org.eclipse.milo.opcua.stack.core.types.builtin.Variant;
import org.eclipse.milo.opcua.stack.core.types.enumerated.MessageSecurityMode;
import org.eclipse.milo.opcua.stack.core.util.SelfSignedCertificateBuilder;
import org.eclipse.milo.opcua.stack.core.util.SelfSignedCertificateGenerator;
import org.eclipse.milo.opcua.stack.transport.server.tcp.OpcTcpServerTransport;
import org.eclipse.milo.opcua.stack.transport.server.tcp.OpcTcpServerTransportConfig;

/**
 * A simulated OPC UA server (Eclipse Milo's server SDK): one folder under Objects holding writable
 * variables, each with a string or numeric node id in the simulator's own namespace. The boiler
 * example, the OPC UA mapper's integration tests, the device manager's integration tests and the
 * OPC UA benchmark all build their server with this class, so the Milo server setup lives in one
 * place.
 *
 * <pre>
 * SimulatedServer s = SimulatedServer.builder("urn:example:plant", "Plant")
 *         .variable("Temperature", 21.5).secure(true).build().start();
 * s.url();                 // opc.tcp://127.0.0.1:&lt;port&gt;/outpost
 * s.set("Temperature", 30.0);
 * s.restart();             // same port and certificate, current values kept
 * </pre>
 *
 * <p>Endpoints: always None/None; with {@link Builder#secure} also Basic256Sha256 Sign and
 * SignAndEncrypt with a self-signed certificate made once and kept across restarts. Identities:
 * anonymous, and user/password for each {@link Builder#user}. A secure server accepts every client
 * certificate: it simulates a device, whose own trust decisions are not what is tested.
 *
 * <p>Thread-safe for {@link #set}/{@link #get}; {@link #start}, {@link #restart} and
 * {@link #close} are meant to be called from one thread.
 */
public final class SimulatedServer implements AutoCloseable {
    /** One variable: its node id (a String or an Integer identifier) and its value now. */
    private record Variable(Object id, double minSamplingMillis) {
    }

    private final Builder b;
    private final int port;
    private final Map<String, Variable> declared;
    private final Map<String, Object> values = new ConcurrentHashMap<>();
    private KeyPair keyPair;
    private X509Certificate certificate;
    private OpcUaServer server;
    private Space space;

    private SimulatedServer(Builder b, int port) {
        this.b = b;
        this.port = port;
        this.declared = new LinkedHashMap<>(b.variables);
        this.values.putAll(b.initial);
    }

    /**
     * @param namespaceUri the URI of the simulator's namespace (it gets index 2: 0 is OPC UA's,
     *     1 the server's own)
     * @param folder the browse name of the folder under Objects that holds the variables
     */
    public static Builder builder(String namespaceUri, String folder) {
        return new Builder(namespaceUri, folder);
    }

    public static final class Builder {
        private final String namespaceUri;
        private final String folder;
        private final Map<String, Variable> variables = new LinkedHashMap<>();
        private final Map<String, Object> initial = new LinkedHashMap<>();
        private final Map<String, String> users = new LinkedHashMap<>();
        private String bindAddress = "127.0.0.1";
        private String hostname = "127.0.0.1";
        private int port;
        private String path = "/outpost";
        private String applicationUri = "urn:outpost:simulator";
        private String applicationName = "Outpost OPC UA simulator";
        private boolean secure;

        private Builder(String namespaceUri, String folder) {
            this.namespaceUri = namespaceUri;
            this.folder = folder;
        }

        /** A variable with the node id {@code s=<name>}; its data type follows the value's class. */
        public Builder variable(String name, Object value) {
            return variable(name, name, value, 10.0);
        }

        /**
         * @param name what {@link SimulatedServer#set} and {@link SimulatedServer#get} call it;
         *     also its browse and display name unless the id says otherwise
         * @param id the node id's identifier: a String or an Integer
         * @param value the initial value (Double, Float, Integer, Boolean, String, …)
         * @param minSamplingMillis the fastest sampling the server offers for it
         */
        public Builder variable(String name, Object id, Object value, double minSamplingMillis) {
            if (!(id instanceof String) && !(id instanceof Integer)) {
                throw new IllegalArgumentException("a node id is a String or an Integer, not " + id.getClass().getName());
            }
            variables.put(name, new Variable(id, minSamplingMillis));
            initial.put(name, value);
            return this;
        }

        /** Port 0 (the default) picks a free one. */
        public Builder port(int port) {
            this.port = port;
            return this;
        }

        /** Where the server listens (127.0.0.1 by default) and the host name its endpoints name. */
        public Builder bind(String bindAddress, String hostname) {
            this.bindAddress = bindAddress;
            this.hostname = hostname;
            return this;
        }

        /** The endpoint's path, "/outpost" by default; "" for none. */
        public Builder path(String path) {
            this.path = path;
            return this;
        }

        public Builder application(String uri, String name) {
            this.applicationUri = uri;
            this.applicationName = name;
            return this;
        }

        /** Adds Basic256Sha256 Sign and SignAndEncrypt endpoints with a self-signed certificate. */
        public Builder secure(boolean secure) {
            this.secure = secure;
            return this;
        }

        /** A user/password identity besides anonymous. */
        public Builder user(String name, String password) {
            users.put(name, password);
            return this;
        }

        public SimulatedServer build() throws Exception {
            int p = port;
            if (p == 0) {
                try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(bindAddress))) {
                    p = s.getLocalPort();
                }
            }
            return new SimulatedServer(this, p);
        }
    }

    /** Starts serving; throws when the port could not be bound. */
    public SimulatedServer start() throws Exception {
        if (b.secure && certificate == null) {
            keyPair = SelfSignedCertificateGenerator.generateRsaKeyPair(2048);
            certificate = new SelfSignedCertificateBuilder(keyPair).setCommonName(b.applicationName).setApplicationUri(b.applicationUri)
                    .addDnsName("localhost").addIpAddress("127.0.0.1").build();
        }
        OpcUaServerConfigBuilder config = OpcUaServerConfig.builder()
                .setApplicationUri(b.applicationUri)
                .setApplicationName(LocalizedText.english(b.applicationName))
                .setProductUri("urn:outpost:simulator")
                .setEndpoints(endpoints());
        if (b.users.isEmpty()) {
            config.setIdentityValidator(AnonymousIdentityValidator.INSTANCE);
        } else {
            config.setIdentityValidator(new CompositeValidator(AnonymousIdentityValidator.INSTANCE,
                    new UsernameIdentityValidator(c -> c.getPassword().equals(b.users.get(c.getUsername())))));
        }
        if (b.secure) {
            config.setCertificateManager(certificateManager());
        }
        server = new OpcUaServer(config.build(), profile -> new OpcTcpServerTransport(OpcTcpServerTransportConfig.newBuilder().build()));
        space = new Space(server);
        space.startup();
        server.startup().get(30, TimeUnit.SECONDS);
        if (server.getBoundEndpoints().isEmpty()) {
            close();
            throw new IllegalStateException("could not listen on " + b.bindAddress + ":" + port + " (is the port in use?)");
        }
        return this;
    }

    private Set<EndpointConfig> endpoints() {
        Set<EndpointConfig> out = new LinkedHashSet<>();
        EndpointConfig.Builder base = EndpointConfig.newBuilder().setBindAddress(b.bindAddress).setHostname(b.hostname).setBindPort(port)
                .setPath(b.path).addTokenPolicies(OpcUaServerConfig.USER_TOKEN_POLICY_ANONYMOUS);
        if (!b.users.isEmpty()) {
            base.addTokenPolicies(OpcUaServerConfig.USER_TOKEN_POLICY_USERNAME);
        }
        if (certificate != null) {
            base.setCertificate(certificate);
        }
        out.add(base.copy().setSecurityPolicy(SecurityPolicy.None).setSecurityMode(MessageSecurityMode.None).build());
        if (b.secure) {
            out.add(base.copy().setSecurityPolicy(SecurityPolicy.Basic256Sha256).setSecurityMode(MessageSecurityMode.Sign).build());
            out.add(base.copy().setSecurityPolicy(SecurityPolicy.Basic256Sha256).setSecurityMode(MessageSecurityMode.SignAndEncrypt).build());
        }
        return out;
    }

    private DefaultCertificateManager certificateManager() throws Exception {
        // The same key and certificate on every start, as a real server keeps its own across restarts.
        var factory = new RsaSha256CertificateFactory() {
            @Override
            protected X509Certificate[] createRsaSha256CertificateChain(KeyPair pair) {
                return new X509Certificate[] {certificate};
            }

            @Override
            public KeyPair createKeyPair(NodeId certificateTypeId) {
                return keyPair;
            }
        };
        var group = DefaultApplicationGroup.createAndInitialize(new MemoryTrustListManager(), new MemoryCertificateStore(), factory,
                (chain, uri, hosts) -> { });
        return new DefaultCertificateManager(new MemoryCertificateQuarantine(), group);
    }

    /** Stops and starts again on the same port with the same certificate; values are kept. */
    public void restart() throws Exception {
        stop();
        start();
    }

    /** Stops serving (clients see the connection drop); {@link #start} serves again. */
    public void stop() throws Exception {
        if (server != null) {
            // What clients wrote stays, as a device keeps its values across a server restart.
            space.nodes.forEach((name, n) -> values.put(name, n.getValue().getValue().getValue()));
            space.shutdown();
            server.shutdown().get(30, TimeUnit.SECONDS);
            server = null;
        }
    }

    @Override
    public void close() throws Exception {
        stop();
    }

    public int port() {
        return port;
    }

    /** @return opc.tcp://host:port/path */
    public String url() {
        return "opc.tcp://" + b.hostname + ":" + port + b.path;
    }

    /** @return the server's certificate, or null when it has no secure endpoints */
    public X509Certificate certificate() {
        return certificate;
    }

    public int namespaceIndex() {
        return space.getNamespaceIndex().intValue();
    }

    /** @return the variable's parseable node id, e.g. {@code ns=2;s=Temperature} or {@code ns=2;i=1005} */
    public String nodeId(String name) {
        Object id = variable(name).id();
        return "ns=" + namespaceIndex() + (id instanceof String ? ";s=" : ";i=") + id;
    }

    public Collection<String> names() {
        return List.copyOf(declared.keySet());
    }

    /** Sets a variable's value as the device would; subscribers see the change. */
    public void set(String name, Object value) {
        variable(name);
        values.put(name, value);
        Space s = space;
        UaVariableNode n = s == null ? null : s.nodes.get(name);
        if (n != null) {
            n.setValue(new DataValue(new Variant(value)));
        }
    }

    /** @return the variable's value now (also what a client wrote) */
    public Object get(String name) {
        variable(name);
        Space s = space;
        UaVariableNode n = s == null || server == null ? null : s.nodes.get(name);
        return n == null ? values.get(name) : n.getValue().getValue().getValue();
    }

    /**
     * Forgets what clients wrote: every variable back to its initial value, as a device that
     * lost its settings in a power cycle. Takes effect now, or at the next start.
     */
    public void reset() {
        b.initial.forEach(this::set);
    }

    private Variable variable(String name) {
        Variable v = declared.get(name);
        if (v == null) {
            throw new IllegalArgumentException("no variable " + name + "; there are " + declared.keySet());
        }
        return v;
    }

    /** The simulator's namespace: the folder and its variables, built at each start. */
    private final class Space extends ManagedNamespaceWithLifecycle {
        final Map<String, UaVariableNode> nodes = new ConcurrentHashMap<>();
        private final SubscriptionModel model;

        Space(OpcUaServer server) {
            super(server, b.namespaceUri);
            model = new SubscriptionModel(server, this);
            getLifecycleManager().addLifecycle(model);
            getLifecycleManager().addStartupTask(this::build);
        }

        private void build() {
            NodeId folderId = newNodeId(b.folder);
            UaFolderNode folder = new UaFolderNode(getNodeContext(), folderId, newQualifiedName(b.folder), LocalizedText.english(b.folder));
            getNodeManager().addNode(folder);
            folder.addReference(new Reference(folderId, NodeIds.Organizes, NodeIds.ObjectsFolder.expanded(), false));
            List<String> names = new ArrayList<>(declared.keySet());
            for (String name : names) {
                Variable d = declared.get(name);
                Object value = values.get(name);
                NodeId id = d.id() instanceof String s ? newNodeId(s) : newNodeId((Integer) d.id());
                UaVariableNode v = new UaVariableNode.UaVariableNodeBuilder(getNodeContext())
                        .setNodeId(id)
                        .setAccessLevel(AccessLevel.READ_WRITE)
                        .setUserAccessLevel(AccessLevel.READ_WRITE)
                        .setBrowseName(newQualifiedName(name))
                        .setDisplayName(LocalizedText.english(name))
                        .setDataType(OpcUaDataType.fromBackingClass(value.getClass()).getNodeId())
                        .setTypeDefinition(NodeIds.BaseDataVariableType)
                        .setMinimumSamplingInterval(d.minSamplingMillis())
                        .build();
                v.setValue(new DataValue(new Variant(value)));
                getNodeManager().addNode(v);
                folder.addOrganizes(v);
                nodes.put(name, v);
            }
        }

        @Override
        public void onDataItemsCreated(List<DataItem> items) {
            model.onDataItemsCreated(items);
        }

        @Override
        public void onDataItemsModified(List<DataItem> items) {
            model.onDataItemsModified(items);
        }

        @Override
        public void onDataItemsDeleted(List<DataItem> items) {
            model.onDataItemsDeleted(items);
        }

        @Override
        public void onMonitoringModeChanged(List<MonitoredItem> items) {
            model.onMonitoringModeChanged(items);
        }
    }
}
