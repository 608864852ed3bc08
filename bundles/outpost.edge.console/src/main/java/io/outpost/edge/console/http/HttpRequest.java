package io.outpost.edge.console.http;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One request to the console, fully read (the body is capped by the server).
 *
 * @param method upper-case method
 * @param path the decoded path, without query
 * @param query decoded query parameters
 * @param headers request headers, names in lower case (the first value of each)
 * @param body the body, possibly empty
 * @param remoteAddress the client's address, for the lockout log
 */
public record HttpRequest(String method, String path, Map<String, List<String>> query, Map<String, String> headers, byte[] body,
        String remoteAddress) {

    public String header(String name) {
        return headers.get(name.toLowerCase(Locale.ROOT));
    }

    public String queryParam(String name) {
        List<String> v = query.get(name);
        return v == null || v.isEmpty() ? null : v.get(0);
    }

    /** @return the value of the named cookie, or null */
    public String cookie(String name) {
        String h = header("cookie");
        if (h == null) {
            return null;
        }
        for (String part : h.split(";")) {
            int eq = part.indexOf('=');
            if (eq > 0 && part.substring(0, eq).trim().equals(name)) {
                return part.substring(eq + 1).trim();
            }
        }
        return null;
    }

    public String bodyText() {
        return new String(body, StandardCharsets.UTF_8);
    }

    /** @return true for methods that change state (and so need a CSRF token) */
    public boolean changesState() {
        return !(method.equals("GET") || method.equals("HEAD") || method.equals("OPTIONS"));
    }
}
