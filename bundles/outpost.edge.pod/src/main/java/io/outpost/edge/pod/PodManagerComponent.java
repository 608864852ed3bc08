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
import io.outpost.node.api.NodeResources;
import io.outpost.pod.api.EdgePods;
import io.outpost.runtime.api.ContainerRuntime;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.atomic.AtomicInteger;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wires the {@link PodManager} into the gateway: takes {@code <ns>/pod/<name>} messages from the
 * link (stored, then acknowledged with "OK"), runs the reconcile pass on its one scheduler every
 * two seconds and right after each message (the pass hands each pod to its pod worker, on the same
 * scheduler), and sends statuses through the edge hub.
 */
@Component(service = {MessageHandler.class, LinkListener.class}, immediate = true,
        configurationPid = PodManagerComponent.PID,
        property = {MessageHandler.GROUP + "=" + Groups.RESOURCE, MessageHandler.RESOURCE_TYPE + "=" + ResourceTypes.POD,
                MessageHandler.RESOURCE_TYPE + "=" + PodManager.POD_LIST,
                MessageHandler.RESOURCE_TYPE + "=" + ResourceTypes.CONFIGMAP, MessageHandler.RESOURCE_TYPE + "=" + ResourceTypes.SECRET})
@Designate(ocd = PodManagerComponent.Cfg.class)
public class PodManagerComponent implements MessageHandler, LinkListener {
    static final String PID = "io.outpost.edge.pod";
    private static final Logger LOG = LoggerFactory.getLogger(PodManagerComponent.class);
    private static final long PERIOD_SECONDS = 2;

    @ObjectClassDefinition(name = "Outpost edge: pods", description = "The gateway's pod manager. Capacity (maxPods, "
            + "reservedCpuMillis, reservedMemoryMiB) and nodeIp come from the node status reporter (io.outpost.edge.node).")
    public @interface Cfg {
        @AttributeDefinition(description = "Threads for work that blocks for long: image pulls, graceful stops, probes. "
                + "The reconcile pass has one more.", min = "1", max = "64")
        int workThreads() default 4;

        @AttributeDefinition(description = "Pods synced at once (sandbox, volumes, containers, status), each by its own pod "
                + "worker; one pod is never synced twice at once. More starts a burst of pods sooner, at more load on "
                + "containerd and CNI. The scheduler gets this many threads more.", min = "1", max = "64")
        int podWorkers() default 4;

        @AttributeDefinition(description = "Folder for the pods' volumes (ConfigMap, Secret, emptyDir); relative to the Karaf data "
                + "folder. containerd must see the same path.")
        String volumesDir() default "outpost/pods";

        @AttributeDefinition(description = "Size from which a container's log file is rotated, as the kubelet's containerLogMaxSize: "
                + "bytes, or a number with Ki, Mi, Gi (or k, M, G); e.g. 10Mi.")
        String containerLogMaxSize() default "10Mi";

        @AttributeDefinition(description = "Log files kept per container (the live one included), as the kubelet's "
                + "containerLogMaxFiles; the oldest are deleted.", min = "2", max = "100")
        int containerLogMaxFiles() default 5;
    }

    /** How often log sizes are checked, as the kubelet's containerLogMonitorInterval. */
    private static final long LOG_ROTATION_PERIOD_SECONDS = 10;

    @Reference
    private MetaStore store;

    @Reference
    private ContainerRuntime runtime;

    /** From the link callbacks: a reference to the hub would be a cycle (it tracks this listener). */
    private volatile EdgeHub hub;

    private PodManager manager;
    /** Pods, statuses and container logs for the shell and the console (EdgePods). */
    private PodView view;
    private ServiceRegistration<EdgePods> viewRegistration;
    private ScheduledExecutorService scheduler;
    private final AtomicBoolean queued = new AtomicBoolean();

    /**
     * The node's allocatable and InternalIP, from the node status reporter (one computation for
     * the Node's status and for admission). Static: a change of the node's configuration
     * re-registers it, and the pod manager starts again with the new values (pods are adopted).
     */
    @Reference
    private NodeResources node;

    @Activate
    void activate(BundleContext ctx, Cfg cfg) {
        // The component's one scheduler: the pass (serialized by the manager), the pod workers' syncs
        // (at most podWorkers at once) and the tasks that block for long (pulls, graceful stops,
        // probes); sized so that busy workers never leave those tasks without a thread.
        AtomicInteger n = new AtomicInteger();
        scheduler = Executors.newScheduledThreadPool(1 + cfg.workThreads() + cfg.podWorkers(),
                r -> new Thread(r, "outpost-pods-" + n.incrementAndGet()));
        NodeResources.Allocatable a = node.allocatable();
        PodManager.Capacity capacity = new PodManager.Capacity(a.pods(), a.milliCpu(), a.memoryBytes(), node.internalIp());
        Path data = Path.of(System.getProperty("karaf.data", "data"));
        Path volumes = data.resolve(cfg.volumesDir()).toAbsolutePath();
        LOG.info("pod manager: capacity {} pods, {}m CPU, {} MiB memory; host IP {}; volumes in {}", capacity.pods(), capacity.milliCpu(),
                capacity.memoryBytes() >> 20, capacity.hostIp(), volumes);
        ContainerLogLayout logs = new ContainerLogLayout(runtime, data.resolve("pods").resolve("logs"));
        view = new PodView(store, logs, Clock.systemUTC());
        manager = new PodManager(store, logs, this::send, Clock.systemUTC(), capacity, volumes, scheduler, this::reconcileSoon,
                new PodWorkers(scheduler, cfg.podWorkers()));
        scheduler.scheduleWithFixedDelay(this::reconcile, 0, PERIOD_SECONDS, TimeUnit.SECONDS);
        ContainerLogRotation rotation = new ContainerLogRotation(runtime, logs, ContainerLogRotation.sizeOrDefault(cfg.containerLogMaxSize()),
                Math.max(2, cfg.containerLogMaxFiles()), Clock.systemUTC());
        scheduler.scheduleWithFixedDelay(() -> {
            try {
                rotation.rotateAll();
            } catch (RuntimeException e) {
                // containerd away: the next check retries (the pod manager reports the runtime down)
                LOG.debug("container log rotation skipped: {}", e.toString());
            }
        }, LOG_ROTATION_PERIOD_SECONDS, LOG_ROTATION_PERIOD_SECONDS, TimeUnit.SECONDS);
        viewRegistration = ctx.registerService(EdgePods.class, view, null);
    }

    @Deactivate
    void deactivate() {
        viewRegistration.unregister();
        scheduler.shutdownNow();
    }

    private boolean send(Message m) {
        view.observe(m);
        EdgeHub h = hub;
        return h != null && h.status().state() == LinkStatus.State.CONNECTED && h.send(m);
    }

    private void reconcile() {
        queued.set(false);
        try {
            manager.reconcile();
            view.afterPass();
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
