package io.outpost.devapiserver;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Content negotiation for the {@code Accept} header. Kubernetes clients ask for alternative
 * representations with media type parameters, in order of preference, e.g. kubectl get sends
 * {@code application/json;as=Table;v=v1;g=meta.k8s.io,application/json}. Only JSON encodings are
 * produced (no protobuf, which clients list with a JSON fallback).
 */
final class MediaTypes {
    private MediaTypes() {
    }

    static final String JSON = "application/json";
    static final String TABLE_V1 = "application/json;as=Table;v=v1;g=meta.k8s.io";
    static final String DISCOVERY_V2 = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

    /** The representations this server can produce. */
    enum Kind { JSON, TABLE, PARTIAL_METADATA, DISCOVERY_V2 }

    /** The chosen representation and, for meta.k8s.io ones, the API version to use. */
    record Choice(Kind kind, String metaApiVersion, String contentType) {
    }

    record MediaRange(String type, Map<String, String> params) {
    }

    static List<MediaRange> parse(String header) {
        List<MediaRange> result = new ArrayList<>();
        if (header == null) {
            return result;
        }
        for (String part : header.split(",")) {
            String[] pieces = part.split(";");
            String type = pieces[0].trim().toLowerCase(Locale.ROOT);
            if (type.isEmpty()) {
                continue;
            }
            Map<String, String> params = new HashMap<>();
            for (int i = 1; i < pieces.length; i++) {
                int eq = pieces[i].indexOf('=');
                if (eq > 0) {
                    params.put(pieces[i].substring(0, eq).trim().toLowerCase(Locale.ROOT),
                            pieces[i].substring(eq + 1).trim().replace("\"", ""));
                }
            }
            result.add(new MediaRange(type, params));
        }
        return result;
    }

    /**
     * Picks the first acceptable representation. {@code discovery} allows the aggregated
     * discovery document (only for /api and /apis). Returns null when nothing is acceptable.
     */
    static Choice negotiate(String acceptHeader, boolean discovery) {
        List<MediaRange> ranges = parse(acceptHeader);
        if (ranges.isEmpty()) {
            return new Choice(Kind.JSON, null, JSON);
        }
        for (MediaRange r : ranges) {
            boolean jsonish = r.type().equals("application/json") || r.type().equals("*/*")
                    || r.type().equals("application/*");
            if (!jsonish) {
                continue;
            }
            String as = r.params().get("as");
            if (as == null) {
                return new Choice(Kind.JSON, null, JSON);
            }
            String g = r.params().getOrDefault("g", "");
            String v = r.params().getOrDefault("v", "");
            if (as.equals("Table") && g.equals("meta.k8s.io") && (v.equals("v1") || v.equals("v1beta1"))) {
                return new Choice(Kind.TABLE, "meta.k8s.io/" + v, "application/json;as=Table;v=" + v + ";g=meta.k8s.io");
            }
            if ((as.equals("PartialObjectMetadata") || as.equals("PartialObjectMetadataList")) && g.equals("meta.k8s.io")
                    && (v.equals("v1") || v.equals("v1beta1"))) {
                return new Choice(Kind.PARTIAL_METADATA, "meta.k8s.io/" + v,
                        "application/json;as=" + as + ";v=" + v + ";g=meta.k8s.io");
            }
            if (discovery && as.equals("APIGroupDiscoveryList") && g.equals("apidiscovery.k8s.io") && v.equals("v2")) {
                return new Choice(Kind.DISCOVERY_V2, null, DISCOVERY_V2);
            }
        }
        return null;
    }

    /** The media type of a Content-Type header without parameters, lower case; "" when absent. */
    static String baseType(String contentType) {
        if (contentType == null) {
            return "";
        }
        int semi = contentType.indexOf(';');
        return (semi >= 0 ? contentType.substring(0, semi) : contentType).trim().toLowerCase(Locale.ROOT);
    }
}
