package io.outpost.cloud.mesh;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.client.KubernetesClient;
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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The mesh's cloud half: informers on Services, Pods and Nodes (and EndpointSlices and Endpoints,
 * for Services without a selector); on every change (debounced by
 * {@link #DEBOUNCE_MILLIS}) it computes, per connected gateway, the Services and derived
 * EndpointSlices relevant to it ({@link MeshSync}) and sends the difference to what it sent before
 * as {@code insert|update|delete <ns>/service/<name>} and {@code <ns>/endpointslice/<name>}. A
 * gateway that connects (or asks with {@code query _/meshlist}) gets everything again, then
 * {@code update _/meshlist} naming all of it, so objects deleted while it was away go.
 * A gateway that disconnects makes its pods not ready in every other gateway's slices at once.
 */
@Component(service = {NodeSessionListener.class, MessageHandler.class}, immediate = true,
        property = {MessageHandler.GROUP + "=" + Groups.RESOURCE, MessageHandler.RESOURCE_TYPE + "=" + MeshController.MESH_LIST})
public class MeshController implements NodeSessionListener, MessageHandler {
    private static final Logger LOG = LoggerFactory.getLogger(MeshController.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String MESH_LIST = "meshlist";
    static final long DEBOUNCE_MILLIS = 100;

    @Reference
    private KubernetesClient kube;

    @Reference
    private CloudHub hub;

    private final List<SharedIndexInformer<?>> informers = new ArrayList<>();
    /** Per node: what it holds now, as far as we sent it. Touched only on the scheduler thread. */
    private final Map<String, Map<String, JsonNode>> sent = new HashMap<>();
    private final Set<String> resend = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean queued = new AtomicBoolean();
    private ScheduledExecutorService scheduler;

    @Activate
    void activate() {
        // One thread: passes never overlap, and the per-node record needs no lock.
        scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "outpost-mesh-sync");
            t.setDaemon(true);
            return t;
        });
        informers.add(kube.services().inAnyNamespace().inform(new Changed<>(), 0));
        informers.add(kube.pods().inAnyNamespace().inform(new Changed<>(), 0));
        informers.add(kube.nodes().inform(new Changed<>(), 0));
        // Endpoints of Services without a selector are the user's, as in Kubernetes.
        informers.add(kube.discovery().v1().endpointSlices().inAnyNamespace().inform(new Changed<>(), 0));
        informers.add(kube.endpoints().inAnyNamespace().inform(new Changed<>(), 0));
        LOG.info("mesh: watching Services, Pods, Nodes, EndpointSlices and Endpoints for the gateways' meshes");
    }

    @Deactivate
    void deactivate() {
        informers.forEach(SharedIndexInformer::close);
        scheduler.shutdownNow();
    }

    private final class Changed<T> implements ResourceEventHandler<T> {
        @Override
        public void onAdd(T obj) {
            soon();
        }

        @Override
        public void onUpdate(T before, T after) {
            soon();
        }

        @Override
        public void onDelete(T obj, boolean unknown) {
            soon();
        }
    }

    private void soon() {
        if (queued.compareAndSet(false, true)) {
            scheduler.schedule(this::pass, DEBOUNCE_MILLIS, TimeUnit.MILLISECONDS);
        }
    }

    @Override
    public void connected(NodeSession session) {
        resend.add(session.nodeName());
        soon();
    }

    @Override
    public void disconnected(NodeSession session, String reason) {
        soon();
    }

    @Override
    public void handle(MessageContext ctx, Message m) {
        if (m.isResponse() || Operations.RESPONSE.equals(m.operation()) || Operations.ERROR.equals(m.operation())) {
            return; // a gateway's ACK
        }
        if (!Operations.QUERY.equals(m.operation())) {
            throw new IllegalArgumentException("a gateway may only 'query' its meshlist, not '" + m.operation() + "'");
        }
        resend.add(ctx.nodeName());
        soon();
    }

    private <T> List<JsonNode> json(SharedIndexInformer<T> informer) {
        List<JsonNode> out = new ArrayList<>();
        for (T o : informer.getStore().list()) {
            out.add(JSON.valueToTree(o));
        }
        return out;
    }

    private void pass() {
        queued.set(false);
        try {
            List<JsonNode> services = json(informers.get(0));
            List<JsonNode> pods = json(informers.get(1));
            Map<String, JsonNode> nodes = new HashMap<>();
            for (JsonNode n : json(informers.get(2))) {
                nodes.put(n.path("metadata").path("name").asText(), n);
            }
            Set<String> online = new TreeSet<>();
            hub.sessions().forEach(s -> online.add(s.nodeName()));
            Map<String, ObjectNode> slices = MeshSync.slices(services, pods, json(informers.get(3)), json(informers.get(4)), nodes, online);
            sent.keySet().retainAll(online);
            for (String node : online) {
                Map<String, JsonNode> want = MeshSync.forNode(node, services, pods, nodes, slices);
                boolean full = resend.remove(node);
                Map<String, JsonNode> have = full ? Map.of() : sent.getOrDefault(node, Map.of());
                boolean ok = true;
                for (MeshSync.Change c : MeshSync.diff(have, want)) {
                    ok &= send(node, c.operation(), c.key(), c.object());
                }
                if (full) {
                    ObjectNode list = JSON.createObjectNode();
                    var svcs = list.putArray("service");
                    var sl = list.putArray("endpointslice");
                    for (String k : want.keySet()) {
                        (k.startsWith("service/") ? svcs : sl).add(k.substring(k.indexOf('/') + 1));
                    }
                    ok &= hub.send(node, Message.builder().route(Modules.EDGE_CONTROLLER, Groups.RESOURCE, Operations.UPDATE, "_/" + MESH_LIST)
                            .content(list).build());
                }
                if (ok) {
                    sent.put(node, want);
                } else {
                    resend.add(node); // the session went away mid-pass; all again at its next connect
                }
            }
        } catch (RuntimeException e) {
            LOG.warn("mesh pass failed, retrying: {}", e.toString());
            scheduler.schedule(this::pass, 2, TimeUnit.SECONDS);
        }
    }

    /** @param key {@code service/<ns>/<name>} or {@code endpointslice/<ns>/<name>} */
    private boolean send(String node, String op, String key, JsonNode obj) {
        String[] k = key.split("/", 3);
        Resource r = new Resource("", k[1], k[0], k[2]);
        return hub.send(node, Message.builder().route(Modules.EDGE_CONTROLLER, Groups.RESOURCE, op, r.edgePath())
                .resourceVersion(obj.path("metadata").path("resourceVersion").asText("")).content(obj).build());
    }
}
