package io.outpost.shell;

import io.outpost.mapper.api.Mapper;
import io.outpost.twin.api.DeviceInventory;
import io.outpost.twin.api.DeviceTwin;
import io.outpost.twin.api.EdgeDevice;
import java.util.Map;
import java.util.TreeMap;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.table.ShellTable;
import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;

/** The mappers installed on this gateway and the devices each drives. */
@Service
@Command(scope = "outpost", name = "mappers", description = "Lists the protocol mappers installed on this gateway, their bundles and devices "
        + "(on the gateway).")
public class MappersCommand implements Action {
    @Reference
    BundleContext context;

    @Reference(optional = true)
    DeviceInventory inventory;

    @Reference(optional = true)
    DeviceTwin twin;

    @Override
    public Object execute() throws InvalidSyntaxException {
        if (inventory == null) {
            throw new IllegalArgumentException("this command runs on a gateway (the DeviceInventory service is not available here)");
        }
        Map<String, String> bundles = new TreeMap<>();
        for (ServiceReference<Mapper> r : context.getServiceReferences(Mapper.class, null)) {
            bundles.put(String.valueOf(r.getProperty(Mapper.PROTOCOL)), r.getBundle().getSymbolicName() + " " + r.getBundle().getVersion());
        }
        Map<String, int[]> counts = new TreeMap<>();
        for (EdgeDevice d : inventory.devices()) {
            int[] c = counts.computeIfAbsent(d.protocol(), k -> new int[2]);
            c[0]++;
            if (twin != null && twin.state(d.namespace(), d.name()).map(s -> s.state().equals("online")).orElse(false)) {
                c[1]++;
            }
        }
        ShellTable t = new ShellTable();
        t.column("Protocol");
        t.column("Bundle");
        t.column("Devices");
        t.column("Online");
        Map<String, String> all = new TreeMap<>(bundles);
        counts.keySet().forEach(p -> all.putIfAbsent(p, "not installed (feature:install outpost-mapper-" + p + ")"));
        all.forEach((p, b) -> {
            int[] c = counts.getOrDefault(p, new int[2]);
            t.addRow().addContent(p, b, c[0], c[1]);
        });
        t.print(System.out);
        return null;
    }
}
