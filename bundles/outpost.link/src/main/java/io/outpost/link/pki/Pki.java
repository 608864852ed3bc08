package io.outpost.link.pki;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.math.BigInteger;
import java.net.InetAddress;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x500.style.IETFUtils;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.PKCSException;
import org.bouncycastle.pkcs.PKCS10CertificationRequestBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemWriter;

/**
 * Certificate operations of the link. Keys are ECDSA P-256 (as KubeEdge's), signatures
 * SHA256withECDSA. Stateless; every method is thread-safe.
 */
public final class Pki {
    /** Largest certificate, key or request this code will parse: real ones are about 1 KiB. */
    public static final int MAX_ENCODED_BYTES = 64 * 1024;

    /** Common name prefix of node certificates, as Kubernetes' and KubeEdge's node identities. */
    public static final String NODE_CN_PREFIX = "system:node:";
    /** Organisation of node certificates. */
    public static final String NODES_ORG = "system:nodes";

    private static final String SIG_ALG = "SHA256withECDSA";
    private static final SecureRandom RANDOM = new SecureRandom();

    private Pki() {
    }

    /** @return a new ECDSA P-256 key pair */
    public static KeyPair newKeyPair() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK offers no EC P-256 keys", e);
        }
    }

    /**
     * Creates a self-signed CA certificate.
     *
     * @param commonName the CA's CN
     * @param validity how long it is valid from now
     */
    public static CertifiedKey newCa(String commonName, Duration validity) {
        KeyPair kp = newKeyPair();
        try {
            X500Name name = name(commonName, null);
            Instant now = Instant.now();
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(
                    name, serial(), Date.from(now.minusSeconds(300)), Date.from(now.plus(validity)), name, kp.getPublic());
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign | KeyUsage.digitalSignature));
            b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(kp.getPublic()));
            return new CertifiedKey(kp.getPrivate(), toX509(b.build(signer(kp.getPrivate()))));
        } catch (IOException | GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException("cannot create a CA certificate: " + e.getMessage(), e);
        }
    }

    /**
     * Issues a server certificate for the cloud hub, valid for the given DNS names and IP
     * addresses.
     */
    public static CertifiedKey issueServer(CertifiedKey ca, String commonName, List<String> subjectAltNames, Duration validity) {
        KeyPair kp = newKeyPair();
        List<GeneralName> sans = new ArrayList<>();
        for (String san : subjectAltNames) {
            sans.add(isIpLiteral(san) ? new GeneralName(GeneralName.iPAddress, san) : new GeneralName(GeneralName.dNSName, san));
        }
        X509Certificate cert = issue(ca, name(commonName, null), kp.getPublic(), validity,
                KeyPurposeId.id_kp_serverAuth, sans.toArray(GeneralName[]::new));
        return new CertifiedKey(kp.getPrivate(), cert);
    }

    /**
     * Creates a certificate signing request for a node: subject CN is the node name.
     *
     * @return the request in DER
     */
    public static byte[] newNodeCsr(KeyPair keyPair, String nodeName) {
        try {
            X500Name subject = name(NODE_CN_PREFIX + nodeName, NODES_ORG);
            return new JcaPKCS10CertificationRequestBuilder(subject, keyPair.getPublic())
                    .build(signer(keyPair.getPrivate())).getEncoded();
        } catch (IOException | OperatorCreationException e) {
            throw new IllegalStateException("cannot create a certificate request: " + e.getMessage(), e);
        }
    }

    /**
     * Signs a node's certificate request, after checking that it is well formed, that its
     * signature is valid and that its CN is the expected node name.
     *
     * @param csr the request, DER or PEM
     * @param expectedNode the node name the token holder asked for
     * @throws PkiException with a message a user can act on when the request is not acceptable
     */
    public static X509Certificate signNodeCsr(CertifiedKey ca, byte[] csr, String expectedNode, Duration validity)
            throws PkiException {
        PKCS10CertificationRequest req = parseCsr(csr);
        java.security.PublicKey pub;
        try {
            pub = KeyFactory.getInstance("EC").generatePublic(
                    new java.security.spec.X509EncodedKeySpec(req.getSubjectPublicKeyInfo().getEncoded()));
        } catch (IOException | GeneralSecurityException e) {
            throw new PkiException("the certificate request's key is not an EC key: " + e.getMessage());
        }
        try {
            if (!req.isSignatureValid(new JcaContentVerifierProviderBuilder().build(pub))) {
                throw new PkiException("the certificate request's signature is invalid");
            }
        } catch (OperatorCreationException | PKCSException e) {
            throw new PkiException("the certificate request's signature cannot be checked: " + e.getMessage());
        }
        String cn = commonName(req.getSubject());
        if (!expectedNode.equals(nodeNameOf(cn))) {
            throw new PkiException("the certificate request is for '" + cn + "' but the request names node '"
                    + expectedNode + "' (expected CN " + NODE_CN_PREFIX + expectedNode + "); a gateway can only request a certificate for itself");
        }
        {
            return issue(ca, name(NODE_CN_PREFIX + expectedNode, NODES_ORG), pub, validity,
                    KeyPurposeId.id_kp_clientAuth);
        }
    }

    private static X509Certificate issue(CertifiedKey ca, X500Name subject, java.security.PublicKey pub, Duration validity,
            KeyPurposeId purpose, GeneralName... sans) {
        try {
            Instant now = Instant.now();
            Instant notAfter = now.plus(validity);
            if (notAfter.isAfter(ca.certificate().getNotAfter().toInstant())) {
                notAfter = ca.certificate().getNotAfter().toInstant();
            }
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(
                    X500Name.getInstance(ca.certificate().getSubjectX500Principal().getEncoded()), serial(),
                    Date.from(now.minusSeconds(300)), Date.from(notAfter), subject, pub);
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
            b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purpose));
            b.addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(ca.certificate()));
            if (sans.length > 0) {
                b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(sans));
            }
            return toX509(b.build(signer(ca.key())));
        } catch (IOException | GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException("cannot issue a certificate: " + e.getMessage(), e);
        }
    }

    /**
     * @return the node name a certificate or CSR common name stands for: the CN without the
     *     {@code system:node:} prefix (a bare CN is accepted for older gateways)
     */
    public static String nodeNameOf(String commonName) {
        return commonName.startsWith(NODE_CN_PREFIX) ? commonName.substring(NODE_CN_PREFIX.length()) : commonName;
    }

    /** @return the node name of a node certificate, see {@link #nodeNameOf(String)} */
    public static String nodeNameOf(X509Certificate cert) {
        return nodeNameOf(commonName(cert));
    }

    /** @return the CN of a certificate's subject, or "" */
    public static String commonName(X509Certificate cert) {
        return commonName(X500Name.getInstance(cert.getSubjectX500Principal().getEncoded()));
    }

    private static String commonName(X500Name name) {
        var rdns = name.getRDNs(BCStyle.CN);
        return rdns.length == 0 ? "" : IETFUtils.valueToString(rdns[0].getFirst().getValue());
    }

    /**
     * The CA hash carried in join tokens: SHA-256 of the CA certificate's DER encoding, as
     * lower-case hex (KubeEdge's format).
     */
    public static String caHash(X509Certificate ca) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(ca.getEncoded()));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Parses one certificate, DER or PEM. */
    public static X509Certificate parseCertificate(byte[] bytes) throws PkiException {
        if (bytes.length == 0 || bytes.length > MAX_ENCODED_BYTES) {
            throw new PkiException("a certificate must be between 1 byte and " + MAX_ENCODED_BYTES + " bytes, got " + bytes.length);
        }
        try {
            CertificateFactory cf = CertificateFactory.getInstance("X.509");
            return (X509Certificate) cf.generateCertificate(new ByteArrayInputStream(bytes));
        } catch (CertificateException | RuntimeException e) {
            throw new PkiException("not an X.509 certificate (DER or PEM): " + e.getMessage());
        }
    }

    private static PKCS10CertificationRequest parseCsr(byte[] bytes) throws PkiException {
        if (bytes.length == 0 || bytes.length > MAX_ENCODED_BYTES) {
            throw new PkiException("a certificate request must be between 1 byte and " + MAX_ENCODED_BYTES + " bytes, got " + bytes.length);
        }
        try {
            byte[] der = bytes;
            if (startsWithPem(bytes)) {
                try (PEMParser p = new PEMParser(new StringReader(new String(bytes, java.nio.charset.StandardCharsets.US_ASCII)))) {
                    Object o = p.readObject();
                    if (!(o instanceof PKCS10CertificationRequest r)) {
                        throw new PkiException("the PEM block is not a CERTIFICATE REQUEST");
                    }
                    return r;
                }
            }
            return new PKCS10CertificationRequest(der);
        } catch (IOException | RuntimeException e) {
            throw new PkiException("not a PKCS#10 certificate request (DER or PEM): " + e.getMessage());
        }
    }

    private static boolean startsWithPem(byte[] b) {
        return b.length > 10 && new String(b, 0, 10, java.nio.charset.StandardCharsets.US_ASCII).startsWith("-----BEGIN");
    }

    /** @return the PEM encoding of a certificate */
    public static String toPem(X509Certificate cert) {
        try {
            return pem("CERTIFICATE", cert.getEncoded());
        } catch (CertificateException e) {
            throw new IllegalStateException(e);
        }
    }

    /** @return the PEM (PKCS#8) encoding of a private key */
    public static String toPem(PrivateKey key) {
        return pem("PRIVATE KEY", key.getEncoded());
    }

    /** @return the PEM encoding of a DER certificate request */
    public static String csrToPem(byte[] der) {
        return pem("CERTIFICATE REQUEST", der);
    }

    private static String pem(String type, byte[] der) {
        StringWriter w = new StringWriter();
        try (PemWriter pw = new PemWriter(w)) {
            pw.writeObject(new PemObject(type, der));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return w.toString();
    }

    /** Parses a PKCS#8 EC private key in PEM. */
    public static PrivateKey parsePrivateKey(String pem) throws PkiException {
        if (pem.length() > MAX_ENCODED_BYTES) {
            throw new PkiException("a private key file must be at most " + MAX_ENCODED_BYTES + " bytes");
        }
        String b64 = pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        try {
            return KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(b64)));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new PkiException("not a PKCS#8 EC private key in PEM: " + e.getMessage());
        }
    }

    private static X500Name name(String cn, String org) {
        X500NameBuilder b = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, cn);
        if (org != null) {
            b.addRDN(BCStyle.O, org);
        }
        return b.build();
    }

    private static ContentSigner signer(PrivateKey key) throws OperatorCreationException {
        return new JcaContentSignerBuilder(SIG_ALG).build(key);
    }

    private static X509Certificate toX509(X509CertificateHolder h) throws CertificateException {
        try {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(h.getEncoded()));
        } catch (IOException e) {
            throw new CertificateException(e);
        }
    }

    private static BigInteger serial() {
        return new BigInteger(127, RANDOM).add(BigInteger.ONE);
    }

    private static boolean isIpLiteral(String s) {
        if (s.indexOf(':') >= 0) {
            return true;
        }
        if (!s.matches("[0-9.]+")) {
            return false;
        }
        try {
            InetAddress.getByName(s);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
