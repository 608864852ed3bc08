package io.outpost.link.hub;

import io.outpost.hub.api.LinkException;
import io.outpost.link.pki.CertifiedKey;
import io.outpost.link.pki.Pki;
import io.outpost.link.pki.PkiException;
import io.outpost.link.token.JoinToken;
import io.outpost.link.token.TokenException;
import io.outpost.link.transport.LinkClient;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.HttpURLConnection;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * The edge side of the certificate bootstrap: fetch the CA, pin it by the token's hash, create
 * a key locally (it never leaves the gateway) and have the cloud sign a certificate. Every
 * failure is reported as a {@link LinkException} that says what to check.
 */
public final class Joiner {
    private static final int MAX_RESPONSE = 64 * 1024;
    private static final int TIMEOUT_MS = 15_000;

    private Joiner() {
    }

    /**
     * Joins: returns the new credentials (not yet stored).
     *
     * @param host the cloud's host
     * @param bootstrapPort its bootstrap port
     * @param hubPort its hub port, stored for later connections
     */
    public static Credentials join(String host, int bootstrapPort, int hubPort, String token, String nodeName) throws LinkException {
        JoinToken t;
        try {
            t = JoinToken.parse(token);
        } catch (TokenException e) {
            throw new LinkException(e.getMessage());
        }
        String base = "https://" + hostForUrl(host) + ":" + bootstrapPort;
        byte[] caDer = fetch(base + "/ca.crt", trustAll(), null, null, null, "fetching the cloud's CA");
        X509Certificate ca;
        try {
            ca = Pki.parseCertificate(caDer);
        } catch (PkiException e) {
            throw new LinkException("the cloud at " + host + ":" + bootstrapPort + " answered /ca.crt with something that is not a certificate: "
                    + e.getMessage() + " (is this the cloud's bootstrap port?)");
        }
        String actual = Pki.caHash(ca);
        if (!actual.equals(t.caHash())) {
            throw new LinkException("the cloud at " + host + ":" + bootstrapPort + " has CA hash " + actual
                    + " but the token expects " + t.caHash() + ": the token was made by another cloud, or the address points to the wrong server");
        }
        KeyPair kp = Pki.newKeyPair();
        byte[] csr = Pki.newNodeCsr(kp, nodeName);
        byte[] certDer = fetch(base + "/edge.crt", trusting(ca, null), csr, "Bearer " + t.jwt(), nodeName, "requesting the node certificate");
        return new Credentials(ca, new CertifiedKey(kp.getPrivate(), checkIssued(certDer, ca, nodeName)), host, hubPort, bootstrapPort);
    }

    /** Renews the node certificate with a new key, authenticated by the current certificate. */
    public static Credentials renew(Credentials current, String nodeName) throws LinkException {
        KeyPair kp = Pki.newKeyPair();
        byte[] csr = Pki.newNodeCsr(kp, nodeName);
        String base = "https://" + hostForUrl(current.cloudHost()) + ":" + current.bootstrapPort();
        byte[] certDer = fetch(base + "/edge.crt", trusting(current.ca(), current.node()), csr, null, nodeName, "renewing the node certificate");
        return new Credentials(current.ca(), new CertifiedKey(kp.getPrivate(), checkIssued(certDer, current.ca(), nodeName)),
                current.cloudHost(), current.hubPort(), current.bootstrapPort());
    }

    private static X509Certificate checkIssued(byte[] der, X509Certificate ca, String nodeName) throws LinkException {
        try {
            X509Certificate cert = Pki.parseCertificate(der);
            cert.verify(ca.getPublicKey());
            if (!nodeName.equals(Pki.nodeNameOf(cert))) {
                throw new LinkException("the cloud issued a certificate for '" + Pki.commonName(cert) + "' instead of node '" + nodeName + "'");
            }
            return cert;
        } catch (PkiException | GeneralSecurityException e) {
            throw new LinkException("the cloud's answer is not a certificate signed by its CA: " + e.getMessage());
        }
    }

