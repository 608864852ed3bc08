package io.outpost.link.hub;

import io.outpost.link.pki.CertifiedKey;
import io.outpost.link.pki.Pki;
import io.outpost.link.pki.PkiException;
import io.outpost.link.token.TokenException;
import io.outpost.link.transport.HttpsServer.Request;
import io.outpost.link.transport.HttpsServer.Response;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.function.Function;
import java.util.Set;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The certificate bootstrap, KubeEdge's way: {@code GET /ca.crt} answers the CA in DER;
 * {@code GET} or {@code POST /edge.crt} with a DER (or PEM) certificate request, the node name
 * in the {@code NodeName} header and {@code Authorization: Bearer <jwt>} answers the node's
 * certificate in DER. A gateway renewing its certificate presents its current one as TLS client
 * certificate instead of a token.
 */
public final class BootstrapService implements Function<Request, Response> {
    private static final Logger LOG = LoggerFactory.getLogger(BootstrapService.class);
    /** A Kubernetes node name: a DNS-1123 subdomain. */
    private static final Pattern NODE_NAME = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");

    /** Checks a join token's JWT: signature, expiry, revocation. */
    @FunctionalInterface
    public interface TokenCheck {
        void check(String jwt) throws TokenException;
    }

    private final CertifiedKey ca;
    private final TokenCheck tokens;
    private final Duration nodeCertValidity;

    /**
     * Names the cloud's own services hold certificates for (the mesh relay is
     * {@code system:node:outpost-relay}); a gateway joining under one of them could pose as that
     * service to other gateways, so no join token buys a certificate for them.
     */
    static final Set<String> RESERVED_NODE_NAMES = Set.of("outpost-relay");

    public BootstrapService(CertifiedKey ca, TokenCheck tokens, Duration nodeCertValidity) {
        this.ca = ca;
        this.tokens = tokens;
        this.nodeCertValidity = nodeCertValidity;
    }

    /** @return whether a string is a valid Kubernetes node name */
    public static boolean isValidNodeName(String name) {
        return name != null && name.length() <= 253 && NODE_NAME.matcher(name).matches();
    }

    @Override
    public Response apply(Request req) {
        switch (req.path()) {
            case "/ca.crt":
                if (!"GET".equals(req.method())) {
                    return Response.text(405, "use GET for /ca.crt");
                }
                try {
                    return new Response(200, "application/pkix-cert", ca.certificate().getEncoded());
                } catch (CertificateEncodingException e) {
                    return Response.text(500, "cannot encode the CA certificate");
                }
            case "/edge.crt":
                if (!"GET".equals(req.method()) && !"POST".equals(req.method())) {
                    return Response.text(405, "use GET or POST with a certificate request body for /edge.crt");
                }
                return sign(req);
            default:
                return Response.text(404, "unknown path " + req.path() + "; the bootstrap serves /ca.crt and /edge.crt");
        }
    }

    private Response sign(Request req) {
        String node = req.header("NodeName");
        if (node == null || node.isBlank()) {
            return Response.text(400, "missing header NodeName: say which node the certificate is for");
        }
        if (!isValidNodeName(node)) {
            return Response.text(400, "invalid node name '" + node + "': use lower-case letters, digits, '-' and '.' (a DNS-1123 subdomain)");
        }
        if (RESERVED_NODE_NAMES.contains(node)) {
            return Response.text(403, "node name '" + node + "' is reserved for the cloud's own services: join under another name");
        }
        String auth = req.header("Authorization");
        X509Certificate current = req.clientCertificate();
        if (auth == null || auth.isBlank()) {
            if (current == null) {
                return Response.text(401, "missing join token: send 'Authorization: Bearer <jwt>' (the part of the join token after the CA hash)");
            }
            // Renewal: TLS has verified the client certificate against our CA.
            String certNode = Pki.nodeNameOf(current);
            if (!certNode.equals(node)) {
                return Response.text(403, "the client certificate is for node '" + certNode + "', it cannot renew the certificate of '" + node + "'");
            }
        } else {
            String[] parts = auth.trim().split(" ");
            if (parts.length != 2 || !"Bearer".equalsIgnoreCase(parts[0])) {
                return Response.text(401, "malformed Authorization header: expected 'Bearer <jwt>'");
            }
            try {
                tokens.check(parts[1]);
            } catch (TokenException e) {
                int status = switch (e.reason()) {
                    case REVOKED, FOREIGN_CA -> 403;
                    default -> 401;
                };
                LOG.warn("join of node {} refused: {}", node, e.getMessage());
                return Response.text(status, e.getMessage());
            }
        }
        try {
            X509Certificate cert = Pki.signNodeCsr(ca, req.body(), node, nodeCertValidity);
            LOG.info("issued a certificate for node {} valid until {}", node, cert.getNotAfter().toInstant());
            return new Response(200, "application/pkix-cert", cert.getEncoded());
        } catch (PkiException e) {
            return Response.text(400, e.getMessage());
        } catch (CertificateEncodingException e) {
            return Response.text(500, "cannot encode the certificate");
        }
    }
}
