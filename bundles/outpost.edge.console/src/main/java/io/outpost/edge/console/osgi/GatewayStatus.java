package io.outpost.edge.console.osgi;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.outpost.edge.console.api.Backends;
import io.outpost.edge.console.system.SystemProbe;
import io.outpost.edge.console.tls.ConsoleTls;
import io.outpost.hub.api.EdgeHub;
import io.outpost.hub.api.LinkStatus;
import java.net.InetAddress;
import java.time.Instant;
import java.util.function.Supplier;

/** The Status page's document: node, cloud link, console certificate, system figures. */
final class GatewayStatus implements Backends.Status {
    private final Supplier<EdgeHub> hub;
    private final SystemProbe probe;
    private final ConsoleTls.Material tls;

    GatewayStatus(Supplier<EdgeHub> hub, SystemProbe probe, ConsoleTls.Material tls) {
        this.hub = hub;
        this.probe = probe;
        this.tls = tls;
    }

    @Override
    public ObjectNode status() {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("time", Instant.now().toString());
        ObjectNode node = o.putObject("node");
        ObjectNode link = o.putObject("link");
        EdgeHub h = hub.get();
        if (h == null) {
            node.put("name", host());
            link.put("state", "UNAVAILABLE");
            link.put("error", "the edge hub is not running (feature outpost-edge); the node name shown is the host name");
        } else {
            node.put("name", h.nodeName());
            LinkStatus s = h.status();
            link.put("state", s.state().name());
            link.put("cloudAddress", s.cloudAddress());
            link.put("since", s.since() == null ? null : s.since().toString());
            link.put("lastError", s.lastError());
            if (s.latencyMillis() >= 0) {
                link.put("latencyMillis", s.latencyMillis());
            }
            link.put("certificateExpiry", s.certificateExpiry() == null ? null : s.certificateExpiry().toString());
        }
        node.put("karafName", System.getProperty("karaf.name", ""));
        ObjectNode console = o.putObject("console");
        console.put("certificateExpiry", tls.expiry().toString());
        console.put("selfSigned", tls.selfSigned());
        o.set("system", probe.probe());
        return o;
    }

    private static String host() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            return "unknown";
        }
    }
}
