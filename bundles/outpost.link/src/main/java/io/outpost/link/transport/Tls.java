package io.outpost.link.transport;

import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.outpost.link.pki.CertifiedKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManagerFactory;

/**
 * TLS contexts of the link: TLS 1.3, and TLS 1.2 with the ECDHE-ECDSA AES-GCM suite KubeEdge's
 * cloudcore insists on, so that KubeEdge peers connect.
 */
public final class Tls {
    private static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");
    private static final List<String> CIPHERS = List.of(
            "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384");

    private Tls() {
    }

    /** A server context trusting only {@code ca} for client certificates. */
    public static SslContext server(CertifiedKey server, X509Certificate ca, ClientAuth clientAuth) throws SSLException {
        return SslContextBuilder.forServer(server.key(), server.certificate(), ca)
                .sslProvider(SslProvider.JDK)
                .trustManager(ca)
                .clientAuth(clientAuth)
                .protocols(PROTOCOLS)
                .ciphers(CIPHERS)
                .build();
    }

    /** A client context presenting {@code node} and trusting only {@code ca}. */
    public static SslContext client(CertifiedKey node, X509Certificate ca) throws SSLException {
        return SslContextBuilder.forClient()
                .sslProvider(SslProvider.JDK)
                .keyManager(node.key(), node.certificate())
                .trustManager(ca)
                .protocols(PROTOCOLS)
                .ciphers(CIPHERS)
                .build();
    }

    /**
     * The same client credentials as a JDK context, for {@code java.net.http.HttpClient} (the
     * gateway's artifact downloads): presents {@code node}, trusts only {@code ca}.
     */
    public static SSLContext jdkClient(CertifiedKey node, X509Certificate ca) throws GeneralSecurityException {
        char[] pw = new char[0];
        KeyStore keys = KeyStore.getInstance("PKCS12");
        try {
            keys.load(null, pw);
        } catch (java.io.IOException e) {
            throw new GeneralSecurityException(e);
        }
        keys.setKeyEntry("node", node.key(), pw, new java.security.cert.Certificate[] {node.certificate()});
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, pw);
        KeyStore trust = KeyStore.getInstance("PKCS12");
        try {
            trust.load(null, pw);
        } catch (java.io.IOException e) {
            throw new GeneralSecurityException(e);
        }
        trust.setCertificateEntry("ca", ca);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        return ctx;
    }
}
