package io.outpost.shell;

import io.outpost.twin.api.DeviceInventory;
import io.outpost.twin.api.DeviceTwin;
import io.outpost.twin.api.EdgeDevice;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.table.ShellTable;

/** The devices the cloud assigned to this gateway. */
@Service
@Command(scope = "outpost", name = "devices", description = "Lists the devices the cloud assigned to this gateway (on the gateway).")
public class DevicesCommand implements Action {
    @Reference(optional = true)
    DeviceInventory inventory;

    @Reference(optional = true)
    DeviceTwin twin;

    @Override
    public Object execute() {
        if (inventory == null) {
            throw new IllegalArgumentException("this command runs on a gateway (the DeviceInventory service is not available here)");
        }
        ShellTable t = new ShellTable();
        t.column("Device");
        t.column("Model");
        t.column("Protocol");
        t.column("Properties");
        t.column("State");
        for (EdgeDevice d : inventory.devices()) {
            String state = twin == null ? "" : twin.state(d.namespace(), d.name()).map(s -> s.state()).orElse("");
            t.addRow().addContent(d.id(), d.model() + (d.deviceModel().isNull() ? " (not received)" : ""), d.protocol(),
                    String.join(",", d.properties()), state);
        }
        t.print(System.out);
        return null;
    }
}
