package io.outpost.edge.mesh.dns;

import io.outpost.edge.mesh.table.MeshService;
import io.outpost.edge.mesh.table.ServiceTable;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Answers the cluster's names from the service table: {@code <svc>.<ns>.svc.<domain>} is the
 * Service's ClusterIP (a headless Service's ready endpoint addresses). Short forms are the pod's
 * resolver's job (search domains); anything else under the cluster domain is NXDOMAIN, and names
 * outside it are not the cluster's ({@link Answer#outside()}).
 */
public final class ClusterResolver {
    /** What the cluster says about a name. */
    public record Answer(boolean outside, boolean exists, List<Inet4Address> addresses) {
        static final Answer OUTSIDE = new Answer(true, false, List.of());
        static final Answer NX = new Answer(false, false, List.of());
    }

    private final String suffix;
    private final Supplier<ServiceTable> table;

    /**
     * @param clusterDomain e.g. {@code cluster.local}
     * @param table the current table, read on every query
     */
    public ClusterResolver(String clusterDomain, Supplier<ServiceTable> table) {
        this.suffix = "." + clusterDomain.toLowerCase(java.util.Locale.ROOT).replaceAll("^\\.+|\\.+$", "");
        this.table = table;
    }

    public Answer resolve(String name) {
        if (!name.endsWith(suffix) && !name.equals(suffix.substring(1))) {
            return Answer.OUTSIDE;
        }
        String head = name.length() > suffix.length() ? name.substring(0, name.length() - suffix.length()) : "";
        String[] labels = head.split("\\.");
        if (labels.length != 3 || !labels[2].equals("svc")) {
            // The cluster domain itself, svc.<domain>, <ns>.svc.<domain> exist as names without records.
            boolean exists = head.isEmpty() || head.equals("svc") || labels.length == 2 && labels[1].equals("svc");
            return new Answer(false, exists, List.of());
        }
        MeshService s = table.get().service(labels[1], labels[0]).orElse(null);
        if (s == null) {
            return Answer.NX;
        }
        List<Inet4Address> out = new ArrayList<>();
        for (String ip : s.headless() ? s.readyAddresses() : List.of(s.clusterIp())) {
            Inet4Address a = v4(ip);
            if (a != null) {
                out.add(a);
            }
        }
        return new Answer(false, true, out);
    }

    private static Inet4Address v4(String ip) {
        if (!ip.matches("\\d{1,3}(\\.\\d{1,3}){3}")) {
            return null;
        }
        try {
            return InetAddress.getByName(ip) instanceof Inet4Address a ? a : null;
        } catch (UnknownHostException e) {
            return null;
        }
    }
}
