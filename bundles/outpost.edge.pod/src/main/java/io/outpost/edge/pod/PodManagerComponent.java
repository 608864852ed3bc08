package io.outpost.edge.pod;

import com.fasterxml.jackson.databind.node.TextNode;
import io.outpost.hub.api.EdgeHub;
import io.outpost.hub.api.Groups;
import io.outpost.hub.api.LinkListener;
import io.outpost.hub.api.LinkStatus;
import io.outpost.hub.api.Message;
import io.outpost.hub.api.MessageContext;
import io.outpost.hub.api.MessageHandler;
import io.outpost.hub.api.ResourceTypes;
import io.outpost.meta.api.MetaStore;
import io.outpost.runtime.api.ContainerRuntime;
import java.time.Clock;
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
 * Wires the {@link PodManager} into the gateway: takes {@code <ns>/pod/<name>} messages from the
 * link (stored, then acknowledged with "OK"), runs the reconcile loop on its one scheduler thread
 * every two seconds and right after each message, and sends statuses through the edge hub.
 */
@Component(service = {MessageHandler.class, LinkListener.class}, immediate = true,
        property = {MessageHandler.GROUP + "=" + Groups.RESOURCE, MessageHandler.RESOURCE_TYPE + "=" + ResourceTypes.POD,
                MessageHandler.RESOURCE_TYPE + "=" + PodManager.POD_LIST,
                MessageHandler.RESOURCE_TYPE + "=" + ResourceTypes.CONFIGMAP, MessageHandler.RESOURCE_TYPE + "=" + ResourceTypes.SECRET})
public class PodManagerComponent implements MessageHandler, LinkListener {
    private static final Logger LOG = LoggerFactory.getLogger(PodManagerComponent.class);
    private static final long PERIOD_SECONDS = 2;

    @Reference
    private MetaStore store;

    @Reference
    private ContainerRuntime runtime;

    /** From the link callbacks: a reference to the hub would be a cycle (it tracks this listener). */
    private volatile EdgeHub hub;

    private PodManager manager;
    private ScheduledExecutorService scheduler;
    private final AtomicBoolean queued = new AtomicBoolean();

    @Activate
    void activate() {
        manager = new PodManager(store, runtime, this::send, Clock.systemUTC());
        // One thread: the reconcile pass is not reentrant and runtime calls block.
        scheduler = Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "outpost-pods"));
        scheduler.scheduleWithFixedDelay(this::reconcile, 0, PERIOD_SECONDS, TimeUnit.SECONDS);
    }

    @Deactivate
    void deactivate() {
        scheduler.shutdownNow();
    }

    private boolean send(Message m) {
        EdgeHub h = hub;
        return h != null && h.status().state() == LinkStatus.State.CONNECTED && h.send(m);
    }

    private void reconcile() {
        queued.set(false);
        try {
            manager.reconcile();
        } catch (RuntimeException e) {
            // The next pass retries; one failure must not end the scheduled task.
            LOG.warn("pod reconcile failed: {}", e.toString());
        }
    }

    private void reconcileSoon() {
        if (queued.compareAndSet(false, true)) {
            scheduler.execute(this::reconcile);
        }
    }

    @Override
    public void handle(MessageContext ctx, Message m) {
        if (m.isResponse() || "error".equals(m.operation())) {
            manager.accept(ctx.nodeName(), m);
            return; // never answer an answer
        }
        manager.accept(ctx.nodeName(), m);
        ctx.reply(m.response(TextNode.valueOf("OK")));
        reconcileSoon();
    }

    @Override
    public void linkUp(EdgeHub h) {
        hub = h;
        manager.resendAll();
        h.send(PodManager.podListQuery());
        reconcileSoon();
    }
}
