package io.outpost.devapiserver;

import io.outpost.devapiserver.ResourceType.Printer;
import io.outpost.devapiserver.ResourceType.ScaleSpec;
import java.util.List;

/** The built-in kinds this server stores. They are plain data: no controllers act on them. */
final class BuiltinResources {
    static final String CRD_GROUP = "apiextensions.k8s.io";
    static final String CRD_PLURAL = "customresourcedefinitions";

    private BuiltinResources() {
    }

    static List<ResourceType> all() {
        ScaleSpec replicas = new ScaleSpec(".spec.replicas", ".status.replicas", ".status.selector");
        return List.of(
                core("namespaces", "Namespace").clusterScoped().shortNames("ns").statusSubresource()
                        .printer(Printer.NAMESPACE).build(),
                core("nodes", "Node").clusterScoped().shortNames("no").statusSubresource().keepsStatusOnCreate()
                        .printer(Printer.NODE).build(),
                core("pods", "Pod").shortNames("po").categories("all").statusSubresource()
                        .printer(Printer.POD).build(),
                core("services", "Service").shortNames("svc").categories("all").statusSubresource()
                        .printer(Printer.SERVICE).build(),
                core("endpoints", "Endpoints").singular("endpoints").shortNames("ep").printer(Printer.ENDPOINTS).build(),
                core("configmaps", "ConfigMap").shortNames("cm").printer(Printer.CONFIGMAP).build(),
                core("secrets", "Secret").printer(Printer.SECRET).build(),
                core("events", "Event").shortNames("ev").printer(Printer.EVENT).build(),
                core("serviceaccounts", "ServiceAccount").shortNames("sa").printer(Printer.SERVICEACCOUNT).build(),
                ResourceType.builder("coordination.k8s.io", "v1", "leases", "Lease").printer(Printer.LEASE).build(),
                ResourceType.builder("discovery.k8s.io", "v1", "endpointslices", "EndpointSlice")
                        .printer(Printer.ENDPOINTSLICE).build(),
                apps("deployments", "Deployment").shortNames("deploy").scale(replicas).printer(Printer.DEPLOYMENT).build(),
                apps("daemonsets", "DaemonSet").shortNames("ds").printer(Printer.DAEMONSET).build(),
                apps("replicasets", "ReplicaSet").shortNames("rs").scale(replicas).printer(Printer.REPLICASET).build(),
                apps("statefulsets", "StatefulSet").shortNames("sts").scale(replicas).printer(Printer.STATEFULSET).build(),
                ResourceType.builder(CRD_GROUP, "v1", CRD_PLURAL, "CustomResourceDefinition")
                        .clusterScoped().shortNames("crd", "crds").categories("api-extensions").statusSubresource()
                        .tracksGeneration().printer(Printer.CRD).build());
    }

    private static ResourceType.Builder core(String plural, String kind) {
        return ResourceType.builder("", "v1", plural, kind);
    }

    private static ResourceType.Builder apps(String plural, String kind) {
        return ResourceType.builder("apps", "v1", plural, kind)
                .categories("all").statusSubresource().tracksGeneration();
    }
}
