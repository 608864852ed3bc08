package io.outpost.link.pki;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Objects;

/**
 * A private key with its certificate.
 *
 * @param key the private key
 * @param certificate the certificate of the key's public half
 */
public record CertifiedKey(PrivateKey key, X509Certificate certificate) {
    public CertifiedKey {
        Objects.requireNonNull(key);
        Objects.requireNonNull(certificate);
    }
}
