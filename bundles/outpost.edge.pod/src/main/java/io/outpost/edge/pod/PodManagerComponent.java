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
import io.outpost.pod.api.EdgePods;
import io.outpost.runtime.api.ContainerRuntime;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Collections;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.ReferenceCardinality;
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
    /** The node reporter's configuration: the pod manager admits pods against the allocatable it reports. */
    static final String NODE_PID = "io.outpost.edge.node";
    private static final Logger LOG = LoggerFactory.getLogger(PodManagerComponent.class);
    private static final long PERIOD_SECONDS = 2;

    @ObjectClassDefinition(name = "Outpost edge: pods", description = "The gateway's pod manager. Capacity (maxPods, "
            + "reservedCpuMillis, reservedMemoryMiB) and nodeIp come from the node status configuration (io.outpost.edge.node).")
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
    }

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

    /** For the node status configuration (capacity, nodeIp); optional: defaults without it. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL)
    private ConfigurationAdmin configAdmin;

    @Activate
    void activate(BundleContext ctx, Cfg cfg) {
        Map<String, Object> props = new java.util.HashMap<>();
        if (configAdmin != null) {
            try {
                Configuration[] node = configAdmin.listConfigurations("(service.pid=" + NODE_PID + ")");
                if (node != null && node.length > 0 && node[0].getProperties() != null) {
                    var d = node[0].getProperties();
                    for (var keys = d.keys(); keys.hasMoreElements(); ) {
                        String k = keys.nextElement();
                        props.put(k, d.get(k));
                    }
                }
            } catch (IOException | org.osgi.framework.InvalidSyntaxException e) {
                LOG.warn("node configuration {} not readable, using the defaults: {}", NODE_PID, e.getMessage());
            }
        }
        // The component's one scheduler: the pass (serialized by the manager), the pod workers' syncs
        // (at most podWorkers at once) and the tasks that block for long (pulls, graceful stops,
        // probes); sized so that busy workers never leave those tasks without a thread.
        AtomicInteger n = new AtomicInteger();
        scheduler = Executors.newScheduledThreadPool(1 + cfg.workThreads() + cfg.podWorkers(),
                r -> new Thread(r, "outpost-pods-" + n.incrementAndGet()));
        PodManager.Capacity capacity = capacity(props);
        Path data = Path.of(System.getProperty("karaf.data", "data"));
        Path volumes = data.resolve(cfg.volumesDir()).toAbsolutePath();
        LOG.info("pod manager: capacity {} pods, {}m CPU, {} MiB memory; host IP {}; volumes in {}", capacity.pods(), capacity.milliCpu(),
                capacity.memoryBytes() >> 20, capacity.hostIp(), volumes);
        ContainerLogLayout logs = new ContainerLogLayout(runtime, data.resolve("pods").resolve("logs"));
        view = new PodView(store, logs, Clock.systemUTC());
        manager = new PodManager(store, logs, this::send, Clock.systemUTC(), capacity, volumes, scheduler, this::reconcileSoon,
                new PodWorkers(scheduler, cfg.podWorkers()));
        scheduler.scheduleWithFixedDelay(this::reconcile, 0, PERIOD_SECONDS, TimeUnit.SECONDS);
        viewRegistration = ctx.registerService(EdgePods.class, view, null);
    }

    /** The node's allocatable, computed as the node status reporter does (same configuration). */
    static PodManager.Capacity capacity(Map<String, Object> props) {
        int maxPods = intOf(props.get("maxPods"), 110);
        long reservedCpu = intOf(props.get("reservedCpuMillis"), 0);
        long reservedMemMiB = intOf(props.get("reservedMemoryMiB"), 128);
        long memTotal = 0;
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    memTotal = Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            memTotal = Runtime.getRuntime().maxMemory(); // not Linux: the best known bound
        }
        String ip = String.valueOf(props.getOrDefault("nodeIp", ""));
        return new PodManager.Capacity(maxPods, Math.max(0, Runtime.getRuntime().availableProcessors() * 1000L - reservedCpu),
                Math.max(0, memTotal - (reservedMemMiB << 20)), ip.isBlank() ? firstAddress() : ip);
    }

    private static int intOf(Object v, int dflt) {
        if (v == null) {
            return dflt;
        }
        try {
            return Integer.parseInt(String.valueOf(v).trim());
        } catch (NumberFormatException e) {
            return dflt;
        }
    }

    /** As the node reporter picks its InternalIP: the first IPv4 address of an interface that is up, not loopback. */
    private static String firstAddress() {
        try {
            for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                if (!ni.isUp() || ni.isLoopback() || ni.isVirtual() || ni.getName().startsWith("outpost")) {
                    continue;
                }
                for (InetAddress a : Collections.list(ni.getInetAddresses())) {
                    if (a instanceof Inet4Address && !a.isLinkLocalAddress()) {
                        return a.getHostAddress();
                    }
                }
            }
        } catch (IOException e) {
            // fall through
        }
        return "127.0.0.1";
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
