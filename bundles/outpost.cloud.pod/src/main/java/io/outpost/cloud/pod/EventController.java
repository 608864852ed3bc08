package io.outpost.cloud.pod;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.DeserializationFeature;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.outpost.hub.api.Groups;
import io.outpost.hub.api.Message;
import io.outpost.hub.api.MessageContext;
import io.outpost.hub.api.MessageHandler;
import io.outpost.hub.api.Operations;
import io.outpost.hub.api.ResourceTypes;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the events gateways report about their pods (and their node) as core/v1 Events, so
 * {@code kubectl describe pod} and {@code kubectl get events} show them — what KubeEdge's cloud
 * does with edged's {@code meta} {@code <ns>/event/<name>} messages. An event about a pod is
 * written only when that pod is bound to the sending gateway (node isolation). A repeat (same
 * name, higher count) replaces the Event. Bounded: per gateway at most {@value #PER_SECOND}
 * events a second (burst {@value #BURST}), and at most {@value #QUEUE} waiting for the API server
 * in all; the rest are dropped (counted, logged) — events are best effort in Kubernetes too.
 */
@Component(service = MessageHandler.class, immediate = true,
        property = {MessageHandler.GROUP + "=" + Groups.META, MessageHandler.RESOURCE_TYPE + "=" + ResourceTypes.EVENT})
public class EventController implements MessageHandler {
    static final int PER_SECOND = 20;
    static final int BURST = 200;
    static final int QUEUE = 1000;
    private static final Logger LOG = LoggerFactory.getLogger(EventController.class);
    private static final ObjectMapper JSON = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    @Reference
    private KubernetesClient kube;

    /** API writes block; one thread keeps them off the link's I/O threads, its queue bounded. */
    private ThreadPoolExecutor writer;
    private final Map<String, double[]> buckets = new HashMap<>();
    /** Which node each pod (ns/name/uid) is bound to, so repeats cost no GET; bounded, oldest out. */
    private final Map<String, String> boundTo = new LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, String> e) {
            return size() > 4096;
        }
    };
    private final AtomicLong dropped = new AtomicLong();

    @Activate
    void activate() {
        writer = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(QUEUE), r -> {
            Thread t = new Thread(r, "outpost-pod-events");
            t.setDaemon(true);
            return t;
        });
    }

    @Deactivate
    void deactivate() {
        writer.shutdownNow();
    }

    @Override
    public void handle(MessageContext ctx, Message m) {
        if (m.isResponse() || Operations.RESPONSE.equals(m.operation()) || Operations.ERROR.equals(m.operation())) {
            return;
        }
        EventMessages.Event e = EventMessages.parse(ctx.nodeName(), m); // a bad one is refused with the reason
        if (!take(ctx.nodeName())) {
            drop(ctx.nodeName(), e, "over its rate (" + PER_SECOND + "/s)");
            return;
        }
        try {
            writer.execute(() -> write(ctx.nodeName(), e));
        } catch (RejectedExecutionException x) {
            drop(ctx.nodeName(), e, QUEUE + " events wait for the API server already");
        }
    }

    private void drop(String node, EventMessages.Event e, String why) {
        long n = dropped.incrementAndGet();
        if (n == 1 || n % 100 == 0) {
            LOG.warn("event {}/{} ({}) from {} dropped: {}; {} dropped so far", e.namespace(), e.name(),
                    e.event().path("reason").asText(), node, why, n);
        }
    }

    private synchronized boolean take(String node) {
        long now = System.nanoTime();
        double[] b = buckets.computeIfAbsent(node, k -> new double[] {BURST, now});
        b[0] = Math.min(BURST, b[0] + (now - b[1]) / 1e9 * PER_SECOND);
        b[1] = now;
        if (b[0] >= 1) {
            b[0] -= 1;
            return true;
        }
        return false;
    }

    private void write(String node, EventMessages.Event e) {
        try {
            String bound = "Pod".equals(e.kind()) ? podNode(e) : e.objectName();
            if (!node.equals(bound)) {
                LOG.warn("event {}/{} from {} is about {} {}/{}, which is not its own ({}); refused", e.namespace(), e.name(), node,
                        e.kind(), e.namespace(), e.objectName(), bound == null ? "no such pod" : "bound to " + bound);
                return;
            }
            Event ev = JSON.treeToValue(e.event(), Event.class);
            kube.v1().events().inNamespace(e.namespace()).resource(ev).createOr(NonDeletingOperation::update);
        } catch (Exception x) {
            LOG.debug("event {}/{} from {} not written: {}", e.namespace(), e.name(), node, x.toString());
        }
    }

    private String podNode(EventMessages.Event e) {
        String key = e.namespace() + "/" + e.objectName() + "/" + e.objectUid();
        synchronized (boundTo) {
            String n = boundTo.get(key);
            if (n != null) {
                return n;
            }
        }
        Pod pod = kube.pods().inNamespace(e.namespace()).withName(e.objectName()).get();
        if (pod == null || !e.objectUid().isEmpty() && !e.objectUid().equals(pod.getMetadata().getUid())) {
            return null;
        }
        String n = pod.getSpec().getNodeName();
        if (n != null) {
            synchronized (boundTo) {
                boundTo.put(key, n);
            }
        }
        return n;
    }
}
