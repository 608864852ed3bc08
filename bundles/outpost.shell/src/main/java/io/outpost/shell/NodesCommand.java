package io.outpost.shell;

import io.outpost.hub.api.CloudHub;
import io.outpost.hub.api.EdgeNodeInfo;
import io.outpost.hub.api.EdgeNodes;
import io.outpost.hub.api.NodeSession;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.table.ShellTable;

/** The edge nodes of this cloud, with their link to this replica. */
@Service
@Command(scope = "outpost", name = "nodes", description = "Lists the edge nodes (gateways): Ready or not, version, address, whether "
        + "they hold a session on this replica and when they last reported (on the cloud).")
public class NodesCommand implements Action {
    // Optional: Karaf holds back every command of a bundle until all its references are
    // satisfied, and this bundle serves both roles.
    @Reference(optional = true)
    EdgeNodes nodes;

    @Reference(optional = true)
    CloudHub hub;

    @Override
    public Object execute() {
        if (nodes == null) {
            throw new IllegalArgumentException("this command runs on the cloud (the EdgeNodes service of the node controller, "
                    + "feature outpost-cloud, is not available here)");
        }
        ShellTable t = new ShellTable();
        for (String c : new String[] {"Name", "Status", "Version", "Internal IP", "Session", "Last heartbeat", "Age"}) {
            t.column(c);
        }
        Instant now = Instant.now();
        for (EdgeNodeInfo n : nodes.nodes()) {
            Optional<NodeSession> s = hub == null ? Optional.empty() : hub.session(n.name());
            String session = s.map(x -> "connected " + Pods.age(Duration.between(x.connectedAt(), now)) + ", seen "
                    + Pods.age(Duration.between(x.lastSeen(), now)) + " ago" + (x.latencyMillis() < 0 ? "" : ", rtt " + x.latencyMillis() + " ms"))
                    .orElse("-");
            t.addRow().addContent(n.name(), status(n), n.version().isEmpty() ? "-" : n.version(), n.internalIp().isEmpty() ? "-" : n.internalIp(),
                    session, n.lastHeartbeat() == null ? "never" : Pods.age(Duration.between(n.lastHeartbeat(), now)) + " ago",
                    n.created() == null ? "-" : Pods.age(Duration.between(n.created(), now)));
        }
        t.print(System.out);
        return null;
    }

    /** kubectl's STATUS column: Ready, NotReady, or Unknown. */
    static String status(EdgeNodeInfo n) {
        return switch (n.ready()) {
            case "True" -> "Ready";
            case "False" -> "NotReady";
            default -> n.reason().isEmpty() ? "Unknown" : "NotReady (" + n.reason() + ")";
        };
    }
}
