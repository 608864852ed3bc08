package io.outpost.edge.localapi;

import java.util.List;
import java.util.Optional;

/**
 * A resource the local API serves: its REST names, and the meta store kind it is read from.
 *
 * @param group the API group, "" for the core group
 * @param version the API version
 * @param plural the path segment ({@code pods})
 * @param kind the object kind ({@code Pod})
 * @param namespaced whether objects live in namespaces
 * @param storeKind the meta store kind the objects are kept under ({@code pod})
 * @param shortNames kubectl's short names
 */
public record ApiResource(String group, String version, String plural, String kind, boolean namespaced, String storeKind,
        List<String> shortNames) {

    /** Everything the gateway keeps that an app may want: what the cloud sent for this node. */
    public static final List<ApiResource> ALL = List.of(
            new ApiResource("", "v1", "pods", "Pod", true, "pod", List.of("po")),
            new ApiResource("", "v1", "configmaps", "ConfigMap", true, "configmap", List.of("cm")),
            new ApiResource("", "v1", "secrets", "Secret", true, "secret", List.of()),
            new ApiResource("", "v1", "services", "Service", true, "service", List.of("svc")),
            new ApiResource("", "v1", "nodes", "Node", false, "node", List.of("no")),
            new ApiResource("discovery.k8s.io", "v1", "endpointslices", "EndpointSlice", true, "endpointslice", List.of()),
            new ApiResource("devices.kubeedge.io", "v1beta1", "devices", "Device", true, "device", List.of()),
            new ApiResource("devices.kubeedge.io", "v1beta1", "devicemodels", "DeviceModel", true, "devicemodel", List.of()));

    /** @return {@code v1} or {@code group/version}, as in an object's apiVersion */
    public String groupVersion() {
        return group.isEmpty() ? version : group + "/" + version;
    }

    /** @return the served resource with this group, version and plural, if any */
    public static Optional<ApiResource> find(String group, String version, String plural) {
        return ALL.stream().filter(r -> r.group.equals(group) && r.version.equals(version) && r.plural.equals(plural)).findFirst();
    }
}
