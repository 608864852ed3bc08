package io.outpost.cloud.hub;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.outpost.cloud.kube.crd.OutpostCrds;
import io.outpost.hub.api.Groups;
import io.outpost.hub.api.Message;
import io.outpost.hub.api.Modules;
import io.outpost.hub.api.Operations;
import io.outpost.link.delivery.AckRecord;
import io.outpost.link.delivery.ObjectRef;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The durable record of reliable delivery as KubeEdge keeps it: one {@code ObjectSync}
 * ({@code reliablesyncs.kubeedge.io/v1alpha1}) per node and namespaced object, named
 * {@code <node>.<uid>} in the object's namespace, {@code status.objectResourceVersion} the
 * acknowledged version. Outpost adds the label {@value #NODE_LABEL} and the annotation
 * {@value #ROUTE_ANNOTATION} (how to address the object on the gateway, for the delete after a
 * restart); records written by KubeEdge lack them and are read by name and kind.
 *
 * <p>Writes are coalesced per record (only the latest state of a record is written) and run
 * one at a time on the given executor, so ACKs never wait for the API server.
 */
final class ObjectSyncs implements AckRecord {
    static final String GROUP = "reliablesyncs.kubeedge.io";
    static final String API_VERSION = GROUP + "/v1alpha1";
    static final String NODE_LABEL = "outpost.io/node";
    static final String ROUTE_ANNOTATION = "outpost.io/route";
    static final String CRD_RESOURCE = "crds/reliablesyncs.kubeedge.io_objectsyncs.yaml";
    static final ResourceDefinitionContext CONTEXT = new ResourceDefinitionContext.Builder().withGroup(GROUP).withVersion("v1alpha1")
            .withKind("ObjectSync").withPlural("objectsyncs").withNamespaced(true).build();
    private static final Logger LOG = LoggerFactory.getLogger(ObjectSyncs.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int UID_LENGTH = 36;

    /** A record read back: which node acknowledged which object at which version. */
    record Synced(String node, ObjectRef ref) {
    }

    private final KubernetesClient kube;
    private final Executor executor;
    /** namespace/name → the record's desired state (null: delete it). */
    private final Map<String, Object> pending = new LinkedHashMap<>();
    private final AtomicBoolean draining = new AtomicBoolean();

    private record Write(String node, ObjectRef ref) {
    }

    private record Delete(String namespace, String name) {
    }

    ObjectSyncs(KubernetesClient kube, Executor executor) {
        this.kube = kube;
        this.executor = executor;
    }

    static String name(String node, String uid) {
        return node + "." + uid;
    }

    /** Installs the CRD unless one exists that Outpost did not install (KubeEdge's, an admin's). */
    void installCrd() {
        OutpostCrds.apply(kube, ObjectSyncs.class.getClassLoader(), CRD_RESOURCE);
    }

    /** Every record in the cluster (KubeEdge's included); records whose name is not {@code <node>.<uid>} are skipped. */
    List<Synced> list() {
        List<Synced> out = new ArrayList<>();
        for (GenericKubernetesResource r : kube.genericKubernetesResources(CONTEXT).inAnyNamespace().list().getItems()) {
            String name = r.getMetadata().getName();
            if (name.length() < UID_LENGTH + 2 || name.charAt(name.length() - UID_LENGTH - 1) != '.') {
                continue;
            }
            String node = name.substring(0, name.length() - UID_LENGTH - 1);
            String uid = name.substring(name.length() - UID_LENGTH);
            JsonNode spec = JSON.valueToTree(r.getAdditionalProperties().getOrDefault("spec", Map.of()));
            JsonNode status = JSON.valueToTree(r.getAdditionalProperties().getOrDefault("status", Map.of()));
            String ns = r.getMetadata().getNamespace();
            String kind = spec.path("objectKind").asText("");
            String objectName = spec.path("objectName").asText("");
            String[] route = routeOf(r, kind, ns, objectName);
            out.add(new Synced(node, new ObjectRef(uid, spec.path("objectAPIVersion").asText(""), kind, ns, objectName,
                    status.path("objectResourceVersion").asText(""), route[0], route[1], route[2])));
        }
        return out;
    }

    private static String[] routeOf(GenericKubernetesResource r, String kind, String ns, String name) {
        Map<String, String> ann = r.getMetadata().getAnnotations();
        String route = ann == null ? null : ann.get(ROUTE_ANNOTATION);
        if (route != null) {
            String[] parts = route.split("\\|", 3);
            if (parts.length == 3) {
                return parts;
            }
        }
        // Written by KubeEdge: its edge controller addresses objects as <ns>/<kind in lower case>/<name>.
        return new String[] {Modules.EDGE_CONTROLLER, Groups.RESOURCE, ns + "/" + kind.toLowerCase(Locale.ROOT) + "/" + name};
    }

    /** The delete a node gets for an object that is gone (from its record). */
    static Message deleteFor(ObjectRef ref) {
        ObjectNode content = JSON.createObjectNode();
        content.put("apiVersion", ref.apiVersion()).put("kind", ref.kind());
        content.putObject("metadata").put("namespace", ref.namespace()).put("name", ref.name()).put("uid", ref.uid())
                .put("resourceVersion", ref.resourceVersion());
        return Message.builder().source(ref.source()).group(ref.group()).operation(Operations.DELETE).resource(ref.resource())
                .resourceVersion(ref.resourceVersion()).content(content).build();
    }

    /**
     * The records whose object no longer exists (or exists with another uid), and those of nodes
     * that no longer exist. Objects are listed once per kind, not fetched one by one.
     */
    Map<String, List<Synced>> stale(List<Synced> records) {
        Map<String, Set<String>> uidsByKind = new HashMap<>();
        Set<String> nodes = new HashSet<>();
        kube.nodes().list().getItems().forEach(n -> nodes.add(n.getMetadata().getName()));
        List<Synced> goneObjects = new ArrayList<>();
        List<Synced> goneNodes = new ArrayList<>();
        for (Synced s : records) {
            if (!nodes.contains(s.node())) {
                goneNodes.add(s);
                continue;
            }
            String k = s.ref().apiVersion() + "|" + s.ref().kind();
            Set<String> uids = uidsByKind.computeIfAbsent(k, x -> {
                Set<String> set = new HashSet<>();
                try {
                    kube.genericKubernetesResources(contextOf(s.ref().apiVersion(), s.ref().kind())).inAnyNamespace().list().getItems()
                            .forEach(o -> set.add(o.getMetadata().getUid()));
                } catch (RuntimeException e) {
                    LOG.warn("cannot list {} {}: {}; their records are kept", s.ref().apiVersion(), s.ref().kind(), e.getMessage());
                    return null;
                }
                return set;
            });
            if (uids != null && !uids.contains(s.ref().uid())) {
                goneObjects.add(s);
            }
        }
        return Map.of("objects", goneObjects, "nodes", goneNodes);
    }

    /** The resource of a kind, from the API server's discovery document of its group version. */
    private ResourceDefinitionContext contextOf(String apiVersion, String kind) {
        int slash = apiVersion.indexOf('/');
        String group = slash < 0 ? "" : apiVersion.substring(0, slash);
        String version = apiVersion.substring(slash + 1);
        var resources = kube.getApiResources(apiVersion);
        if (resources != null) {
            for (var r : resources.getResources()) {
                if (kind.equals(r.getKind()) && !r.getName().contains("/")) {
                    return new ResourceDefinitionContext.Builder().withGroup(group).withVersion(version).withKind(kind)
                            .withPlural(r.getName()).withNamespaced(Boolean.TRUE.equals(r.getNamespaced())).build();
                }
            }
        }
        throw new IllegalStateException("the API server does not serve kind " + kind + " in " + apiVersion);
    }

    @Override
    public void acknowledged(String node, ObjectRef ref) {
        if (ref.namespace().isEmpty()) {
            return; // cluster-scoped objects would need ClusterObjectSync; none are sent yet
        }
        submit(ref.namespace() + "/" + name(node, ref.uid()), new Write(node, ref));
    }

    @Override
    public void deleted(String node, ObjectRef ref) {
        if (ref.namespace().isEmpty()) {
            return;
        }
        submit(ref.namespace() + "/" + name(node, ref.uid()), new Delete(ref.namespace(), name(node, ref.uid())));
    }

    /** Removes a record directly (its node is gone). */
    void remove(String node, ObjectRef ref) {
        deleted(node, ref);
    }

    private void submit(String key, Object op) {
        synchronized (pending) {
            pending.remove(key);
            pending.put(key, op);
        }
        if (draining.compareAndSet(false, true)) {
            executor.execute(this::drain);
        }
    }

    /** @return records waiting to be written */
    int backlog() {
        synchronized (pending) {
            return pending.size();
        }
    }

    private void drain() {
        while (true) {
            Object op;
            synchronized (pending) {
                var it = pending.values().iterator();
                if (!it.hasNext()) {
                    draining.set(false);
                    return;
                }
                op = it.next();
                it.remove();
            }
            try {
                if (op instanceof Write w) {
                    write(w.node(), w.ref());
                } else if (op instanceof Delete d) {
                    kube.genericKubernetesResources(CONTEXT).inNamespace(d.namespace()).withName(d.name()).delete();
                }
            } catch (RuntimeException e) {
                // The in-memory state is right; a lost record means at worst one resend after a restart.
                LOG.warn("ObjectSync {} not written: {}", op, e.getMessage());
            }
        }
    }

    private void write(String node, ObjectRef ref) {
        String name = name(node, ref.uid());
        var res = kube.genericKubernetesResources(CONTEXT).inNamespace(ref.namespace()).withName(name);
        String status = JSON.createObjectNode().set("status", JSON.createObjectNode().put("objectResourceVersion", ref.resourceVersion()))
                .toString();
        try {
            res.subresource("status").patch(PatchContext.of(PatchType.JSON_MERGE), status);
            return;
        } catch (KubernetesClientException e) {
            if (e.getCode() != 404) {
                throw e;
            }
        }
        GenericKubernetesResource os = new GenericKubernetesResource();
        os.setApiVersion(API_VERSION);
        os.setKind("ObjectSync");
        os.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(ref.namespace()).addToLabels(NODE_LABEL, node)
                .addToLabels("app.kubernetes.io/part-of", "outpost")
                .addToAnnotations(ROUTE_ANNOTATION, ref.source() + "|" + ref.group() + "|" + ref.resource()).build());
        os.setAdditionalProperty("spec", Map.of("objectAPIVersion", ref.apiVersion(), "objectKind", ref.kind(), "objectName", ref.name()));
        try {
            kube.genericKubernetesResources(CONTEXT).inNamespace(ref.namespace()).resource(os).create();
        } catch (KubernetesClientException e) {
            if (e.getCode() != 409) {
                throw e;
            }
        }
        res.subresource("status").patch(PatchContext.of(PatchType.JSON_MERGE), status);
    }
}
