package io.outpost.ota.api;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.Collection;
import java.util.HexFormat;
import java.util.Optional;

/**
 * What a publisher signs and a gateway verifies: an Ed25519 signature over the statement
 *
 * <pre>
 * outpost-ota-artifact-v1
 * name: &lt;name&gt;
 * version: &lt;version&gt;
 * sha256: &lt;64 hex digits&gt;
 * size: &lt;bytes&gt;
 * </pre>
 *
 * (lines ended by {@code \n}). Signing the name and version with the digest means a signed
 * artifact cannot be replayed under another name or as another version. Keys are PEM: a
 * private key in PKCS#8 ({@code openssl genpkey -algorithm ed25519}), a public key in X.509
 * SubjectPublicKeyInfo ({@code openssl pkey -pubout}). A key's id is the first 16 hex digits of
 * the SHA-256 of its public key's encoding.
 *
 * @since 0.1
 */
public final class ArtifactSignature {
    /** Largest PEM key accepted, in characters. */
    public static final int MAX_PEM_CHARS = 8192;

    private ArtifactSignature() {
    }

    /** @return the statement's bytes, for valid name, version and digest */
    public static byte[] statement(String name, String version, String sha256, long size) {
        return ("outpost-ota-artifact-v1\nname: " + ArtifactNames.requireName(name) + "\nversion: " + ArtifactNames.requireVersion(version)
                + "\nsha256: " + ArtifactNames.requireSha256(sha256) + "\nsize: " + size + "\n").getBytes(StandardCharsets.US_ASCII);
    }

    /** @return the base64 signature of the statement */
    public static String sign(PrivateKey key, String name, String version, String sha256, long size) throws GeneralSecurityException {
        Signature s = Signature.getInstance("Ed25519");
        s.initSign(key);
        s.update(statement(name, version, sha256, size));
        return Base64.getEncoder().encodeToString(s.sign());
    }

    /**
     * @param trusted the trusted public keys
     * @param signature the base64 signature; null or empty means unsigned
     * @return the id of the trusted key that made the signature
     * @throws GeneralSecurityException saying why not: unsigned, malformed, or signed by no trusted key
     */
    public static String verify(Collection<PublicKey> trusted, String name, String version, String sha256, long size, String signature)
            throws GeneralSecurityException {
        if (signature == null || signature.isBlank()) {
            throw new GeneralSecurityException("the artifact is not signed; publish it with a signing key (the gateway installs only signed artifacts)");
        }
        byte[] sig;
        try {
            sig = Base64.getDecoder().decode(signature.trim());
        } catch (IllegalArgumentException e) {
            throw new GeneralSecurityException("the signature is not base64");
        }
        if (sig.length != 64) {
            throw new GeneralSecurityException("the signature is not an Ed25519 signature (" + sig.length + " bytes, expected 64)");
        }
        if (trusted.isEmpty()) {
            throw new GeneralSecurityException("no trusted keys are configured on this gateway (trustedKeys / trustedKeyDir of pid io.outpost.edge.ota)");
        }
        byte[] st = statement(name, version, sha256, size);
        for (PublicKey k : trusted) {
            Signature s = Signature.getInstance("Ed25519");
            s.initVerify(k);
            s.update(st);
            try {
                if (s.verify(sig)) {
                    return keyId(k);
                }
            } catch (java.security.SignatureException e) {
                // not this key
            }
        }
        throw new GeneralSecurityException("the signature was not made by a key this gateway trusts (" + trusted.size() + " trusted)");
    }

    /** @return the key id: 16 hex digits of the SHA-256 of the key's encoding */
    public static String keyId(PublicKey key) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(key.getEncoded()), 0, 8);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Parses a PEM {@code PUBLIC KEY} (Ed25519), or the bare base64 of its encoding. */
    public static PublicKey parsePublicKey(String pem) throws GeneralSecurityException {
        return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(der(pem, "PUBLIC KEY")));
    }

    /** Parses a PEM {@code PRIVATE KEY} (PKCS#8, Ed25519). */
    public static PrivateKey parsePrivateKey(String pem) throws GeneralSecurityException {
        return KeyFactory.getInstance("Ed25519").generatePrivate(new PKCS8EncodedKeySpec(der(pem, "PRIVATE KEY")));
    }

    /** @return a PEM {@code PUBLIC KEY} */
    public static String toPem(PublicKey key) {
        return "-----BEGIN PUBLIC KEY-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(key.getEncoded()) + "\n-----END PUBLIC KEY-----\n";
    }

    /** @return a PEM {@code PRIVATE KEY} (PKCS#8) */
    public static String toPem(PrivateKey key) {
        return "-----BEGIN PRIVATE KEY-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(key.getEncoded()) + "\n-----END PRIVATE KEY-----\n";
    }

    /** @return the SHA-256 of the bytes, hex */
    public static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] der(String pem, String type) throws GeneralSecurityException {
        if (pem == null || pem.length() > MAX_PEM_CHARS) {
            throw new GeneralSecurityException("not a PEM " + type + " (missing or longer than " + MAX_PEM_CHARS + " characters)");
        }
        String body = pem.trim();
        String begin = "-----BEGIN " + type + "-----";
        String end = "-----END " + type + "-----";
        int b = body.indexOf(begin);
        if (b >= 0) {
            int e = body.indexOf(end, b);
            if (e < 0) {
                throw new GeneralSecurityException("PEM " + type + " without its END line");
            }
            body = body.substring(b + begin.length(), e);
        } else if (body.startsWith("-----")) {
            throw new GeneralSecurityException("expected a PEM " + type + " (an Ed25519 key from openssl genpkey -algorithm ed25519)");
        }
        try {
            return Base64.getMimeDecoder().decode(body);
        } catch (IllegalArgumentException e) {
            throw new GeneralSecurityException("the PEM " + type + " is not valid base64");
        }
    }

    /** @return the key, if the text is one */
    public static Optional<PublicKey> tryPublicKey(String pem) {
        try {
            return Optional.of(parsePublicKey(pem));
        } catch (GeneralSecurityException e) {
            return Optional.empty();
        }
    }
}
