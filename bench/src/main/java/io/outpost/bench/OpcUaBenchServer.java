package io.outpost.bench;

import java.util.ArrayList;
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
 * The OPC UA benchmark's server, run in its own JVM: Milo's server SDK on 127.0.0.1 with
 * {@code variables} Double variables (ns=2;s=v0 …) whose values all change every
 * {@code changeMillis}. Prints "ready &lt;namespace index&gt;" once it serves.
 * Arguments: port variables changeMillis.
 */
public final class OpcUaBenchServer {
    private OpcUaBenchServer() {
    }

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        int count = Integer.parseInt(args[1]);
        long change = Long.parseLong(args[2]);
        EndpointConfig endpoint = EndpointConfig.newBuilder().setBindAddress("127.0.0.1").setHostname("127.0.0.1").setBindPort(port)
                .setPath("/bench").setSecurityPolicy(SecurityPolicy.None).setSecurityMode(MessageSecurityMode.None)
                .addTokenPolicies(OpcUaServerConfig.USER_TOKEN_POLICY_ANONYMOUS).build();
        OpcUaServerConfig config = OpcUaServerConfig.builder().setApplicationUri("urn:outpost:bench:server")
                .setApplicationName(LocalizedText.english("Outpost bench server")).setProductUri("urn:outpost:bench")
                .setIdentityValidator(AnonymousIdentityValidator.INSTANCE).setEndpoints(Set.of(endpoint)).build();
        OpcUaServer server = new OpcUaServer(config, p -> new OpcTcpServerTransport(OpcTcpServerTransportConfig.newBuilder().build()));
        Space space = new Space(server, count);
        space.startup();
        server.startup().get(30, TimeUnit.SECONDS);
        ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor();
        double[] tick = {0};
        ticker.scheduleAtFixedRate(() -> {
            tick[0]++;
            DataValue v = new DataValue(new Variant(tick[0]));
            for (UaVariableNode n : space.variables) {
                n.setValue(v);
            }
        }, change, change, TimeUnit.MILLISECONDS);
        System.out.println("ready " + space.getNamespaceIndex());
        System.out.flush();
        Thread.currentThread().join();
    }

    static final class Space extends ManagedNamespaceWithLifecycle {
        final List<UaVariableNode> variables = new ArrayList<>();
        private final SubscriptionModel model;

        Space(OpcUaServer server, int count) {
            super(server, "urn:outpost:bench");
            model = new SubscriptionModel(server, this);
            getLifecycleManager().addLifecycle(model);
            getLifecycleManager().addStartupTask(() -> {
                NodeId folderId = newNodeId("Bench");
                UaFolderNode folder = new UaFolderNode(getNodeContext(), folderId, newQualifiedName("Bench"), LocalizedText.english("Bench"));
                getNodeManager().addNode(folder);
                folder.addReference(new Reference(folderId, NodeIds.Organizes, NodeIds.ObjectsFolder.expanded(), false));
                for (int i = 0; i < count; i++) {
                    UaVariableNode v = new UaVariableNode.UaVariableNodeBuilder(getNodeContext()).setNodeId(newNodeId("v" + i))
                            .setAccessLevel(AccessLevel.READ_WRITE).setUserAccessLevel(AccessLevel.READ_WRITE)
                            .setBrowseName(newQualifiedName("v" + i)).setDisplayName(LocalizedText.english("v" + i))
                            .setDataType(NodeIds.Double).setTypeDefinition(NodeIds.BaseDataVariableType).setMinimumSamplingInterval(0.0).build();
                    v.setValue(new DataValue(new Variant(0.0)));
                    getNodeManager().addNode(v);
                    folder.addOrganizes(v);
                    variables.add(v);
                }
            });
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
