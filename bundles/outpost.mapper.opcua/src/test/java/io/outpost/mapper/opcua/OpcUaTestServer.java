package io.outpost.mapper.opcua;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
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
import org.eclipse.milo.opcua.stack.core.types.builtin.QualifiedName;
import org.eclipse.milo.opcua.stack.core.types.builtin.Variant;
import org.eclipse.milo.opcua.stack.core.types.enumerated.MessageSecurityMode;
import org.eclipse.milo.opcua.stack.core.util.SelfSignedCertificateBuilder;
import org.eclipse.milo.opcua.stack.core.util.SelfSignedCertificateGenerator;
import org.eclipse.milo.opcua.stack.transport.server.tcp.OpcTcpServerTransport;
import org.eclipse.milo.opcua.stack.transport.server.tcp.OpcTcpServerTransportConfig;

/**
 * A real OPC UA server (Milo's server SDK) on 127.0.0.1 and a random port, with an insecure
 * endpoint (None) and secure ones (Basic256Sha256 Sign and SignAndEncrypt), anonymous and
 * user/password ("operator"/"secret") identities, and a folder "Plant" in namespace
 * {@code urn:outpost:test} holding variables with string node ids: Temperature (Double),
 * Counter (Int32), Running (Boolean), Label (String), Setpoint (Float). It accepts any client
 * certificate. {@link #restart} stops it and starts a new one on the same port with the same
 * certificate, as a server process restarting would.
 */
final class OpcUaTestServer implements AutoCloseable {
    static final String USER = "operator";
    static final String PASSWORD = "secret";
    static final String NAMESPACE = "urn:outpost:test";

    final int port;
    final KeyPair keyPair;
    final X509Certificate certificate;
    private final Map<String, Object> initial;
    private OpcUaServer server;
    private Plant plant;

    private OpcUaTestServer(int port, KeyPair keyPair, X509Certificate certificate, Map<String, Object> initial) {
        this.port = port;
        this.keyPair = keyPair;
        this.certificate = certificate;
        this.initial = initial;
    }

