package io.outpost.shell;

import io.outpost.hub.api.CloudHub;
import io.outpost.hub.api.NodeSession;
import java.util.Comparator;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.table.ShellTable;

/** Gateways connected to this cloud replica. */
@Service
@Command(scope = "outpost", name = "sessions", description = "Lists the gateways connected to this cloud replica (on the cloud).")
public class SessionsCommand implements Action {
    // Optional: Karaf holds back every command of a bundle until all its references are
    // satisfied, and this bundle serves both roles.
    @Reference(optional = true)
    CloudHub hub;

    @Override
    public Object execute() {
        if (hub == null) {
            throw new IllegalArgumentException("this command runs on the cloud (the CloudHub service is not available here)");
        }
        ShellTable t = new ShellTable();
        t.column("Node");
        t.column("Remote");
        t.column("Connected");
        t.column("Last seen");
        t.column("Latency");
        t.column("Cert expires");
        hub.sessions().stream().sorted(Comparator.comparing(NodeSession::nodeName)).forEach(s -> t.addRow().addContent(
                s.nodeName(), s.remoteAddress(), s.connectedAt().toString(), s.lastSeen().toString(),
                s.latencyMillis() < 0 ? "-" : s.latencyMillis() + " ms", s.certificateExpiry().toString()));
        t.print(System.out);
        return null;
    }
}
