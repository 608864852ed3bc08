package io.outpost.shell;

import io.outpost.twin.api.DeviceState;
import io.outpost.twin.api.DeviceTwin;
import io.outpost.twin.api.TwinChange;
import io.outpost.twin.api.TwinException;
import io.outpost.twin.api.TwinProperty;
import io.outpost.twin.api.TwinValue;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.table.ShellTable;

/** Shows a device's twins, or sets a desired value from the gateway. */
@Service
@Command(scope = "outpost", name = "twin", description = "Shows a device's twins (desired and reported values), or sets a desired value: "
        + "twin <device> set <property> <value> (on the gateway).")
public class TwinCommand implements Action {
    @Reference(optional = true)
    DeviceTwin twin;

    @Argument(index = 0, name = "device", required = true, description = "<namespace>/<name>, or <name> in namespace default")
    @Completion(DeviceCompleter.class)
    String device;

    @Argument(index = 1, name = "action", required = false, description = "set")
    String action;

    @Argument(index = 2, name = "property", required = false, description = "the property to set")
    String property;

    @Argument(index = 3, name = "value", required = false, description = "its desired value")
    String value;

    @Override
    public Object execute() {
        if (twin == null) {
            throw new IllegalArgumentException("this command runs on a gateway (the DeviceTwin service is not available here)");
        }
        String ns = device.contains("/") ? device.substring(0, device.indexOf('/')) : "default";
        String name = device.contains("/") ? device.substring(device.indexOf('/') + 1) : device;
        if (action != null) {
            if (!"set".equals(action) || property == null || value == null) {
                throw new IllegalArgumentException("usage: outpost:twin <device> set <property> <value>");
            }
            try {
                twin.update(ns, name, Map.of(property, new TwinChange(value, null)));
            } catch (TwinException e) {
                throw new IllegalArgumentException(e.getMessage());
            }
            System.out.println("desired " + property + " = " + value + " (the mapper writes it to the device)");
            return null;
        }
        Map<String, TwinProperty> twins = twin.twins(ns, name)
                .orElseThrow(() -> new IllegalArgumentException("device " + ns + "/" + name + " is not assigned to this gateway; see outpost:devices"));
        DeviceState s = twin.state(ns, name).orElseThrow();
        System.out.println(ns + "/" + name + ": " + s.state() + (s.reason().isEmpty() ? "" : " (" + s.reason() + ")"));
        ShellTable t = new ShellTable();
        for (String c : List.of("Property", "Desired", "Reported", "Type", "Reported at")) {
            t.column(c);
        }
        new TreeMap<>(twins).forEach((k, v) -> t.addRow().addContent(k, text(v.expected()), text(v.actual()), v.type(),
                v.actual() == null ? "" : Instant.ofEpochMilli(v.actual().timestamp()).truncatedTo(ChronoUnit.SECONDS).toString()));
        t.print(System.out);
        return null;
    }

    private static String text(TwinValue v) {
        return v == null ? "" : v.value();
    }
}
