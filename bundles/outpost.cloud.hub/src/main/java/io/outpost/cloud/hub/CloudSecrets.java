package io.outpost.cloud.hub;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.outpost.hub.api.JoinTokens;
import io.outpost.hub.api.LinkException;
import io.outpost.link.pki.CertifiedKey;
import io.outpost.link.pki.Pki;
import io.outpost.link.pki.PkiException;
import io.outpost.link.token.JoinToken;
import io.outpost.link.token.TokenException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * The cloud's durable secrets, kept as Kubernetes Secrets so every replica shares them and they
 * survive restarts: the CA ({@code outpost-ca}), the key that signs join tokens
 * ({@code outpost-token-key}) and the issued tokens ({@code outpost-join-tokens}, one key per
 * token id, so tokens can be listed and revoked).
 */
final class CloudSecrets implements JoinTokens {
    static final String CA_SECRET = "outpost-ca";
    static final String TOKEN_KEY_SECRET = "outpost-token-key";
    static final String TOKENS_SECRET = "outpost-join-tokens";

    private static final ObjectMapper JSON = new ObjectMapper();
    private final KubernetesClient client;
    private final String namespace;
    private final SecureRandom random = new SecureRandom();
    private CertifiedKey ca;
    private byte[] tokenKey;

    CloudSecrets(KubernetesClient client, String namespace) {
        this.client = client;
        this.namespace = namespace;
    }

