package io.outpost.examples.opcua;

import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.eclipse.milo.opcua.sdk.core.AccessLevel;
import org.eclipse.milo.opcua.sdk.core.Reference;
import org.eclipse.milo.opcua.sdk.server.EndpointConfig;
import org.eclipse.milo.opcua.sdk.server.ManagedNamespaceWithLifecycle;
import org.eclipse.milo.opcua.sdk.server.OpcUaServer;
import org.eclipse.milo.opcua.sdk.server.OpcUaServerConfig;
import org.eclipse.milo.opcua.sdk.server.identity.AnonymousIdentityValidator;
import org.eclipse.milo.opcua.sdk.server.items.DataItem;
import org.eclipse.milo.opcua.sdk.server.items.MonitoredItem;
import org.eclipse.milo.opcua.sdk.server.nodes.UaFolderNode;
import org.eclipse.milo.opcua.sdk.server.nodes.UaVariableNode;
import org.eclipse.milo.opcua.sdk.server.util.SubscriptionModel;
import org.eclipse.milo.opcua.stack.core.NodeIds;
import org.eclipse.milo.opcua.stack.core.security.SecurityPolicy;
import org.eclipse.milo.opcua.stack.core.types.builtin.DataValue;
import org.eclipse.milo.opcua.stack.core.types.builtin.LocalizedText;
import org.eclipse.milo.opcua.stack.core.types.builtin.NodeId;
import org.eclipse.milo.opcua.stack.core.types.builtin.Variant;
import org.eclipse.milo.opcua.stack.core.types.enumerated.MessageSecurityMode;
import org.eclipse.milo.opcua.stack.transport.server.tcp.OpcTcpServerTransport;
import org.eclipse.milo.opcua.stack.transport.server.tcp.OpcTcpServerTransportConfig;

/**
 * An OPC UA boiler for examples/devices/opcua-boiler.yaml: an insecure endpoint (anonymous) at
 * {@code opc.tcp://127.0.0.1:<port>}, a folder Boiler in namespace 2 with Temperature
 * (ns=2;s=Boiler.Temperature, a Double that drifts every 500 ms), Setpoint (ns=2;s=Boiler.Setpoint,
 * Double, writable, 50 at start), Running (ns=2;i=1005, Boolean) and Label (ns=2;s=Boiler.Label, String).
 *
 * <pre>java -jar examples/opcua-simulator/target/outpost-example-opcua-simulator-0.1.0-SNAPSHOT.jar [port, default 4840]</pre>
 */
public final class BoilerSimulator {
    private BoilerSimulator() {
    }

    public static void main(String[] args) throws Exception {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 4840;
        EndpointConfig endpoint = EndpointConfig.newBuilder().setBindAddress("0.0.0.0").setHostname("127.0.0.1").setBindPort(port)
                .setSecurityPolicy(SecurityPolicy.None).setSecurityMode(MessageSecurityMode.None)
                .addTokenPolicies(OpcUaServerConfig.USER_TOKEN_POLICY_ANONYMOUS).build();
        OpcUaServerConfig config = OpcUaServerConfig.builder().setApplicationUri("urn:outpost:example:boiler")
                .setApplicationName(LocalizedText.english("Outpost boiler simulator")).setProductUri("urn:outpost:example")
                .setIdentityValidator(AnonymousIdentityValidator.INSTANCE).setEndpoints(Set.of(endpoint)).build();
        OpcUaServer server = new OpcUaServer(config, p -> new OpcTcpServerTransport(OpcTcpServerTransportConfig.newBuilder().build()));
        Boiler boiler = new Boiler(server);
        boiler.startup();
        server.startup().get(30, TimeUnit.SECONDS);
        if (server.getBoundEndpoints().isEmpty()) {
            System.err.println("could not listen on port " + port + " (see above)");
            System.exit(1);
        }
        ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor();
        long t0 = System.currentTimeMillis();
        ticker.scheduleAtFixedRate(() -> {
            double t = (System.currentTimeMillis() - t0) / 1000.0;
            double v = Math.round((55 + 5 * Math.sin(t / 10)) * 100) / 100.0;
            boiler.temperature.setValue(new DataValue(new Variant(v)));
        }, 0, 500, TimeUnit.MILLISECONDS);
        System.out.println("OPC UA boiler on opc.tcp://127.0.0.1:" + port + " (namespace " + boiler.getNamespaceIndex() + ")");
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            ticker.shutdownNow();
            server.shutdown();
        }));
        Thread.currentThread().join();
    }

    static final class Boiler extends ManagedNamespaceWithLifecycle {
        private final SubscriptionModel model;
        UaVariableNode temperature;

        Boiler(OpcUaServer server) {
            // Namespace 1 is the server's own (its application URI); the boiler's objects are at 2.
            super(server, "urn:outpost:example:boiler:plant");
            model = new SubscriptionModel(server, this);
            getLifecycleManager().addLifecycle(model);
            getLifecycleManager().addStartupTask(this::build);
        }

        private void build() {
            NodeId folderId = newNodeId("Boiler");
            UaFolderNode folder = new UaFolderNode(getNodeContext(), folderId, newQualifiedName("Boiler"), LocalizedText.english("Boiler"));
            getNodeManager().addNode(folder);
            folder.addReference(new Reference(folderId, NodeIds.Organizes, NodeIds.ObjectsFolder.expanded(), false));
            temperature = variable(folder, newNodeId("Boiler.Temperature"), "Temperature", NodeIds.Double, 55.0);
            variable(folder, newNodeId("Boiler.Setpoint"), "Setpoint", NodeIds.Double, 50.0);
            variable(folder, newNodeId(1005), "Running", NodeIds.Boolean, true);
            variable(folder, newNodeId("Boiler.Label"), "Label", NodeIds.String, "OUTPOST-B1");
        }

        private UaVariableNode variable(UaFolderNode folder, NodeId id, String name, NodeId type, Object value) {
            UaVariableNode v = new UaVariableNode.UaVariableNodeBuilder(getNodeContext()).setNodeId(id)
                    .setAccessLevel(AccessLevel.READ_WRITE).setUserAccessLevel(AccessLevel.READ_WRITE)
                    .setBrowseName(newQualifiedName(name)).setDisplayName(LocalizedText.english(name))
                    .setDataType(type).setTypeDefinition(NodeIds.BaseDataVariableType).setMinimumSamplingInterval(100.0).build();
            v.setValue(new DataValue(new Variant(value)));
            getNodeManager().addNode(v);
            folder.addOrganizes(v);
            return v;
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
