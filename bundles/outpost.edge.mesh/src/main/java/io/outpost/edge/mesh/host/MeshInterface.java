package io.outpost.edge.mesh.host;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one change the mesh makes to the host's network: a dummy interface it owns (default
 * {@code outpost-mesh0}; an empty bridge where the kernel has no dummy driver) holding the DNS address and every ClusterIP as a /32. A pod's packet to a
 * ClusterIP follows the pod's default route to the host, and the host delivers it locally because
 * the address is its own: no NAT rule, no iptables. Removing the interface removes every address
 * with it. Done with iproute2 ({@code ip}); a command prefix (e.g. {@code ip netns exec ns1}) lets
 * tests work inside a network namespace. No OSGi.
 */
public final class MeshInterface {
    private static final Pattern INET = Pattern.compile("\\binet (\\d+\\.\\d+\\.\\d+\\.\\d+)/32\\b");
    private static final Pattern IPV4 = Pattern.compile("(\\d{1,3}\\.){3}\\d{1,3}");
    private final List<String> prefix;
    private final String name;

    /**
     * @param prefix prepended to every command (empty for the host itself)
     * @param name the interface's name (at most 15 characters, Linux's limit)
     */
    public MeshInterface(List<String> prefix, String name) {
        if (!name.matches("[a-zA-Z0-9_.-]{1,15}")) {
            throw new IllegalArgumentException("interface name '" + name + "' must be 1-15 letters, digits, '_', '.', '-'");
        }
        this.prefix = List.copyOf(prefix);
        this.name = name;
    }

    public String name() {
        return name;
    }

    /** Creates the dummy interface (if missing) and sets it up. */
    public void create() throws IOException {
        if (!exists()) {
            Result r = run(false, "link", "add", name, "type", "dummy");
            if (r.exit != 0 && r.out.contains("Unknown device type")) {
                // Kernels without the dummy driver (some VMs and containers): an empty bridge holds
                // addresses the same way (up, no ports, never forwards anything).
                ip("link", "add", name, "type", "bridge");
            } else if (r.exit != 0) {
                throw new IOException("ip link add " + name + " type dummy failed: " + r.out.strip()
                        + (r.out.contains("Operation not permitted") ? "; the mesh needs root or CAP_NET_ADMIN" : ""));
            }
        }
        ip("link", "set", name, "up");
    }

    public boolean exists() throws IOException {
        return run(false, "link", "show", name).exit == 0;
    }

    /** Deletes the interface and with it every address on it; nothing when it is not there. */
    public void remove() throws IOException {
        if (exists()) {
            ip("link", "del", name);
        }
    }

    /** @return the /32 addresses on the interface now */
    public Set<String> addresses() throws IOException {
        Set<String> out = new TreeSet<>();
        Matcher m = INET.matcher(ip("-4", "addr", "show", "dev", name));
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    /** Makes the interface hold exactly these addresses. */
    public void sync(Set<String> wanted) throws IOException {
        Set<String> have = addresses();
        for (String a : wanted) {
            if (!IPV4.matcher(a).matches()) {
                throw new IllegalArgumentException("'" + a + "' is not an IPv4 address");
            }
            if (!have.contains(a)) {
                ip("addr", "add", a + "/32", "dev", name);
            }
        }
        for (String a : have) {
            if (!wanted.contains(a)) {
                ip("addr", "del", a + "/32", "dev", name);
            }
        }
    }

    private String ip(String... args) throws IOException {
        Result r = run(true, args);
        return r.out;
    }

    private record Result(int exit, String out) {
    }

    private Result run(boolean check, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(prefix);
        cmd.add("ip");
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", cmd) + " did not finish in 10 s");
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted: " + String.join(" ", cmd));
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (check && p.exitValue() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed (exit " + p.exitValue() + "): " + out.strip()
                    + (out.contains("Operation not permitted") ? "; the mesh needs root or CAP_NET_ADMIN" : ""));
        }
        return new Result(p.exitValue(), out);
    }
}
