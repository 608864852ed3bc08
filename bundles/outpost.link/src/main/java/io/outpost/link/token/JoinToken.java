package io.outpost.link.token;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A parsed join token {@code <caHash>.<header>.<payload>.<signature>}.
 *
 * @param caHash SHA-256 of the cloud CA's DER encoding, lower-case hex
 * @param jwt the JWT part, as sent in {@code Authorization: Bearer}
 * @param id the JWT id ({@code jti}), or "" when the issuer set none (KubeEdge's tokens)
 * @param expires the JWT's expiry ({@code exp})
 */
public record JoinToken(String caHash, String jwt, String id, Instant expires) {
    /** Largest token accepted: real ones are about 250 bytes. */
    public static final int MAX_LENGTH = 4096;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder B64D = Base64.getUrlDecoder();

    /** Creates a token signed with the cloud's token secret. */
    public static String create(String caHash, byte[] secret, String id, Instant issuedAt, Instant expires) {
        ObjectNode header = JSON.createObjectNode().put("alg", "HS256").put("typ", "JWT");
        ObjectNode claims = JSON.createObjectNode()
                .put("jti", id)
                .put("iat", issuedAt.getEpochSecond())
                .put("exp", expires.getEpochSecond());
        String signingInput = B64.encodeToString(header.toString().getBytes(StandardCharsets.UTF_8)) + "."
                + B64.encodeToString(claims.toString().getBytes(StandardCharsets.UTF_8));
        return caHash + "." + signingInput + "." + B64.encodeToString(hmac(secret, signingInput));
    }

    /**
     * Parses a full token {@code <caHash>.<jwt>} without checking its signature (a joining
     * gateway cannot: it only needs the CA hash).
     */
    public static JoinToken parse(String token) throws TokenException {
        if (token == null || token.isBlank()) {
            throw new TokenException(TokenException.Reason.MISSING, "no join token given; create one on the cloud with 'outpost:token create'");
        }
        token = token.trim();
        if (token.length() > MAX_LENGTH) {
            throw new TokenException(TokenException.Reason.MALFORMED, "the join token is " + token.length() + " characters long; tokens are at most " + MAX_LENGTH);
        }
        int dot = token.indexOf('.');
        if (dot < 0) {
            throw new TokenException(TokenException.Reason.MALFORMED, "the join token is malformed: expected <caHash>.<jwt>, found no '.'");
        }
        String hash = token.substring(0, dot);
        if (!hash.matches("[0-9a-fA-F]{64}")) {
            throw new TokenException(TokenException.Reason.MALFORMED,
                    "the join token is malformed: it must start with the 64 hex digits of the cloud CA's SHA-256 hash");
        }
        String jwt = token.substring(dot + 1);
        JsonNode claims = claimsOf(jwt);
        return new JoinToken(hash.toLowerCase(java.util.Locale.ROOT), jwt, claims.path("jti").asText(""),
                Instant.ofEpochSecond(claims.path("exp").asLong(0)));
    }

    /**
     * Checks a JWT's signature and expiry against the cloud's secret.
     *
     * @param jwt the JWT part (the bearer token)
     * @return the JWT's id ({@code jti}), or "" if it has none
     */
    public static String verify(String jwt, byte[] secret, Instant now) throws TokenException {
        if (jwt == null || jwt.isBlank()) {
            throw new TokenException(TokenException.Reason.MISSING, "no token: send 'Authorization: Bearer <jwt>' with the JWT part of a join token");
        }
        if (jwt.length() > MAX_LENGTH) {
            throw new TokenException(TokenException.Reason.MALFORMED, "the token is longer than " + MAX_LENGTH + " characters");
        }
        JsonNode claims = claimsOf(jwt);
        String[] parts = jwt.split("\\.", -1);
        JsonNode header = decodeJson(parts[0], "header");
        if (!"HS256".equals(header.path("alg").asText())) {
            throw new TokenException(TokenException.Reason.MALFORMED, "the token's algorithm must be HS256, got '" + header.path("alg").asText() + "'");
        }
        byte[] expected = hmac(secret, parts[0] + "." + parts[1]);
        byte[] actual;
        try {
            actual = B64D.decode(parts[2]);
        } catch (IllegalArgumentException e) {
            throw new TokenException(TokenException.Reason.MALFORMED, "the token's signature is not base64url");
        }
        if (!MessageDigest.isEqual(expected, actual)) {
            throw new TokenException(TokenException.Reason.BAD_SIGNATURE,
                    "the token was not issued by this cloud (signature mismatch); create one here with 'outpost:token create'");
        }
        if (!claims.has("exp")) {
            throw new TokenException(TokenException.Reason.MALFORMED, "the token has no expiry ('exp' claim)");
        }
        Instant exp = Instant.ofEpochSecond(claims.path("exp").asLong());
        if (!now.isBefore(exp)) {
            throw new TokenException(TokenException.Reason.EXPIRED,
                    "the token expired at " + exp + "; create a new one with 'outpost:token create'");
        }
        return claims.path("jti").asText("");
    }

    private static JsonNode claimsOf(String jwt) throws TokenException {
        String[] parts = jwt.split("\\.", -1);
        if (parts.length != 3) {
            throw new TokenException(TokenException.Reason.MALFORMED,
                    "the token is malformed: its JWT part must have 3 base64url sections separated by '.', found " + parts.length);
        }
        JsonNode claims = decodeJson(parts[1], "claims");
        if (!claims.isObject()) {
            throw new TokenException(TokenException.Reason.MALFORMED, "the token's claims are not a JSON object");
        }
        return claims;
    }

    private static JsonNode decodeJson(String b64, String what) throws TokenException {
        try {
            return JSON.readTree(B64D.decode(b64));
        } catch (IllegalArgumentException | java.io.IOException e) {
            throw new TokenException(TokenException.Reason.MALFORMED, "the token's " + what + " is not base64url-encoded JSON");
        }
    }

    private static byte[] hmac(byte[] secret, String input) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            return mac.doFinal(input.getBytes(StandardCharsets.US_ASCII));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