    private static byte[] fetch(String url, SSLContext ssl, byte[] body, String auth, String nodeName, String what) throws LinkException {
        HttpsURLConnection c = null;
        java.net.URI u = java.net.URI.create(url);
        try {
            c = (HttpsURLConnection) u.toURL().openConnection();
            c.setSSLSocketFactory(ssl.getSocketFactory());
            c.setConnectTimeout(TIMEOUT_MS);
            c.setReadTimeout(TIMEOUT_MS);
            c.setInstanceFollowRedirects(false);
            if (auth != null) {
                c.setRequestProperty("Authorization", auth);
            }
            if (nodeName != null) {
                c.setRequestProperty("NodeName", nodeName);
            }
            if (body != null) {
                c.setRequestMethod("POST");
                c.setDoOutput(true);
                c.setRequestProperty("Content-Type", "application/pkcs10");
                try (OutputStream out = c.getOutputStream()) {
                    out.write(body);
                }
            }
            int status = c.getResponseCode();
            if (status != 200) {
                String text = new String(read(c.getErrorStream()), StandardCharsets.UTF_8).trim();
                throw new LinkException(what + " failed: the cloud answered " + status + ": " + (text.isEmpty() ? c.getResponseMessage() : text));
            }
            return read(c.getInputStream());
        } catch (LinkException e) {
            throw e;
        } catch (SSLPeerUnverifiedException e) {
            throw new LinkException(what + " failed: the cloud's certificate is not valid for '" + u.getHost()
                    + "' (" + e.getMessage() + "); use an address listed in the cloud hub's advertiseAddress, or add this one there");
        } catch (SSLHandshakeException e) {
            String m = LinkClient.messages(e);
            if (m.contains("subject alternative") || m.contains("No name matching") || m.contains("No subject alternative")) {
                throw new LinkException(what + " failed: the cloud's certificate is not valid for '" + u.getHost()
                        + "' (" + m + "); use an address listed in the cloud hub's advertiseAddress, or add this one there");
            }
            throw new LinkException(what + " failed: TLS handshake with " + (u.getHost() + ":" + u.getPort()) + " failed: " + m
                    + " (the server is not the cloud that issued the token, or it refused this gateway's certificate)");
        } catch (ConnectException | SocketTimeoutException e) {
            throw new LinkException(what + " failed: cannot reach the cloud's bootstrap endpoint at " + (u.getHost() + ":" + u.getPort())
                    + ": " + e.getMessage() + " (check the address, that the cloud side is running, and that the port is open)");
        } catch (UnknownHostException e) {
            throw new LinkException(what + " failed: unknown host " + e.getMessage() + " (check the cloud address)");
        } catch (IOException e) {
            throw new LinkException(what + " failed: " + LinkClient.messages(e));
        } finally {
            if (c != null) {
                c.disconnect();
            }
        }
    }

    private static byte[] read(InputStream in) throws IOException {
        if (in == null) {
            return new byte[0];
        }
        try (in) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buf = new byte[8192];
            int n;
            while ((n = in.read(buf)) > 0) {
                if (out.size() + n > MAX_RESPONSE) {
                    throw new IOException("the cloud's answer is larger than " + MAX_RESPONSE + " bytes");
                }
                out.write(buf, 0, n);
            }
            return out.toByteArray();
        }
    }

    static String hostForUrl(String host) {
        return host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host;
    }

    /** Trusts any server: only for fetching the CA, which is then pinned by the token's hash. */
    private static SSLContext trustAll() throws LinkException {
        TrustManager tm = new X509TrustManager() {
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
        };
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, new TrustManager[] {tm}, null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new LinkException("TLS is not available: " + e.getMessage());
        }
    }

    private static SSLContext trusting(X509Certificate ca, CertifiedKey client) throws LinkException {
        try {
            KeyStore ts = KeyStore.getInstance("PKCS12");
            ts.load(null, null);
            ts.setCertificateEntry("ca", ca);
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ts);
            KeyManagerFactory kmf = null;
            if (client != null) {
                KeyStore ks = KeyStore.getInstance("PKCS12");
                ks.load(null, null);
                char[] pw = "transient".toCharArray();
                ks.setKeyEntry("node", client.key(), pw, new X509Certificate[] {client.certificate()});
                kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(ks, pw);
            }
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
            return ctx;
        } catch (GeneralSecurityException | IOException e) {
            throw new LinkException("cannot set up TLS with the cloud's CA: " + e.getMessage());
        }
    }
}
