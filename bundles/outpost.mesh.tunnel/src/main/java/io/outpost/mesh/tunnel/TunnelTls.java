package io.outpost.mesh.tunnel;

import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.outpost.link.pki.CertifiedKey;
import io.outpost.link.pki.Pki;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Set;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Mutual TLS between gateways with the certificates they already hold for the cloud link: each
 * side presents its node certificate (CN {@code system:node:<name>}) and accepts only certificates
 * signed by the cloud CA. Node certificates are issued for client authentication only, so the
 * JDK's default trust manager would refuse one presented by a server; this trust manager checks
 * the chain against the CA (PKIX, no revocation lists: the link has none either) and leaves the
 * check of <em>who</em> the peer is to {@link #peerNode}, done after the handshake.
 */
public final class TunnelTls {
    private static final List<String> PROTOCOLS = List.of("TLSv1.3");

    private TunnelTls() {
    }

    public static SslContext server(CertifiedKey node, X509Certificate ca) throws SSLException {
        return SslContextBuilder.forServer(node.key(), node.certificate()).sslProvider(SslProvider.JDK)
                .trustManager(new CaTrust(ca)).clientAuth(ClientAuth.REQUIRE).protocols(PROTOCOLS).build();
    }

    public static SslContext client(CertifiedKey node, X509Certificate ca) throws SSLException {
        return SslContextBuilder.forClient().sslProvider(SslProvider.JDK).keyManager(node.key(), node.certificate())
                .trustManager(new CaTrust(ca)).protocols(PROTOCOLS).build();
    }

    /** @return the node name in the peer's (already CA-checked) certificate */
    public static String peerNode(SSLSession session) throws SSLPeerUnverifiedException {
        return Pki.nodeNameOf((X509Certificate) session.getPeerCertificates()[0]);
    }

    private static final class CaTrust extends X509ExtendedTrustManager {
        private final X509Certificate ca;

        CaTrust(X509Certificate ca) {
            this.ca = ca;
        }

        private void check(X509Certificate[] chain) throws CertificateException {
            if (chain == null || chain.length == 0) {
                throw new CertificateException("the peer presented no certificate");
            }
            try {
                PKIXParameters params = new PKIXParameters(Set.of(new TrustAnchor(ca, null)));
                params.setRevocationEnabled(false);
                CertPathValidator.getInstance("PKIX").validate(
                        CertificateFactory.getInstance("X.509").generateCertPath(List.of(chain[0])), params);
            } catch (GeneralSecurityException e) {
                throw new CertificateException("the peer's certificate is not signed by this cluster's CA: " + e.getMessage(), e);
            }
            if (!Pki.commonName(chain[0]).startsWith(Pki.NODE_CN_PREFIX)) {
                throw new CertificateException("the peer's certificate is not a node certificate (CN " + Pki.commonName(chain[0]) + ")");
            }
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            check(chain);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            check(chain);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket s) throws CertificateException {
            check(chain);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket s) throws CertificateException {
            check(chain);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine e) throws CertificateException {
            check(chain);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine e) throws CertificateException {
            check(chain);
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[] {ca};
        }
    }
}
