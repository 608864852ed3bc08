package io.outpost.edge.device;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.outpost.hub.api.EdgeHub;
import io.outpost.hub.api.Groups;
import io.outpost.hub.api.LinkStatus;
import io.outpost.hub.api.Message;
import io.outpost.hub.api.Operations;
import io.outpost.twin.api.DeviceInventory;
import io.outpost.twin.api.EdgeDevice;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A simulated device mapper for demos and tests: devices whose protocol is {@code virtual} get
 * values without any hardware. A property's visitor {@code configData.generator} says how:
 * {@code sine} (between {@code min} and {@code max}, one period a minute), {@code register}
 * (holds the desired value, as a writable register would) or {@code counter}. Values are
 * collected every {@code collectCycle} ms and reported to the cloud every {@code reportCycle} ms
 * when {@code reportToCloud} is set, as KubeEdge's twin does: {@code update
 * device/<ns>/<name>/twin/edge_updated}, source {@code twin}.
 *
 * <p>A stop-gap until the mapper SPI and the twin bundle exist: it reports straight through the
 * edge hub and keeps nothing while the cloud is away.
 */
@Component(immediate = true, service = {})
public class VirtualMapper {
    static final String PROTOCOL = "virtual";
    private static final Logger LOG = LoggerFactory.getLogger(VirtualMapper.class);
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    @Reference
    private DeviceInventory inventory;

    @Reference
    private EdgeHub hub;

    private ScheduledExecutorService scheduler;
    /** Per device and property: next collect, next report (epoch ms), last value. */
    private final Map<String, long[]> schedule = new ConcurrentHashMap<>();
    private final Map<String, String> values = new ConcurrentHashMap<>();

    @Activate
    void activate() {
        // One timer thread for all virtual devices.
        scheduler = Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "outpost-virtual-mapper"));
        scheduler.scheduleWithFixedDelay(this::tick, 500, 250, TimeUnit.MILLISECONDS);
    }

    @Deactivate
    void deactivate() {
        scheduler.shutdownNow();
    }

    void tick() {
        try {
            long now = System.currentTimeMillis();
            for (EdgeDevice d : inventory.devices()) {
                if (!PROTOCOL.equals(d.protocol())) {
                    continue;
                }
                ObjectNode twin = F.objectNode();
                for (JsonNode p : d.device().path("spec").path("properties")) {
                    collectAndReport(d, p, now, twin);
                }
                if (!twin.isEmpty() && hub.status().state() == LinkStatus.State.CONNECTED) {
                    ObjectNode content = F.objectNode().put("event_id", UUID.randomUUID().toString()).put("timestamp", now);
                    content.set("twin", twin);
                    hub.request(Message.builder().source("twin").group(Groups.RESOURCE).operation(Operations.UPDATE)
                            .resource("device/" + d.namespace() + "/" + d.name() + "/twin/edge_updated").content(content).build(),
                            Duration.ofSeconds(10)).whenComplete((reply, e) -> {
                                if (e != null) {
                                    LOG.debug("twin update of {} not delivered: {}", d.id(), e.getMessage());
                                } else if (Operations.ERROR.equals(reply.operation())) {
                                    LOG.warn("the cloud refused the twin update of {}: {}", d.id(), reply.content().asText());
                                }
                            });
                }
            }
        } catch (RuntimeException e) {
            LOG.warn("virtual mapper: {}", e.getMessage());
        }
    }

    private void collectAndReport(EdgeDevice d, JsonNode p, long now, ObjectNode twin) {
        String prop = p.path("name").asText();
        String key = d.id() + "/" + prop;
        long collect = Math.max(100, p.path("collectCycle").asLong(1000));
        long report = Math.max(200, p.path("reportCycle").asLong(10000));
        long[] next = schedule.computeIfAbsent(key, k -> new long[] {0, 0});
        if (now >= next[0]) {
            values.put(key, generate(p, now));
            next[0] = now + collect;
        }
        if (now >= next[1] && p.path("reportToCloud").asBoolean(false)) {
            next[1] = now + report;
            ObjectNode t = twin.putObject(prop);
            t.putObject("actual").put("value", values.get(key)).putObject("metadata").put("timestamp", now);
            String desired = p.path("desired").path("value").asText("");
            if (!desired.isEmpty()) {
                t.putObject("expected").put("value", desired).putObject("metadata").put("timestamp", now);
            }
            t.putObject("metadata").put("type", typeOf(d, prop));
        }
    }

    private static String typeOf(EdgeDevice d, String prop) {
        for (JsonNode mp : d.deviceModel().path("spec").path("properties")) {
            if (prop.equals(mp.path("name").asText())) {
                return mp.path("type").asText("string").toLowerCase(Locale.ROOT);
            }
        }
        return "string";
    }

    static String generate(JsonNode p, long now) {
        JsonNode cfg = p.path("visitors").path("configData");
        switch (cfg.path("generator").asText("counter")) {
            case "sine": {
                double min = cfg.path("min").asDouble(0);
                double max = cfg.path("max").asDouble(100);
                double v = min + (max - min) * (0.5 + 0.5 * Math.sin(2 * Math.PI * (now % 60_000) / 60_000.0));
                return String.format(Locale.ROOT, "%.2f", v);
            }
            case "register":
                return p.path("desired").path("value").asText("0");
            default:
                return Long.toString(now / 1000 % 100_000);
        }
    }
}
