package io.outpost.edge.console.osgi;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.outpost.edge.console.api.ApiException;
import io.outpost.edge.console.api.Backends;
import io.outpost.pod.api.ContainerLog;
import io.outpost.pod.api.EdgePods;
import io.outpost.pod.api.PodException;
import io.outpost.pod.api.PodSummary;
import java.util.function.Supplier;

/** The pods of this gateway, from the pod manager's EdgePods service (feature outpost-pods). */
final class PodList implements Backends.Pods {
    static final String NOT_INSTALLED = "the pod manager (feature outpost-pods) is not running on this gateway. Install it on the "
            + "Bundles & features page or with 'feature:install outpost-pods' in the gateway's shell; it runs pods through containerd, "
            + "configured in etc/io.outpost.runtime.cri.cfg (socketPath)";

    private final Supplier<EdgePods> pods;

    PodList(Supplier<EdgePods> pods) {
        this.pods = pods;
    }

    private EdgePods pods() throws ApiException {
        EdgePods p = pods.get();
        if (p == null) {
            throw new ApiException(503, NOT_INSTALLED);
        }
        return p;
    }

    @Override
    public ArrayNode list() throws ApiException {
        ArrayNode a = JsonNodeFactory.instance.arrayNode();
        for (PodSummary p : pods().pods()) {
            a.add(doc(p));
        }
        return a;
    }

    @Override
    public ObjectNode pod(String namespace, String name) throws ApiException {
        PodSummary p = pods().pod(namespace, name).orElseThrow(() -> new ApiException(404, "pod " + namespace + "/" + name
                + " is not on this gateway (GET /api/pods lists them)"));
        ObjectNode o = doc(p);
        o.set("pod", p.pod());
        return o;
    }

    @Override
    public ContainerLog log(String namespace, String name, String container, boolean previous) throws ApiException {
        try {
            return pods().log(namespace, name, container, previous);
        } catch (PodException e) {
            throw new ApiException(switch (e.reason()) {
                case NOT_FOUND -> 404;
                case BAD_REQUEST -> 400;
                case IO -> 500;
            }, e.getMessage());
        }
    }

    static ObjectNode doc(PodSummary p) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("namespace", p.namespace()).put("name", p.name()).put("uid", p.uid())
                .put("ready", p.readyContainers() + "/" + p.containers().size()).put("readyContainers", p.readyContainers());
        p.containers().forEach(o.putArray("containers")::add);
        o.put("status", p.status()).put("restarts", p.restarts());
        if (p.created() != null) {
            o.put("created", p.created().toString());
        }
        o.put("ip", p.ip());
        return o;
    }
}
