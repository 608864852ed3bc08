package io.outpost.edge.pod;

import com.fasterxml.jackson.databind.JsonNode;
import io.outpost.runtime.api.ContainerRuntime;
import io.outpost.runtime.api.ContainerRuntimeException;
import io.outpost.runtime.api.ExecResult;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * Runs one Kubernetes probe the kubelet's way: {@code exec} in the container (CRI ExecSync, exit
 * code 0 passes), {@code httpGet} from the gateway to the pod IP (status 200–399 passes;
 * redirects are not followed; HTTPS certificates are not verified, as the kubelet does not),
 * {@code tcpSocket} (a connection passes). No OSGi; blocking, called on the pod manager's task
 * threads, never on the reconcile pass.
 */
final class Prober {
    /** What a probe said; message is empty when it passed. */
    record Result(boolean success, String message) {
    }

    /** The probe's timing and thresholds with the Kubernetes defaults. */
    record Timing(int initialDelaySeconds, int periodSeconds, int timeoutSeconds, int successThreshold, int failureThreshold) {
        static Timing of(JsonNode p) {
            return new Timing(Math.max(0, p.path("initialDelaySeconds").asInt(0)), Math.max(1, p.path("periodSeconds").asInt(10)),
                    Math.max(1, p.path("timeoutSeconds").asInt(1)), Math.max(1, p.path("successThreshold").asInt(1)),
                    Math.max(1, p.path("failureThreshold").asInt(3)));
        }
    }

    private static final int MAX_BODY = 10 * 1024;

    private Prober() {
    }

    /**
     * @param probe the probe (liveness, readiness or startup)
     * @param container the container's spec (for named ports)
     * @param containerId the runtime's container id (exec)
     * @param host where httpGet and tcpSocket connect when the probe names no host: the pod IP
     */
    static Result run(JsonNode probe, JsonNode container, String containerId, String host, ContainerRuntime runtime) {
        Duration timeout = Duration.ofSeconds(Timing.of(probe).timeoutSeconds());
        try {
            if (probe.has("exec")) {
                List<String> cmd = new ArrayList<>();
                probe.path("exec").path("command").forEach(c -> cmd.add(c.asText()));
                if (cmd.isEmpty()) {
                    return new Result(false, "exec probe has no command");
                }
                ExecResult r = runtime.execSync(containerId, cmd, timeout);
                if (r.exitCode() == 0) {
                    return new Result(true, "");
                }
                String out = (r.stdoutText() + r.stderrText()).strip();
                return new Result(false, "command " + cmd + " exited with " + r.exitCode() + (out.isEmpty() ? "" : ": " + cut(out)));
            }
            if (probe.has("httpGet")) {
                return http(probe.path("httpGet"), container, host, timeout);
            }
            if (probe.has("tcpSocket")) {
                JsonNode t = probe.path("tcpSocket");
                int port = port(t.path("port"), container);
                String h = t.path("host").asText(host);
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress(h, port), (int) timeout.toMillis());
                    return new Result(true, "");
                }
            }
            return new Result(false, "probe has no handler this gateway supports (exec, httpGet, tcpSocket)");
        } catch (ContainerRuntimeException e) {
            return new Result(false, e.category() == ContainerRuntimeException.Category.TIMEOUT
                    ? "command timed out after " + timeout.toSeconds() + "s" : e.getMessage());
        } catch (IllegalArgumentException e) {
            return new Result(false, e.getMessage());
        } catch (IOException e) {
            return new Result(false, e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }

    private static Result http(JsonNode g, JsonNode container, String host, Duration timeout) throws IOException {
        int port = port(g.path("port"), container);
        String scheme = g.path("scheme").asText("HTTP").toLowerCase();
        String path = g.path("path").asText("/");
        if (!path.startsWith("/")) {
            path = "/" + path;
        }
        String h = g.path("host").asText(host);
        URI uri = URI.create(scheme + "://" + (h.contains(":") ? "[" + h + "]" : h) + ":" + port + path);
        HttpURLConnection c = (HttpURLConnection) uri.toURL().openConnection(java.net.Proxy.NO_PROXY);
        if (c instanceof HttpsURLConnection https) {
            https.setSSLSocketFactory(TRUST_ALL.getSocketFactory());
            https.setHostnameVerifier((a, b) -> true);
        }
        c.setConnectTimeout((int) timeout.toMillis());
        c.setReadTimeout((int) timeout.toMillis());
        c.setInstanceFollowRedirects(false);
        c.setRequestProperty("User-Agent", "kube-probe/1.32");
        c.setRequestProperty("Accept", "*/*");
        for (JsonNode hd : g.path("httpHeaders")) {
            c.setRequestProperty(hd.path("name").asText(), hd.path("value").asText());
        }
        try {
            int code = c.getResponseCode();
            try (InputStream in = code >= 400 ? c.getErrorStream() : c.getInputStream()) {
                if (in != null) {
                    in.readNBytes(MAX_BODY); // bounded: the kubelet reads at most 10 KiB of a probe's body
                }
            }
            if (code >= 200 && code < 400) {
                return new Result(true, "");
            }
            return new Result(false, "HTTP probe failed with statuscode: " + code);
        } finally {
            c.disconnect();
        }
    }

    /** A port number, or the name of one of the container's ports. */
    static int port(JsonNode port, JsonNode container) {
        if (port.isInt()) {
            return check(port.asInt());
        }
        String name = port.asText("");
        if (name.matches("\\d+")) {
            return check(Integer.parseInt(name));
        }
        for (JsonNode p : container.path("ports")) {
            if (name.equals(p.path("name").asText())) {
                return check(p.path("containerPort").asInt());
            }
        }
        throw new IllegalArgumentException("probe port '" + name + "' is neither a number nor the name of a port of container "
                + container.path("name").asText());
    }

    private static int check(int port) {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("probe port " + port + " is not between 1 and 65535");
        }
        return port;
    }

    private static String cut(String s) {
        return s.length() > 200 ? s.substring(0, 200) + "…" : s;
    }

    /** The kubelet does not verify the certificates of HTTPS probes. */
    private static final SSLContext TRUST_ALL;

    static {
        try {
            TRUST_ALL = SSLContext.getInstance("TLS");
            TRUST_ALL.init(null, new TrustManager[] {new X509TrustManager() {
                @Override
                public void checkClientTrusted(X509Certificate[] chain, String authType) {
                }

                @Override
                public void checkServerTrusted(X509Certificate[] chain, String authType) {
                }

                @Override
                public X509Certificate[] getAcceptedIssuers() {
                    return new X509Certificate[0];
                }
            }}, new SecureRandom());
        } catch (java.security.GeneralSecurityException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
