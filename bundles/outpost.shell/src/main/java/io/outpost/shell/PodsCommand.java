package io.outpost.shell;

import io.outpost.pod.api.EdgePods;
import io.outpost.pod.api.PodSummary;
import java.time.Duration;
import java.time.Instant;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.table.ShellTable;

/** The pods running on this gateway, as {@code kubectl get pods -o wide} would show them, from the gateway's own view. */
@Service
@Command(scope = "outpost", name = "pods", description = "Lists the pods of this gateway with their status, as the pod manager last saw "
        + "them, also while the cloud is away (on the gateway, feature outpost-pods).")
public class PodsCommand implements Action {
    @Option(name = "--namespace", aliases = "-n", description = "only this namespace")
    String namespace;

    @Reference(optional = true)
    EdgePods pods;

    @Override
    public Object execute() {
        if (pods == null) {
            throw new IllegalArgumentException(Pods.NOT_RUNNING);
        }
        ShellTable t = new ShellTable();
        for (String c : new String[] {"NAMESPACE", "NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP"}) {
            t.column(c);
        }
        Instant now = Instant.now();
        for (PodSummary p : pods.pods()) {
            if (namespace != null && !namespace.equals(p.namespace())) {
                continue;
            }
            t.addRow().addContent(p.namespace(), p.name(), p.readyContainers() + "/" + p.containers().size(), p.status(), p.restarts(),
                    p.created() == null ? "-" : Pods.age(Duration.between(p.created(), now)), p.ip().isEmpty() ? "<none>" : p.ip());
        }
        t.print(System.out);
        return null;
    }
}
