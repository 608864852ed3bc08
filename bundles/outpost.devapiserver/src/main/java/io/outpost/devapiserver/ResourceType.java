package io.outpost.devapiserver;

import java.util.List;

/**
 * Everything the server needs to know about one served resource in one version: its names (for
 * URLs, discovery and messages), its scope, its subresources and how it is printed as a table.
 *
 * <p>Built-in kinds and custom resources use the same description, so one generic code path
 * serves all of them. Objects are stored per {@link #storageKey()} (group and plural), not per
 * version, which is how several served versions of a CRD see the same objects.
 */
final class ResourceType {

    /** Which server-side table layout is used for {@code kubectl get}. */
    enum Printer {
        NODE, POD, NAMESPACE, SERVICE, CONFIGMAP, SECRET, EVENT, LEASE, ENDPOINTS, ENDPOINTSLICE,
        DEPLOYMENT, DAEMONSET, REPLICASET, STATEFULSET, SERVICEACCOUNT, CRD, CUSTOM, DEFAULT
    }

    /** A CRD {@code additionalPrinterColumns} entry. */
    record PrinterColumn(String name, String type, String format, String description, int priority, String jsonPath) {
    }

    /** Where the scale subresource finds replicas and the selector, as dotted paths. */
    record ScaleSpec(String specReplicasPath, String statusReplicasPath, String labelSelectorPath) {
    }

    static final List<String> ALL_VERBS =
            List.of("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch");

    private final String group;
    private final String version;
    private final String plural;
    private final String singular;
    private final String kind;
    private final boolean namespaced;
    private final List<String> shortNames;
    private final List<String> categories;
    private final boolean statusSubresource;
    private final ScaleSpec scale;
    private final boolean tracksGeneration;
    private final boolean keepsStatusOnCreate;
    private final Printer printer;
    private final List<PrinterColumn> columns;
    private final String definedBy;

    private ResourceType(Builder b) {
        this.group = b.group;
        this.version = b.version;
        this.plural = b.plural;
        this.singular = b.singular != null ? b.singular : b.kind.toLowerCase(java.util.Locale.ROOT);
        this.kind = b.kind;
        this.namespaced = b.namespaced;
        this.shortNames = List.copyOf(b.shortNames);
        this.categories = List.copyOf(b.categories);
        this.statusSubresource = b.statusSubresource;
        this.scale = b.scale;
        this.tracksGeneration = b.tracksGeneration;
        this.keepsStatusOnCreate = b.keepsStatusOnCreate;
        this.printer = b.printer;
        this.columns = List.copyOf(b.columns);
        this.definedBy = b.definedBy;
    }

    static Builder builder(String group, String version, String plural, String kind) {
        return new Builder(group, version, plural, kind);
    }

    String group() {
        return group;
    }

    String version() {
        return version;
    }

    String plural() {
        return plural;
    }

    String singular() {
        return singular;
    }

    String kind() {
        return kind;
    }

    String listKind() {
        return kind + "List";
    }

    boolean namespaced() {
        return namespaced;
    }

    List<String> shortNames() {
        return shortNames;
    }

    List<String> categories() {
        return categories;
    }

    boolean hasStatusSubresource() {
        return statusSubresource;
    }

    ScaleSpec scale() {
        return scale;
    }

    /** Whether {@code metadata.generation} counts spec changes (true for most kinds with a spec). */
    boolean tracksGeneration() {
        return tracksGeneration;
    }

    /** Nodes may be created with their status; for other kinds with a status subresource it is reset. */
    boolean keepsStatusOnCreate() {
        return keepsStatusOnCreate;
    }

    Printer printer() {
        return printer;
    }

    List<PrinterColumn> columns() {
        return columns;
    }

    /** Name of the CRD that defines this type, or null for a built-in type. */
    String definedBy() {
        return definedBy;
    }

    boolean builtin() {
        return definedBy == null;
    }

    String groupVersion() {
        return group.isEmpty() ? version : group + "/" + version;
    }

    /** Key under which objects are stored: the same for all versions of a resource. */
    String storageKey() {
        return qualifiedResource();
    }

    /** "configmaps" or "deployments.apps": how error messages name the resource. */
    String qualifiedResource() {
        return group.isEmpty() ? plural : plural + "." + group;
    }

    /** URL prefix of the group version: "/api/v1" or "/apis/apps/v1". */
    String apiPrefix() {
        return group.isEmpty() ? "/api/" + version : "/apis/" + group + "/" + version;
    }

    @Override
    public String toString() {
        return groupVersion() + "/" + plural;
    }

    static final class Builder {
        private final String group;
        private final String version;
        private final String plural;
        private final String kind;
        private String singular;
        private boolean namespaced = true;
        private List<String> shortNames = List.of();
        private List<String> categories = List.of();
        private boolean statusSubresource;
        private ScaleSpec scale;
        private boolean tracksGeneration;
        private boolean keepsStatusOnCreate;
        private Printer printer = Printer.DEFAULT;
        private List<PrinterColumn> columns = List.of();
        private String definedBy;

        private Builder(String group, String version, String plural, String kind) {
            this.group = group;
            this.version = version;
            this.plural = plural;
            this.kind = kind;
        }

        Builder singular(String value) {
            this.singular = value;
            return this;
        }

        Builder clusterScoped() {
            this.namespaced = false;
            return this;
        }

        Builder namespaced(boolean value) {
            this.namespaced = value;
            return this;
        }

        Builder shortNames(List<String> value) {
            this.shortNames = value;
            return this;
        }

        Builder shortNames(String... value) {
            return shortNames(List.of(value));
        }

        Builder categories(List<String> value) {
            this.categories = value;
            return this;
        }

        Builder categories(String... value) {
            return categories(List.of(value));
        }

        Builder statusSubresource() {
            this.statusSubresource = true;
            return this;
        }

        Builder statusSubresource(boolean value) {
            this.statusSubresource = value;
            return this;
        }

        Builder scale(ScaleSpec value) {
            this.scale = value;
            return this;
        }

        Builder tracksGeneration() {
            this.tracksGeneration = true;
            return this;
        }

        Builder keepsStatusOnCreate() {
            this.keepsStatusOnCreate = true;
            return this;
        }

        Builder printer(Printer value) {
            this.printer = value;
            return this;
        }

        Builder columns(List<PrinterColumn> value) {
            this.columns = value;
            return this;
        }

        Builder definedBy(String crdName) {
            this.definedBy = crdName;
            return this;
        }

        ResourceType build() {
            return new ResourceType(this);
        }
    }
}
