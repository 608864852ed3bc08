package io.outpost.shell;

import io.outpost.pod.api.EdgePods;
import java.util.List;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.CommandLine;
import org.apache.karaf.shell.api.console.Completer;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.support.completers.StringsCompleter;

/** Completes the pods of this gateway, as {@code <namespace>/<name>}. */
@Service
public class PodCompleter implements Completer {
    @Reference(optional = true)
    EdgePods pods;

    @Override
    public int complete(Session session, CommandLine commandLine, List<String> candidates) {
        StringsCompleter names = new StringsCompleter();
        if (pods != null) {
            pods.pods().forEach(p -> names.getStrings().add(p.key()));
        }
        return names.complete(session, commandLine, candidates);
    }
}
