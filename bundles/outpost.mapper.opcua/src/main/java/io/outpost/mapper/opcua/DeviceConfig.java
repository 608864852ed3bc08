package io.outpost.mapper.opcua;

import static io.outpost.mapper.api.ConfigFields.bool;
import static io.outpost.mapper.api.ConfigFields.integer;
import static io.outpost.mapper.api.ConfigFields.text;

import com.fasterxml.jackson.databind.JsonNode;
import io.outpost.twin.api.DeviceSpec;
import io.outpost.twin.api.PropertySpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.eclipse.milo.opcua.stack.core.security.SecurityPolicy;
import org.eclipse.milo.opcua.stack.core.types.builtin.NodeId;
import org.eclipse.milo.opcua.stack.core.types.enumerated.MessageSecurityMode;

/**
 * An OPC UA device's settings, from KubeEdge's shapes: {@code spec.protocol.configData}
 * ({@code url}, {@code securityPolicy}, {@code securityMode}, {@code userName}, {@code password}
 * — the path of a file holding the password, as KubeEdge's mapper reads it —,
 * {@code certificate}, {@code privateKey}, {@code timeout}) and each property's
 * {@code visitors.configData} ({@code nodeID}, {@code browseName}). Outpost's additions
 * ({@code subscribe}, {@code publishingInterval}, {@code samplingInterval}, {@code keepAlive}) are
 * documented in the module README.
 */
