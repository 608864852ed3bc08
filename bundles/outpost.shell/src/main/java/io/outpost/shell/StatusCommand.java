package io.outpost.shell;

import io.outpost.hub.api.EdgeHub;
import io.outpost.hub.api.LinkStatus;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.table.ShellTable;

/** The gateway's link to the cloud. */
@Service
@Command(scope = "outpost", name = "status", description = "Shows this gateway's node name and its link to the cloud (on the gateway).")
public class StatusCommand implements Action {
    // Optional: Karaf holds back every command of a bundle until all its references are
    // satisfied, and this bundle serves both roles.
    @Reference(optional = true)
    EdgeHub hub;

    @Override
    public Object execute() {
        if (hub == null) {
            throw new IllegalArgumentException("this command runs on a gateway (the EdgeHub service is not available here)");
        }
        LinkStatus s = hub.status();
        ShellTable t = new ShellTable();
        t.noHeaders();
        t.column("Key");
        t.column("Value");
        t.addRow().addContent("Node", hub.nodeName());
        t.addRow().addContent("Link", s.state().name());
        t.addRow().addContent("Since", s.since().toString());
        t.addRow().addContent("Cloud", s.cloudAddress().isEmpty() ? "-" : s.cloudAddress());
        t.addRow().addContent("Latency", s.latencyMillis() < 0 ? "-" : s.latencyMillis() + " ms");
        t.addRow().addContent("Certificate expires", s.certificateExpiry() == null ? "-" : s.certificateExpiry().toString());
        if (!s.lastError().isEmpty()) {
            t.addRow().addContent("Last error", s.lastError());
        }
        t.print(System.out);
        return null;
    }
}