    static OpcUaTestServer start() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            port = s.getLocalPort();
        }
        KeyPair kp = SelfSignedCertificateGenerator.generateRsaKeyPair(2048);
        X509Certificate cert = new SelfSignedCertificateBuilder(kp).setCommonName("Outpost test server").setApplicationUri("urn:outpost:test:server")
                .addDnsName("localhost").addIpAddress("127.0.0.1").build();
        Map<String, Object> values = new ConcurrentHashMap<>(Map.of("Temperature", 21.5, "Counter", 7, "Running", true, "Label", "boiler-1",
                "Setpoint", 20.0f));
        OpcUaTestServer s = new OpcUaTestServer(port, kp, cert, values);
        s.up();
        return s;
    }

    String url() {
        return "opc.tcp://127.0.0.1:" + port + "/outpost";
    }

    int namespaceIndex() {
        return plant.getNamespaceIndex().intValue();
    }

    /** The parseable node id of a variable, e.g. ns=2;s=Temperature. */
    String nodeId(String name) {
        return "ns=" + namespaceIndex() + ";s=" + name;
    }

    void set(String name, Object value) {
        plant.variables.get(name).setValue(new DataValue(new Variant(value)));
    }

    Object get(String name) {
        return plant.variables.get(name).getValue().getValue().getValue();
    }

    /** Current values kept across a restart (what a real device would still hold). */
    void restart() throws Exception {
        for (String k : plant.variables.keySet()) {
            initial.put(k, get(k));
        }
        down();
        up();
    }

    private void up() throws Exception {
        var trust = new MemoryTrustListManager();
        var quarantine = new MemoryCertificateQuarantine();
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
        // Accept any client certificate: the client's trust decisions are under test here, not the server's.
        var group = DefaultApplicationGroup.createAndInitialize(trust, new MemoryCertificateStore(), factory, (chain, uri, hosts) -> { });
        Set<EndpointConfig> endpoints = new LinkedHashSet<>();
        EndpointConfig.Builder base = EndpointConfig.newBuilder().setBindAddress("127.0.0.1").setHostname("127.0.0.1").setBindPort(port)
                .setPath("/outpost").setCertificate(certificate)
                .addTokenPolicies(OpcUaServerConfig.USER_TOKEN_POLICY_ANONYMOUS, OpcUaServerConfig.USER_TOKEN_POLICY_USERNAME);
        endpoints.add(base.copy().setSecurityPolicy(SecurityPolicy.None).setSecurityMode(MessageSecurityMode.None).build());
        endpoints.add(base.copy().setSecurityPolicy(SecurityPolicy.Basic256Sha256).setSecurityMode(MessageSecurityMode.Sign).build());
        endpoints.add(base.copy().setSecurityPolicy(SecurityPolicy.Basic256Sha256).setSecurityMode(MessageSecurityMode.SignAndEncrypt).build());
        OpcUaServerConfig config = OpcUaServerConfig.builder()
                .setApplicationUri("urn:outpost:test:server")
                .setApplicationName(LocalizedText.english("Outpost test server"))
                .setProductUri("urn:outpost:test")
                .setCertificateManager(new DefaultCertificateManager(quarantine, group))
                .setIdentityValidator(new CompositeValidator(AnonymousIdentityValidator.INSTANCE,
                        new UsernameIdentityValidator(c -> USER.equals(c.getUsername()) && PASSWORD.equals(c.getPassword()))))
                .setEndpoints(endpoints)
                .build();
        server = new OpcUaServer(config, profile -> new OpcTcpServerTransport(OpcTcpServerTransportConfig.newBuilder().build()));
        plant = new Plant(server, initial);
        plant.startup();
        server.startup().get(10, TimeUnit.SECONDS);
    }

    private void down() throws Exception {
        plant.shutdown();
        server.shutdown().get(10, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws Exception {
        down();
    }

    /** The test namespace: one folder with a writable variable per initial value. */
    static final class Plant extends ManagedNamespaceWithLifecycle {
        final Map<String, UaVariableNode> variables = new ConcurrentHashMap<>();
        private final SubscriptionModel model;

        Plant(OpcUaServer server, Map<String, Object> initial) {
            super(server, NAMESPACE);
            model = new SubscriptionModel(server, this);
            getLifecycleManager().addLifecycle(model);
            getLifecycleManager().addStartupTask(() -> build(initial));
        }

        private void build(Map<String, Object> initial) {
            NodeId folderId = newNodeId("Plant");
            UaFolderNode folder = new UaFolderNode(getNodeContext(), folderId, newQualifiedName("Plant"), LocalizedText.english("Plant"));
            getNodeManager().addNode(folder);
            folder.addReference(new Reference(folderId, NodeIds.Organizes, NodeIds.ObjectsFolder.expanded(), false));
            for (var e : initial.entrySet()) {
                OpcUaDataType type = OpcUaDataType.fromBackingClass(e.getValue().getClass());
                UaVariableNode v = new UaVariableNode.UaVariableNodeBuilder(getNodeContext())
                        .setNodeId(newNodeId(e.getKey()))
                        .setAccessLevel(AccessLevel.READ_WRITE)
                        .setUserAccessLevel(AccessLevel.READ_WRITE)
                        .setBrowseName(newQualifiedName(e.getKey()))
                        .setDisplayName(LocalizedText.english(e.getKey()))
                        .setDataType(type.getNodeId())
                        .setTypeDefinition(NodeIds.BaseDataVariableType)
                        .setMinimumSamplingInterval(10.0)
                        .build();
                v.setValue(new DataValue(new Variant(e.getValue())));
                getNodeManager().addNode(v);
                folder.addOrganizes(v);
                variables.put(e.getKey(), v);
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
