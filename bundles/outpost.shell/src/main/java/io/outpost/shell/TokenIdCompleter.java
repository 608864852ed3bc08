package io.outpost.shell;

import io.outpost.hub.api.JoinTokens;
import io.outpost.hub.api.LinkException;
import java.util.List;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.CommandLine;
import org.apache.karaf.shell.api.console.Completer;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.support.completers.StringsCompleter;

/** Completes the ids of join tokens that are still valid (for 'outpost:token revoke'). */
@Service
public class TokenIdCompleter implements Completer {
    @Reference(optional = true)
    JoinTokens tokens;

    @Override
    public int complete(Session session, CommandLine commandLine, List<String> candidates) {
        StringsCompleter ids = new StringsCompleter();
        if (tokens != null) {
            try {
                tokens.list().stream().filter(t -> !t.revoked()).forEach(t -> ids.getStrings().add(t.id()));
            } catch (LinkException e) {
                // the API is unreachable: no candidates rather than an error in the middle of typing
            }
        }
        return ids.complete(session, commandLine, candidates);
    }
}
