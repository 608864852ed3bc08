package io.outpost.devapiserver;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * The discovery documents clients use to map kinds to URLs: the legacy per-group documents
 * ({@code APIVersions}, {@code APIGroupList}, {@code APIGroup}, {@code APIResourceList}) and the
 * aggregated {@code apidiscovery.k8s.io/v2 APIGroupDiscoveryList} that kubectl 1.30+ asks for
 * first. Serving the aggregated form saves kubectl one request per group version and, since it is
 * built from the live registry, shows new CRDs as soon as they are established.
 */
final class DiscoveryDocuments {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final ResourceRegistry registry;

    DiscoveryDocuments(ResourceRegistry registry) {
        this.registry = registry;
    }

    ObjectNode apiVersions(String serverAddress) {
        ObjectNode doc = NODES.objectNode();
        doc.put("kind", "APIVersions");
        doc.putArray("versions").add("v1");
        ObjectNode cidr = doc.putArray("serverAddressByClientCIDRs").addObject();
        cidr.put("clientCIDR", "0.0.0.0/0");
        cidr.put("serverAddress", serverAddress);
        return doc;
    }

    ObjectNode apiGroupList() {
        ObjectNode doc = NODES.objectNode();
        doc.put("kind", "APIGroupList");
        doc.put("apiVersion", "v1");
        ArrayNode groups = doc.putArray("groups");
        for (ResourceRegistry.GroupVersions g : registry.groups()) {
            if (!g.group().isEmpty()) {
                groups.add(groupBody(g));
            }
        }
        return doc;
    }

    ObjectNode apiGroup(ResourceRegistry.GroupVersions g) {
        ObjectNode doc = groupBody(g);
        doc.put("kind", "APIGroup");
        doc.put("apiVersion", "v1");
        return doc;
    }

    private static ObjectNode groupBody(ResourceRegistry.GroupVersions g) {
        ObjectNode group = NODES.objectNode();
        group.put("name", g.group());
        ArrayNode versions = group.putArray("versions");
        for (String v : g.versions()) {
            ObjectNode gv = versions.addObject();
            gv.put("groupVersion", g.group() + "/" + v);
            gv.put("version", v);
        }
        ObjectNode preferred = group.putObject("preferredVersion");
        preferred.put("groupVersion", g.group() + "/" + g.preferredVersion());
        preferred.put("version", g.preferredVersion());
        return group;
    }

    ObjectNode apiResourceList(String group, String version) {
        ObjectNode doc = NODES.objectNode();
        doc.put("kind", "APIResourceList");
        doc.put("apiVersion", "v1");
        doc.put("groupVersion", group.isEmpty() ? version : group + "/" + version);
        ArrayNode resources = doc.putArray("resources");
        for (ResourceType t : registry.inGroupVersion(group, version)) {
            ObjectNode r = resources.addObject();
            r.put("name", t.plural());
            r.put("singularName", t.singular());
            r.put("namespaced", t.namespaced());
            r.put("kind", t.kind());
            verbs(r.putArray("verbs"), ResourceType.ALL_VERBS);
            if (!t.shortNames().isEmpty()) {
                verbs(r.putArray("shortNames"), t.shortNames());
            }
            if (!t.categories().isEmpty()) {
                verbs(r.putArray("categories"), t.categories());
            }
            for (Sub s : subresources(t)) {
                ObjectNode sub = resources.addObject();
                sub.put("name", t.plural() + "/" + s.name());
                sub.put("singularName", "");
                sub.put("namespaced", t.namespaced());
                if (s.group() != null) {
                    sub.put("group", s.group());
                    sub.put("version", s.version());
                }
                sub.put("kind", s.kind());
                verbs(sub.putArray("verbs"), s.verbs());
            }
        }
        return doc;
    }

    /** {@code /api} (core only) or {@code /apis} (all named groups) in aggregated form. */
    ObjectNode aggregated(boolean core) {
        ObjectNode doc = NODES.objectNode();
        doc.put("kind", "APIGroupDiscoveryList");
        doc.put("apiVersion", "apidiscovery.k8s.io/v2");
        doc.putObject("metadata");
        ArrayNode items = doc.putArray("items");
        for (ResourceRegistry.GroupVersions g : registry.groups()) {
            if (g.group().isEmpty() != core) {
                continue;
            }
            ObjectNode item = items.addObject();
            ObjectNode meta = item.putObject("metadata");
            if (!g.group().isEmpty()) {
                meta.put("name", g.group());
            }
            ArrayNode versions = item.putArray("versions");
            for (String v : g.versions()) {
                ObjectNode version = versions.addObject();
                version.put("version", v);
                ArrayNode resources = version.putArray("resources");
                for (ResourceType t : registry.inGroupVersion(g.group(), v)) {
                    ObjectNode r = resources.addObject();
                    r.put("resource", t.plural());
                    r.set("responseKind", kindRef(t.group(), t.version(), t.kind()));
                    r.put("scope", t.namespaced() ? "Namespaced" : "Cluster");
                    r.put("singularResource", t.singular());
                    verbs(r.putArray("verbs"), ResourceType.ALL_VERBS);
                    if (!t.shortNames().isEmpty()) {
                        verbs(r.putArray("shortNames"), t.shortNames());
                    }
                    if (!t.categories().isEmpty()) {
                        verbs(r.putArray("categories"), t.categories());
                    }
                    List<Sub> subs = subresources(t);
                    if (!subs.isEmpty()) {
                        ArrayNode subArray = r.putArray("subresources");
                        for (Sub s : subs) {
                            ObjectNode sub = subArray.addObject();
                            sub.put("subresource", s.name());
                            sub.set("responseKind", kindRef(s.group() == null ? t.group() : s.group(),
                                    s.version() == null ? t.version() : s.version(), s.kind()));
                            verbs(sub.putArray("verbs"), s.verbs());
                        }
                    }
                }
                version.put("freshness", "Current");
            }
        }
        return doc;
    }

    private record Sub(String name, String group, String version, String kind, List<String> verbs) {
    }

    private static final List<String> STATUS_VERBS = List.of("get", "patch", "update");

    private static List<Sub> subresources(ResourceType t) {
        List<Sub> subs = new java.util.ArrayList<>();
        boolean pods = t.builtin() && t.group().isEmpty() && t.plural().equals("pods");
        if (pods) {
            subs.add(new Sub("binding", null, null, "Binding", List.of("create")));
            subs.add(new Sub("eviction", "policy", "v1", "Eviction", List.of("create")));
        }
        if (t.scale() != null) {
            subs.add(new Sub("scale", "autoscaling", "v1", "Scale", STATUS_VERBS));
        }
        if (t.hasStatusSubresource()) {
            subs.add(new Sub("status", null, null, t.kind(), STATUS_VERBS));
        }
        return subs;
    }

    private static ObjectNode kindRef(String group, String version, String kind) {
        ObjectNode ref = NODES.objectNode();
        ref.put("group", group);
        ref.put("version", version);
        ref.put("kind", kind);
        return ref;
    }

    private static void verbs(ArrayNode array, List<String> values) {
        values.forEach(array::add);
    }
}