record DeviceConfig(String url, SecurityPolicy policy, MessageSecurityMode mode, String userName, String passwordFile, String certificate,
        String privateKey, int timeoutMillis, int keepAliveMillis, double publishingMillis, Map<String, Point> points) {

    /** One property: the node (by id, or by browse path when no id is given) and whether it is monitored. */
    record Point(PropertySpec property, NodeId node, String browsePath, boolean subscribe, double samplingMillis) {
    }

    record Parsed(DeviceConfig config, List<String> problems) {
    }

    static final List<String> POLICIES = List.of("None", "Basic256Sha256", "Aes128_Sha256_RsaOaep", "Aes256_Sha256_RsaPss");

    static Parsed parse(DeviceSpec device) {
        List<String> problems = new ArrayList<>();
        JsonNode c = device.protocolConfig();
        String where = "spec.protocol.configData";
        String url = text(c, "url");
        if (url.isEmpty()) {
            problems.add(where + ".url is missing: set the server's endpoint, for example opc.tcp://10.0.0.5:4840");
        } else if (!url.toLowerCase(Locale.ROOT).matches("opc\\.tcp://[^/:\\s]+(:\\d{1,5})?(/\\S*)?")) {
            problems.add(where + ".url '" + url + "' is not an opc.tcp://host[:port][/path] address (only the binary TCP transport is supported)");
        } else if (url.matches("(?i)opc\\.tcp://[^/]+:(\\d+).*") && Integer.parseInt(url.replaceFirst("(?i)opc\\.tcp://[^/]+:(\\d+).*", "$1")) > 65535) {
            problems.add(where + ".url '" + url + "': the port is outside 1..65535");
        }
        SecurityPolicy policy = policy(text(c, "securityPolicy"), where, problems);
        MessageSecurityMode mode = mode(text(c, "securityMode"), policy, where, problems);
        String user = text(c, "userName");
        String password = text(c, "password");
        if (!user.isEmpty() && password.isEmpty()) {
            problems.add(where + ": userName is set but password is not; password is the path of a file holding the password "
                    + "(as in KubeEdge), for example /etc/outpost/opcua/boiler.password");
        } else if (user.isEmpty() && !password.isEmpty()) {
            problems.add(where + ": password is set but userName is not; set both, or neither for anonymous access");
        }
        String cert = text(c, "certificate");
        String key = text(c, "privateKey");
        if (cert.isEmpty() != key.isEmpty()) {
            problems.add(where + ": set both certificate and privateKey (files of the gateway's own certificate and its key), or neither "
                    + "to have the gateway make one");
        }
        int timeout = integer(c, "timeout", 5000, 100, 600_000, where, problems,
                " (milliseconds; KubeEdge's mappers disagree on the unit, so Outpost takes milliseconds: 5000 is 5 s)");
        int keepAlive = integer(c, "keepAlive", 5000, 100, 600_000, where, problems);
        int publishing = integer(c, "publishingInterval", 1000, 10, 3_600_000, where, problems);
        boolean subscribeAll = bool(c, "subscribe", false, where, problems);
        Map<String, Point> points = new LinkedHashMap<>();
        for (PropertySpec p : device.properties()) {
            Point pt = point(p, subscribeAll, problems);
            if (pt != null) {
                points.put(p.name(), pt);
            }
        }
        DeviceConfig cfg = problems.isEmpty() ? new DeviceConfig(url, policy, mode, user, password, cert, key, timeout, keepAlive, publishing,
                Map.copyOf(points)) : null;
        return new Parsed(cfg, List.copyOf(problems));
    }

    private static Point point(PropertySpec p, boolean subscribeAll, List<String> problems) {
        JsonNode v = p.visitor();
        String where = "property " + p.name() + ": visitors.configData";
        int before = problems.size();
        String id = text(v, "nodeID");
        if (id.isEmpty()) {
            id = text(v, "nodeId");
        }
        String browse = text(v, "browseName");
        NodeId node = null;
        if (id.isEmpty() && browse.isEmpty()) {
            problems.add(where + ".nodeID is missing: set the node's id, for example ns=2;s=Boiler.Temperature or ns=1;i=1005 "
                    + "(or browseName, a browse path from the Objects folder such as 2:Boiler/2:Temperature)");
        } else if (!id.isEmpty()) {
            // KubeEdge's own documentation writes "ns=1,i=1005"; OPC UA's notation has a semicolon.
            String norm = id.replaceFirst("^(ns=\\d+|nsu=[^,;]+),", "$1;");
            node = NodeId.parseSafe(norm).orElse(null);
            if (node == null) {
                problems.add(where + ".nodeID '" + id + "' is not an OPC UA node id: write ns=<namespace index>;<i|s|g|b>=<identifier>, "
                        + "for example ns=2;s=Boiler.Temperature");
            }
        }
        boolean subscribe = bool(v, "subscribe", subscribeAll, where, problems);
        int sampling = integer(v, "samplingInterval", (int) Math.min(Integer.MAX_VALUE, p.collectCycleMillis()), 0, 3_600_000, where, problems);
        if (problems.size() != before) {
            return null;
        }
        return new Point(p, node, node == null ? browse : "", subscribe, sampling);
    }

    private static SecurityPolicy policy(String name, String where, List<String> problems) {
        if (name.isEmpty()) {
            return SecurityPolicy.None;
        }
        String n = name.contains("#") ? name.substring(name.indexOf('#') + 1) : name;
        for (String ok : POLICIES) {
            if (ok.replace("_", "").equalsIgnoreCase(n.replace("_", ""))) {
                return SecurityPolicy.valueOf(ok);
            }
        }
        if (n.equalsIgnoreCase("Basic128Rsa15") || n.equalsIgnoreCase("Basic256")) {
            problems.add(where + ".securityPolicy " + name + " is deprecated by the OPC Foundation (SHA-1) and not offered: use Basic256Sha256");
        } else {
            problems.add(where + ".securityPolicy '" + name + "' is none of " + String.join(", ", POLICIES));
        }
        return SecurityPolicy.None;
    }

    private static MessageSecurityMode mode(String name, SecurityPolicy policy, String where, List<String> problems) {
        MessageSecurityMode m;
        switch (name.toLowerCase(Locale.ROOT)) {
            case "" -> m = policy == SecurityPolicy.None ? MessageSecurityMode.None : MessageSecurityMode.SignAndEncrypt;
            case "none" -> m = MessageSecurityMode.None;
            case "sign" -> m = MessageSecurityMode.Sign;
            case "signandencrypt", "sign_and_encrypt", "sign&encrypt" -> m = MessageSecurityMode.SignAndEncrypt;
            default -> {
                problems.add(where + ".securityMode '" + name + "' is none of None, Sign, SignAndEncrypt");
                return MessageSecurityMode.None;
            }
        }
        if (policy == SecurityPolicy.None && m != MessageSecurityMode.None) {
            problems.add(where + ".securityMode " + m + " needs a securityPolicy (Basic256Sha256); with securityPolicy None the mode is None");
        } else if (policy != SecurityPolicy.None && m == MessageSecurityMode.None) {
            problems.add(where + ".securityMode None does not go with securityPolicy " + policy.name() + ": use Sign or SignAndEncrypt");
        }
        return m;
    }
}
