package io.outpost.shell;

import io.outpost.hub.api.EdgeHub;
import io.outpost.hub.api.LinkException;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

/** Joins this gateway to a cloud. */
@Service
@Command(scope = "outpost", name = "join", description = "Joins this gateway to a cloud with a token from 'outpost:token create' (on the gateway).")
public class JoinCommand implements Action {
    @Argument(index = 0, name = "cloud", description = "host or host:port of the cloud's bootstrap endpoint (port 10002 by default)", required = true)
    String cloud;

    @Argument(index = 1, name = "token", description = "the join token", required = true)
    String token;

    // Optional: Karaf holds back every command of a bundle until all its references are
    // satisfied, and this bundle serves both roles.
    @Reference(optional = true)
    EdgeHub hub;

    @Override
    public Object execute() {
        if (hub == null) {
            throw new IllegalArgumentException("this command runs on a gateway (the EdgeHub service is not available here)");
        }
        try {
            hub.join(cloud, token);
            System.out.println("joined " + cloud + " as node " + hub.nodeName() + "; connecting (see outpost:status)");
        } catch (LinkException e) {
            throw new IllegalArgumentException(e.getMessage());
        }
        return null;
    }
}
