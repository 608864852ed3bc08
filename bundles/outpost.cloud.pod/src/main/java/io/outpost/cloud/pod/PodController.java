package io.outpost.cloud.pod;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.TextNode;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.outpost.hub.api.CloudHub;
import io.outpost.hub.api.Groups;
import io.outpost.hub.api.Message;
import io.outpost.hub.api.MessageContext;
import io.outpost.hub.api.MessageHandler;
import io.outpost.hub.api.Modules;
import io.outpost.hub.api.NodeSession;
import io.outpost.hub.api.NodeSessionListener;
import io.outpost.hub.api.Operations;
import io.outpost.hub.api.Resource;
import io.outpost.hub.api.ResourceTypes;
import io.outpost.hub.api.delivery.ReliableDelivery;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * KubeEdge's edge controller for pods. Downstream: watches Pods and sends each gateway the pods
 * bound to it by {@code spec.nodeName} ({@code insert|update|delete <ns>/pod/<name>}); a gateway
 * that connects gets all of its pods again. Upstream: {@code update <ns>/podstatus[/<name>]}
 * becomes a merge patch of the pod's status; {@code delete <ns>/pod/<name>} (the gateway has
 * stopped a pod that is being deleted) removes the object, as the kubelet's final delete does.
 *
 * <p>Deletes that happen while a gateway is away reach it through the pod list sent after the
 * inserts on connect ({@link PodMessages#podList}). Not yet: the durable record of what each node
 * acknowledged (issue 3), so a cloud restart resends everything.
 */
@Component(service = {NodeSessionListener.class, MessageHandler.class}, immediate = true,
        property = {MessageHandler.GROUP + "=" + Groups.RESOURCE,
                MessageHandler.RESOURCE_TYPE + "=" + ResourceTypes.POD_STATUS,
                MessageHandler.RESOURCE_TYPE + "=" + ResourceTypes.POD,
                MessageHandler.RESOURCE_TYPE + "=" + PodMessages.POD_LIST})
public class PodController implements NodeSessionListener, MessageHandler {
    private static final Logger LOG = LoggerFactory.getLogger(PodController.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    @Reference
    private KubernetesClient kube;

    @Reference
    private CloudHub hub;

    /** Downstream pod messages go through the per-node reliable queue (merge, ACK, resend, ObjectSync). */
    @Reference
    private ReliableDelivery delivery;

    private volatile SharedIndexInformer<Pod> pods;

    /** Which ConfigMaps/Secrets each node's pods use; guarded by this. */
    private final ObjectRefs refs = new ObjectRefs();
    /** One informer per used object, by name (a field selector): never all Secrets of a namespace. */
    private final Map<ObjectRefs.Ref, SharedIndexInformer<? extends HasMetadata>> objects = new HashMap<>();

    /** Status writes block on the API server; one thread keeps them in order and off the I/O threads. */
    private ExecutorService writer;

    @Activate
    void activate() {
        writer = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "outpost-pod-status");
            t.setDaemon(true);
            return t;
        });
        // Only pods bound to a node: unscheduled pods are none of the gateways' business, and on a
        // big cluster they are most of the churn. A pod bound after it was created enters this
        // informer as an ADDED event (the API server evaluates field selectors on every change,
        // ADR 0022). Edge nodes cannot be selected by a pod field, so pods bound to cloud nodes
        // still come through; one informer per gateway would cost one watch each (ADR 0022).
        pods = kube.pods().inAnyNamespace().withoutField("spec.nodeName", "").inform(new Handler(), 0);
        LOG.info("watching Pods bound to nodes (fieldSelector spec.nodeName!=)");
    }

    @Deactivate
    synchronized void deactivate() {
        objects.values().forEach(SharedIndexInformer::close);
        objects.clear();
        writer.shutdownNow();
        if (pods != null) {
            pods.close();
        }
    }

    private final class Handler implements ResourceEventHandler<Pod> {
        @Override
        public void onAdd(Pod pod) {
            changed(null, pod);
        }

        @Override
        public void onUpdate(Pod before, Pod after) {
            changed(before, after);
        }

        @Override
        public void onDelete(Pod pod, boolean deletedFinalStateUnknown) {
            changed(pod, null);
        }
    }

    /**
     * Synchronized with {@link #connected}: a node's resend (inserts, then the pod list) must not
     * interleave with the informer's own sends, or an insert could overtake a list that does not
     * name its pod yet, and the gateway would drop it.
     */
    private synchronized void changed(Pod before, Pod after) {
        JsonNode b = before == null ? null : JSON.valueToTree(before);
        JsonNode a = after == null ? null : JSON.valueToTree(after);
        String oldNode = PodMessages.nodeOf(b);
        String newNode = PodMessages.nodeOf(a);
        JsonNode any = a != null ? a : b;
        String podKey = any.path("metadata").path("namespace").asText() + "/" + any.path("metadata").path("name").asText();
        // ConfigMaps and Secrets first, so the pod finds them when it arrives.
        ObjectRefs.Change change = refs.set(podKey, newNode, ObjectRefs.of(a));
        for (ObjectRefs.Ref r : change.watch()) {
            watch(r);
        }
        for (ObjectRefs.NodeRef nr : change.added()) {
            JsonNode obj = cached(nr.ref());
            if (obj != null) {
                sendObject(nr.node(), Operations.INSERT, nr.ref(), obj);
            }
        }
        // Our own status patches change nothing the gateway needs.
        if (b != null && a != null && Objects.equals(b.path("spec"), a.path("spec"))
                && Objects.equals(b.path("metadata").path("deletionTimestamp"), a.path("metadata").path("deletionTimestamp"))
                && Objects.equals(b.path("metadata").path("labels"), a.path("metadata").path("labels"))
                && Objects.equals(b.path("metadata").path("annotations"), a.path("metadata").path("annotations"))) {
            return;
        }
        if (!oldNode.isEmpty() && !oldNode.equals(newNode)) {
            send(oldNode, PodMessages.downstream(Operations.DELETE, b));
        }
        if (!newNode.isEmpty()) {
            send(newNode, PodMessages.downstream(newNode.equals(oldNode) ? Operations.UPDATE : Operations.INSERT, a));
        }
        for (ObjectRefs.NodeRef nr : change.removed()) {
            sendObject(nr.node(), Operations.DELETE, nr.ref(), gone(nr.ref()));
        }
        for (ObjectRefs.Ref r : change.unwatch()) {
            SharedIndexInformer<? extends HasMetadata> i = objects.remove(r);
            if (i != null) {
                i.close();
            }
        }
    }

    /** Starts watching one ConfigMap or Secret by name; its events go to every node that uses it. */
    private void watch(ObjectRefs.Ref r) {
        if (objects.containsKey(r)) {
            return;
        }
        var handler = new ResourceEventHandler<HasMetadata>() {
            @Override
            public void onAdd(HasMetadata obj) {
                objectChanged(r, Operations.INSERT, obj);
            }

            @Override
            public void onUpdate(HasMetadata before, HasMetadata after) {
                if (!Objects.equals(before.getMetadata().getResourceVersion(), after.getMetadata().getResourceVersion())) {
                    objectChanged(r, Operations.UPDATE, after);
                }
            }

            @Override
            public void onDelete(HasMetadata obj, boolean finalStateUnknown) {
                objectChanged(r, Operations.DELETE, obj);
            }
        };
        SharedIndexInformer<? extends HasMetadata> informer;
        if (ResourceTypes.SECRET.equals(r.kind())) {
            SharedIndexInformer<Secret> i = kube.secrets().inNamespace(r.namespace()).withName(r.name()).runnableInformer(0);
            i.addEventHandler(cast(handler));
            informer = i;
        } else {
            SharedIndexInformer<ConfigMap> i = kube.configMaps().inNamespace(r.namespace()).withName(r.name()).runnableInformer(0);
            i.addEventHandler(cast(handler));
            informer = i;
        }
        objects.put(r, informer);
        // start(), not run(): its events take this lock, which the caller holds.
        informer.start();
    }

    @SuppressWarnings("unchecked")
    private static <T extends HasMetadata> ResourceEventHandler<T> cast(ResourceEventHandler<HasMetadata> h) {
        return (ResourceEventHandler<T>) (ResourceEventHandler<?>) h;
    }

    private synchronized void objectChanged(ObjectRefs.Ref r, String op, HasMetadata obj) {
        if (!objects.containsKey(r)) {
            return; // no longer used; a late event of a closed informer
        }
        JsonNode json = JSON.valueToTree(obj);
        for (String node : refs.nodes(r)) {
            sendObject(node, op, r, json);
        }
    }

    private JsonNode cached(ObjectRefs.Ref r) {
        SharedIndexInformer<? extends HasMetadata> i = objects.get(r);
        if (i == null) {
            return null;
        }
        HasMetadata o = i.getStore().getByKey(r.namespace() + "/" + r.name());
        return o == null ? null : JSON.valueToTree(o);
    }

    private JsonNode gone(ObjectRefs.Ref r) {
        JsonNode o = cached(r);
        if (o != null) {
            return o;
        }
        var obj = JSON.createObjectNode();
        obj.putObject("metadata").put("namespace", r.namespace()).put("name", r.name());
        return obj;
    }

    private void sendObject(String node, String op, ObjectRefs.Ref r, JsonNode obj) {
        long size = ObjectRefs.dataSize(obj);
        if (!Operations.DELETE.equals(op) && size > ObjectRefs.MAX_DATA_BYTES) {
            LOG.warn("{} {}/{} holds {} bytes of data, more than the {} a gateway accepts (Kubernetes' 1 MiB limit): not sent to {};"
                    + " its pods wait with CreateContainerConfigError until it is smaller", r.kind(), r.namespace(), r.name(), size,
                    ObjectRefs.MAX_DATA_BYTES, node);
            return;
        }
        send(node, ObjectRefs.downstream(op, r, obj));
    }

    private void send(String node, Message m) {
        delivery.enqueue(node, m);
    }

    @Override
    public void connected(NodeSession session) {
        resend(session.nodeName());
    }

    /** Every pod of the node as an insert, then the list of them all. */
    private synchronized void resend(String node) {
        SharedIndexInformer<Pod> informer = pods;
        if (informer == null) {
            return;
        }
        for (ObjectRefs.Ref r : refs.refs(node)) {
            JsonNode obj = cached(r);
            if (obj != null) {
                sendObject(node, Operations.INSERT, r, obj);
            }
        }
        java.util.List<JsonNode> mine = new java.util.ArrayList<>();
        for (Pod p : informer.getStore().list()) {
            JsonNode pod = JSON.valueToTree(p);
            if (node.equals(PodMessages.nodeOf(pod))) {
                mine.add(pod);
                send(node, PodMessages.downstream(Operations.INSERT, pod));
            }
        }
        // Then the full list, so the gateway drops the pods deleted while it was away.
        send(node, PodMessages.podList(mine));
    }

    @Override
    public void disconnected(NodeSession session, String reason) {
    }

    @Override
    public void handle(MessageContext ctx, Message m) {
        if (m.isResponse() || Operations.RESPONSE.equals(m.operation()) || Operations.ERROR.equals(m.operation())) {
            return; // the gateway's ACK of a pod message: nothing is tracked yet (no per-node queue)
        }
        Resource r = Resource.parse(m.resource());
        if (PodMessages.POD_LIST.equals(r.type())) {
            if (!Operations.QUERY.equals(m.operation())) {
                throw new IllegalArgumentException("a gateway may only 'query' its podlist, not '" + m.operation() + "'");
            }
            // The gateway's pod manager started after the link came up and missed the resend on connect.
            resend(ctx.nodeName());
            return;
        }
        if (r.namespace().isEmpty()) {
            throw new IllegalArgumentException("resource '" + m.resource() + "' must be <namespace>/" + r.type() + "[/<name>]");
        }
        if (ResourceTypes.POD.equals(r.type())) {
            if (!Operations.DELETE.equals(m.operation()) || r.name().isEmpty()) {
                throw new IllegalArgumentException("a gateway may only send 'delete <namespace>/pod/<name>' for pods, not '"
                        + m.operation() + " " + m.resource() + "'");
            }
            String uid = m.content().path("UID").asText(m.content().path("uid").asText(""));
            writer.execute(() -> finalDelete(ctx.nodeName(), r.namespace(), r.name(), uid));
            return;
        }
        if (!Operations.UPDATE.equals(m.operation())) {
            throw new IllegalArgumentException("pod status uses operation 'update', not '" + m.operation() + "'");
        }
        var reports = PodMessages.parseStatus(m.content(), JSON);
        writer.execute(() -> {
            for (var s : reports) {
                try {
                    writeStatus(ctx, r.namespace(), s);
                } catch (RuntimeException e) {
                    LOG.warn("status of pod {}/{} from {} not written: {}", r.namespace(), s.name(), ctx.nodeName(), e.getMessage());
                }
            }
            ctx.reply(m.response(TextNode.valueOf("OK")));
        });
    }

    private void writeStatus(MessageContext ctx, String ns, PodMessages.StatusReport s) {
        // The informer's copy is as current as the watch: one API call per status instead of two
        // (the writer is serial, and status bursts of many pods queued behind the GETs).
        SharedIndexInformer<Pod> informer = pods;
        Pod pod = informer == null ? null : informer.getStore().getByKey(ns + "/" + s.name());
        if (pod == null || !s.uid().isEmpty() && !s.uid().equals(pod.getMetadata().getUid())) {
            pod = kube.pods().inNamespace(ns).withName(s.name()).get(); // not (yet) in the cache: ask the API
        }
        if (pod == null || !s.uid().isEmpty() && !s.uid().equals(pod.getMetadata().getUid())) {
            // KubeEdge tells the gateway to drop a pod the cloud no longer has.
            LOG.info("pod {}/{} reported by {} no longer exists; telling the gateway to delete it", ns, s.name(), ctx.nodeName());
            ctx.reply(Message.builder().source(Modules.EDGE_CONTROLLER).group(Groups.RESOURCE).operation(Operations.DELETE)
                    .resource(ns + "/" + ResourceTypes.POD + "/" + s.name())
                    .content(JSON.createObjectNode().set("metadata", JSON.createObjectNode().put("namespace", ns).put("name", s.name())
                            .put("uid", s.uid())))
                    .build());
            return;
        }
        if (!ctx.nodeName().equals(pod.getSpec().getNodeName())) {
            throw new IllegalArgumentException("pod " + ns + "/" + s.name() + " is bound to node '" + pod.getSpec().getNodeName()
                    + "', not to " + ctx.nodeName());
        }
        String patch = PodMessages.statusPatch(JSON.valueToTree(pod), s.status()).toString();
        kube.pods().inNamespace(ns).withName(s.name()).subresource("status").patch(PatchContext.of(PatchType.JSON_MERGE), patch);
    }

    private void finalDelete(String node, String ns, String name, String uid) {
        try {
            Pod pod = kube.pods().inNamespace(ns).withName(name).get();
            if (pod == null || !uid.isEmpty() && !uid.equals(pod.getMetadata().getUid())) {
                return;
            }
            if (!node.equals(pod.getSpec().getNodeName())) {
                LOG.warn("node {} asked to delete pod {}/{} bound to '{}'; refused", node, ns, name, pod.getSpec().getNodeName());
                return;
            }
            kube.pods().inNamespace(ns).withName(name).withGracePeriod(0).delete();
            LOG.info("pod {}/{} stopped on {}: deleted", ns, name, node);
        } catch (RuntimeException e) {
            LOG.warn("final delete of pod {}/{} failed: {}", ns, name, e.getMessage());
        }
    }
}
