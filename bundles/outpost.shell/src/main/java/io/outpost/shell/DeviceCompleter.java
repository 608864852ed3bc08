package io.outpost.shell;

import io.outpost.twin.api.DeviceInventory;
import java.util.List;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.CommandLine;
import org.apache.karaf.shell.api.console.Completer;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.support.completers.StringsCompleter;

/** Completes the devices of this gateway, as {@code <namespace>/<name>}. */
@Service
public class DeviceCompleter implements Completer {
    @Reference(optional = true)
    DeviceInventory inventory;

    @Override
    public int complete(Session session, CommandLine commandLine, List<String> candidates) {
        StringsCompleter ids = new StringsCompleter();
        if (inventory != null) {
            inventory.devices().forEach(d -> ids.getStrings().add(d.id()));
        }
        return ids.complete(session, commandLine, candidates);
    }
}
