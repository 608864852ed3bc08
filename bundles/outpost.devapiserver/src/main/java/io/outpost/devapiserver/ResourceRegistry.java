package io.outpost.devapiserver;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The set of served resources: the built-ins plus whatever the stored CRDs define.
 *
 * <p>Readers (every request) see an immutable snapshot through a volatile field, so lookups never
 * block; the rare writers (CRD create/update/delete) rebuild the snapshot under the monitor.
 * {@link #revision()} changes with every change so discovery and OpenAPI documents can be cached
 * per revision.
 */
final class ResourceRegistry {

    /** One API group and its served versions, preferred version first. */
    record GroupVersions(String group, List<String> versions) {
        String preferredVersion() {
            return versions.get(0);
        }
    }

    private record Snapshot(List<ResourceType> types, long revision) {
    }

    private final List<ResourceType> builtins;
    private final Map<String, List<ResourceType>> byCrd = new LinkedHashMap<>();
    private volatile Snapshot snapshot;

    ResourceRegistry(List<ResourceType> builtins) {
        this.builtins = List.copyOf(builtins);
        this.snapshot = new Snapshot(this.builtins, 1);
    }

    /** Serves the given types on behalf of a CRD, replacing what that CRD served before. */
    synchronized void defineCustom(String crdName, List<ResourceType> types) {
        byCrd.put(crdName, List.copyOf(types));
        rebuild();
    }

    /** Stops serving what a CRD defined. */
    synchronized void removeCustom(String crdName) {
        if (byCrd.remove(crdName) != null) {
            rebuild();
        }
    }

    private void rebuild() {
        List<ResourceType> all = new ArrayList<>(builtins);
        byCrd.values().forEach(all::addAll);
        snapshot = new Snapshot(List.copyOf(all), snapshot.revision() + 1);
    }

    long revision() {
        return snapshot.revision();
    }

    List<ResourceType> all() {
        return snapshot.types();
    }

    Optional<ResourceType> find(String group, String version, String plural) {
        for (ResourceType t : snapshot.types()) {
            if (t.group().equals(group) && t.version().equals(version) && t.plural().equals(plural)) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }

    /** The type a stored object belongs to, in the group's preferred version. */
    Optional<ResourceType> preferred(String storageKey) {
        ResourceType best = null;
        for (ResourceType t : snapshot.types()) {
            if (t.storageKey().equals(storageKey)
                    && (best == null || VERSION_ORDER.compare(t.version(), best.version()) < 0)) {
                best = t;
            }
        }
        return Optional.ofNullable(best);
    }

    /** Groups in discovery order: core first, then built-in groups, then custom groups by name. */
    List<GroupVersions> groups() {
        Map<String, List<String>> versions = new LinkedHashMap<>();
        List<ResourceType> types = snapshot.types();
        for (ResourceType t : types) {
            List<String> list = versions.computeIfAbsent(t.group(), g -> new ArrayList<>());
            if (!list.contains(t.version())) {
                list.add(t.version());
            }
        }
        List<GroupVersions> result = new ArrayList<>();
        List<String> custom = new ArrayList<>();
        for (Map.Entry<String, List<String>> e : versions.entrySet()) {
            e.getValue().sort(VERSION_ORDER);
            boolean builtinGroup = builtins.stream().anyMatch(b -> b.group().equals(e.getKey()));
            if (builtinGroup) {
                result.add(new GroupVersions(e.getKey(), List.copyOf(e.getValue())));
            } else {
                custom.add(e.getKey());
            }
        }
        custom.sort(Comparator.naturalOrder());
        for (String g : custom) {
            result.add(new GroupVersions(g, List.copyOf(versions.get(g))));
        }
        return result;
    }

    Optional<GroupVersions> group(String name) {
        return groups().stream().filter(g -> g.group().equals(name)).findFirst();
    }

    List<ResourceType> inGroupVersion(String group, String version) {
        List<ResourceType> result = new ArrayList<>();
        for (ResourceType t : snapshot.types()) {
            if (t.group().equals(group) && t.version().equals(version)) {
                result.add(t);
            }
        }
        return result;
    }

    private static final Pattern KUBE_VERSION = Pattern.compile("v([1-9]\\d{0,8})(?:(alpha|beta)([1-9]\\d{0,8}))?");

    /**
     * Kubernetes version priority: GA before beta before alpha, higher numbers first, and
     * versions that do not look like Kubernetes versions last, alphabetically.
     */
    static final Comparator<String> VERSION_ORDER = (a, b) -> {
        Matcher ma = KUBE_VERSION.matcher(a);
        Matcher mb = KUBE_VERSION.matcher(b);
        boolean ka = ma.matches();
        boolean kb = mb.matches();
        if (!ka || !kb) {
            return ka == kb ? a.compareTo(b) : (ka ? -1 : 1);
        }
        int stability = Integer.compare(stabilityRank(ma.group(2)), stabilityRank(mb.group(2)));
        if (stability != 0) {
            return stability;
        }
        int major = Integer.compare(Integer.parseInt(mb.group(1)), Integer.parseInt(ma.group(1)));
        if (major != 0 || ma.group(3) == null) {
            return major;
        }
        return Integer.compare(Integer.parseInt(mb.group(3)), Integer.parseInt(ma.group(3)));
    };

    private static int stabilityRank(String stability) {
        if (stability == null) {
            return 0;
        }
        return "beta".equals(stability) ? 1 : 2;
    }
}