    /** Loads the CA and token key, creating them on the first start of the first replica. */
    void init(Duration caValidity) throws PkiException {
        if (client.namespaces().withName(namespace).get() == null) {
            try {
                client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(namespace).endMetadata().build()).create();
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409) {
                    throw e;
                }
            }
        }
        Secret caSecret = getOrCreate(CA_SECRET, () -> {
            CertifiedKey fresh = Pki.newCa("outpost-ca", caValidity);
            return Map.of("ca.crt", Pki.toPem(fresh.certificate()), "ca.key", Pki.toPem(fresh.key()));
        });
        ca = new CertifiedKey(Pki.parsePrivateKey(decode(caSecret, "ca.key")), Pki.parseCertificate(decode(caSecret, "ca.crt").getBytes(StandardCharsets.US_ASCII)));
        Secret keySecret = getOrCreate(TOKEN_KEY_SECRET, () -> {
            byte[] k = new byte[32];
            random.nextBytes(k);
            return Map.of("key", HexFormat.of().formatHex(k));
        });
        tokenKey = HexFormat.of().parseHex(decode(keySecret, "key"));
        getOrCreate(TOKENS_SECRET, Map::of);
    }

    CertifiedKey ca() {
        return ca;
    }

    private Secret getOrCreate(String name, java.util.function.Supplier<Map<String, String>> data) {
        Secret s = client.secrets().inNamespace(namespace).withName(name).get();
        if (s != null) {
            return s;
        }
        Secret fresh = new SecretBuilder().withNewMetadata().withName(name).withNamespace(namespace)
                .addToLabels("app.kubernetes.io/part-of", "outpost").endMetadata()
                .withType("Opaque").withData(encode(data.get())).build();
        try {
            client.secrets().inNamespace(namespace).resource(fresh).create();
        } catch (KubernetesClientException e) {
            if (e.getCode() != 409) {
                throw e;
            }
            // another replica created it first: use theirs
        }
        return client.secrets().inNamespace(namespace).withName(name).get();
    }

    private static Map<String, String> encode(Map<String, String> plain) {
        Map<String, String> out = new HashMap<>();
        plain.forEach((k, v) -> out.put(k, Base64.getEncoder().encodeToString(v.getBytes(StandardCharsets.UTF_8))));
        return out;
    }

    private static String decode(Secret s, String key) throws PkiException {
        String v = s.getData() != null ? s.getData().get(key) : null;
        if (v == null && s.getStringData() != null) {
            return s.getStringData().get(key);
        }
        if (v == null) {
            throw new PkiException("secret " + s.getMetadata().getName() + " lacks key " + key);
        }
        return new String(Base64.getDecoder().decode(v), StandardCharsets.UTF_8);
    }

    /** Checks a bearer JWT: signature, expiry, and that it is a known, unrevoked token. */
    void check(String jwt) throws TokenException {
        String id = JoinToken.verify(jwt, tokenKey, Instant.now());
        Map<String, String> tokens = tokensData();
        String rec = tokens.get(id);
        if (rec == null) {
            throw new TokenException(TokenException.Reason.REVOKED, "the token is not known to this cloud (revoked and removed?); create a new one with 'outpost:token create'");
        }
        try {
            if (JSON.readTree(rec).path("revoked").asBoolean()) {
                throw new TokenException(TokenException.Reason.REVOKED, "the token " + id + " was revoked; create a new one with 'outpost:token create'");
            }
        } catch (java.io.IOException e) {
            throw new TokenException(TokenException.Reason.REVOKED, "the record of token " + id + " is damaged");
        }
    }

    private Map<String, String> tokensData() {
        Secret s = client.secrets().inNamespace(namespace).withName(TOKENS_SECRET).get();
        Map<String, String> out = new HashMap<>();
        if (s != null && s.getData() != null) {
            s.getData().forEach((k, v) -> out.put(k, new String(Base64.getDecoder().decode(v), StandardCharsets.UTF_8)));
        }
        return out;
    }

    @Override
    public Token create(Duration ttl, String description) throws LinkException {
        if (ttl.isNegative() || ttl.isZero()) {
            throw new LinkException("a token's lifetime must be positive, got " + ttl);
        }
        byte[] idBytes = new byte[6];
        random.nextBytes(idBytes);
        String id = HexFormat.of().formatHex(idBytes);
        Instant now = Instant.now();
        Instant exp = now.plus(ttl);
        String token = JoinToken.create(Pki.caHash(ca.certificate()), tokenKey, id, now, exp);
        ObjectNode rec = JSON.createObjectNode().put("token", token).put("expires", exp.toString()).put("revoked", false)
                .put("description", description == null ? "" : description);
        updateTokens(m -> {
            // prune tokens that expired more than a day ago
            m.entrySet().removeIf(e -> parse(e.getKey(), e.getValue()).expires().isBefore(now.minus(Duration.ofDays(1))));
            m.put(id, rec.toString());
            return true;
        });
        return new Token(id, token, exp, false, rec.path("description").asText());
    }

    @Override
    public List<Token> list() throws LinkException {
        List<Token> out = new ArrayList<>();
        Instant now = Instant.now();
        try {
            tokensData().forEach((id, rec) -> {
                Token t = parse(id, rec);
                if (t.expires().isAfter(now)) {
                    out.add(t);
                }
            });
        } catch (KubernetesClientException e) {
            throw new LinkException("cannot read the tokens from the Kubernetes API: " + e.getMessage());
        }
        out.sort((a, b) -> a.expires().compareTo(b.expires()));
        return out;
    }

    @Override
    public boolean revoke(String id) throws LinkException {
        boolean[] found = {false};
        updateTokens(m -> {
            String rec = m.get(id);
            if (rec == null) {
                return false;
            }
            try {
                ObjectNode n = (ObjectNode) JSON.readTree(rec);
                n.put("revoked", true);
                m.put(id, n.toString());
                found[0] = true;
                return true;
            } catch (java.io.IOException e) {
                return false;
            }
        });
        return found[0];
    }

    private static Token parse(String id, String rec) {
        try {
            var n = JSON.readTree(rec);
            return new Token(id, n.path("token").asText(), Instant.parse(n.path("expires").asText()), n.path("revoked").asBoolean(),
                    n.path("description").asText());
        } catch (java.io.IOException | RuntimeException e) {
            return new Token(id, "", Instant.EPOCH, true, "damaged record");
        }
    }

    /** Read-modify-write of the tokens secret with optimistic locking, retried on conflicts. */
    private void updateTokens(java.util.function.Predicate<Map<String, String>> change) throws LinkException {
        for (int attempt = 0; attempt < 5; attempt++) {
            try {
                Secret s = client.secrets().inNamespace(namespace).withName(TOKENS_SECRET).get();
                Map<String, String> data = new HashMap<>();
                if (s.getData() != null) {
                    s.getData().forEach((k, v) -> data.put(k, new String(Base64.getDecoder().decode(v), StandardCharsets.UTF_8)));
                }
                if (!change.test(data)) {
                    return;
                }
                Map<String, String> encoded = new HashMap<>();
                data.forEach((k, v) -> encoded.put(k, Base64.getEncoder().encodeToString(v.getBytes(StandardCharsets.UTF_8))));
                s.setData(encoded);
                s.setStringData(null);
                client.secrets().inNamespace(namespace).resource(s).update();
                return;
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409) {
                    throw new LinkException("cannot store the tokens in the Kubernetes API: " + e.getMessage());
                }
            }
        }
        throw new LinkException("cannot store the tokens: too many concurrent changes, try again");
    }
}
