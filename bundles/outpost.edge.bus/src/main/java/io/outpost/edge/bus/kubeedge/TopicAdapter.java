package io.outpost.edge.bus.kubeedge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.outpost.edge.bus.broker.Bus;
import io.outpost.edge.bus.kubeedge.TwinDocuments.BadDocument;
import io.outpost.edge.bus.kubeedge.TwinDocuments.TwinUpdate;
import io.outpost.twin.api.DeviceInventory;
import io.outpost.twin.api.DeviceState;
import io.outpost.twin.api.DeviceTwin;
import io.outpost.twin.api.EdgeDevice;
import io.outpost.twin.api.PropertySpec;
import io.outpost.twin.api.TwinChange;
import io.outpost.twin.api.TwinEvent;
import io.outpost.twin.api.TwinException;
import io.outpost.twin.api.TwinProperty;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * KubeEdge's mapper topics on the gateway's bus, mapped to the device twin:
 * <ul>
 * <li>{@code $hw/events/device/<ns>/<name>/twin/update} → {@link DeviceTwin#update} →
 * {@code …/twin/update/result}; {@code …/twin/get} → {@code …/twin/get/result};
 * {@code …/state/update} → {@link DeviceTwin#updateState} → {@code …/state/update/result};
 * {@code …/state/get} → {@code …/state/get/result}.
 * <li>{@code $hw/events/node/<node>/membership/get} → {@code …/membership/get/result}.
 * <li>Twin changes → {@code …/twin/update/document} and (when not empty) {@code …/twin/update/delta};
 * devices added or removed → {@code $hw/events/node/<node>/membership/updated}; actual values of
 * properties with an MQTT {@code pushMethod} → that broker and topic.
 * </ul>
 * Requests are handled on the given executor, never on the bus's I/O thread. Requests to the
 * same topic that arrive faster than they are handled are coalesced: twin updates are merged
 * (the latest value of each property wins) and answered once with the latest event id; for the
 * other requests the latest one is answered. So a flooding device costs one task at a time and
 * the others keep their turn. Bad input always gets an error result, never an exception.
 */
public final class TopicAdapter implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TopicAdapter.class);
    /** Pending requests kept per topic; older ones are coalesced away. */
    static final int MAX_PENDING_PER_TOPIC = 32;
    /** Topics with pending requests; beyond this, requests are dropped (logged). */
    static final int MAX_PENDING_TOPICS = 10_000;

    private final String node;
    private final Bus bus;
    private final Supplier<DeviceTwin> twin;
    private final DeviceInventory inventory;
    private final Executor executor;
    private final TwinDocuments docs;
    private final PushTarget push;
    private volatile HttpPushTarget httpPush;
    private final int maxPayload;
    private final Map<String, ArrayDeque<byte[]>> pending = new LinkedHashMap<>();
    private final List<AutoCloseable> subscriptions = new ArrayList<>();
    private final AtomicLong coalesced = new AtomicLong();

    /**
     * @param node this gateway's node name
     * @param bus the broker to listen and answer on
     * @param twin the device twin, or a supplier of null while it is not running (requests are
     *     then answered with 500)
     * @param inventory the devices of this gateway
     * @param executor where requests and events are handled (the component's one worker)
     * @param docs JSON documents
     * @param push where MQTT push methods send, or null for none
     * @param maxPayload the largest request accepted, in bytes
     */
    public TopicAdapter(String node, Bus bus, Supplier<DeviceTwin> twin, DeviceInventory inventory, Executor executor, TwinDocuments docs,
            PushTarget push, int maxPayload) {
        this.node = node;
        this.bus = bus;
        this.twin = twin;
        this.inventory = inventory;
        this.executor = executor;
        this.docs = docs;
        this.push = push;
        this.maxPayload = maxPayload;
    }

    /** Subscribes to the request topics (namespaced and un-namespaced device ids). */
    public TopicAdapter start() {
        for (String action : List.of(DeviceTopic.TWIN_UPDATE, DeviceTopic.TWIN_GET, DeviceTopic.STATE_UPDATE, DeviceTopic.STATE_GET)) {
            subscriptions.add(bus.subscribe(DeviceTopic.DEVICE_PREFIX + "+/+/" + action, this::onMessage));
            subscriptions.add(bus.subscribe(DeviceTopic.DEVICE_PREFIX + "+/" + action, this::onMessage));
        }
        subscriptions.add(bus.subscribe(DeviceTopic.NODE_PREFIX + node + "/" + DeviceTopic.MEMBERSHIP_GET, this::onMessage));
        return this;
    }

    @Override
    public void close() {
        for (AutoCloseable s : subscriptions) {
            try {
                s.close();
            } catch (Exception e) {
                LOG.debug("unsubscribing failed", e);
            }
        }
        subscriptions.clear();
    }

    /** @return how many requests were merged into later ones */
    public long coalesced() {
        return coalesced.get();
    }

    /** A request from the bus; called on its I/O thread, so it only queues. */
    void onMessage(String topic, byte[] payload) {
        if (payload.length > maxPayload) {
            answerError(topic, "", 400, "the payload is " + payload.length + " bytes, at most " + maxPayload + " are accepted");
            return;
        }
        boolean first;
        synchronized (pending) {
            ArrayDeque<byte[]> q = pending.get(topic);
            first = q == null;
            if (first) {
                if (pending.size() >= MAX_PENDING_TOPICS) {
                    LOG.warn("dropping a request on {}: {} topics are waiting already", topic, MAX_PENDING_TOPICS);
                    return;
                }
                q = new ArrayDeque<>();
                pending.put(topic, q);
            } else if (q.size() >= MAX_PENDING_PER_TOPIC) {
                q.pollFirst();
                coalesced.incrementAndGet();
            }
            q.addLast(payload);
        }
        if (first) {
            executor.execute(() -> drain(topic));
        }
    }

    private void drain(String topic) {
        List<byte[]> batch;
        synchronized (pending) {
            ArrayDeque<byte[]> q = pending.remove(topic);
            batch = q == null ? List.of() : new ArrayList<>(q);
        }
        if (batch.isEmpty()) {
            return;
        }
        try {
            handle(topic, batch);
        } catch (RuntimeException e) {
            LOG.warn("handling a request on {} failed", topic, e);
            answerError(topic, "", 500, "the gateway failed on this request: " + e);
        }
    }

    private void handle(String topic, List<byte[]> batch) {
        byte[] last = batch.get(batch.size() - 1);
        if (topic.startsWith(DeviceTopic.NODE_PREFIX)) {
            coalesced.addAndGet(batch.size() - 1);
            membershipGet(topic, last);
            return;
        }
        DeviceTopic d = DeviceTopic.parse(topic).orElse(null);
        if (d == null) {
            return;
        }
        switch (d.action()) {
            case DeviceTopic.TWIN_UPDATE -> twinUpdate(d, batch);
            case DeviceTopic.TWIN_GET -> {
                coalesced.addAndGet(batch.size() - 1);
                twinGet(d, last);
            }
            case DeviceTopic.STATE_UPDATE -> {
                coalesced.addAndGet(batch.size() - 1);
                stateUpdate(d, last);
            }
            case DeviceTopic.STATE_GET -> {
                coalesced.addAndGet(batch.size() - 1);
                stateGet(d, last);
            }
            default -> LOG.debug("ignoring {}", topic);
        }
    }

    private void twinUpdate(DeviceTopic d, List<byte[]> batch) {
        String result = d.topic(DeviceTopic.TWIN_UPDATE_RESULT);
        Map<String, TwinChange> merged = new LinkedHashMap<>();
        String eventId = null;
        int good = 0;
        for (byte[] p : batch) {
            try {
                TwinUpdate u = docs.twinUpdate(p);
                u.changes().forEach((k, c) -> merged.merge(k, c, (a, b) -> new TwinChange(b.expected() != null ? b.expected() : a.expected(),
                        b.actual() != null ? b.actual() : a.actual())));
                eventId = u.eventId();
                good++;
            } catch (BadDocument e) {
                LOG.info("bad twin update for {}: {}", d.id(), e.getMessage());
                bus.publish(result, docs.error(e.eventId(), TwinException.BAD_REQUEST, e.getMessage()), 0, false);
            }
        }
        if (good == 0) {
            return;
        }
        coalesced.addAndGet(good - 1);
        DeviceTwin t = twin.get();
        if (t == null) {
            bus.publish(result, docs.error(eventId, TwinException.INTERNAL, "the device twin is not running on this gateway"), 0, false);
            return;
        }
        try {
            Map<String, TwinProperty> changed = t.update(d.namespace(), d.name(), merged);
            bus.publish(result, docs.twinResult(eventId, changed), 0, false);
        } catch (TwinException e) {
            if (good > 1 && e.code() == TwinException.BAD_REQUEST) {
                // One bad value refuses the merged update: apply the requests one by one, so only that one fails.
                for (byte[] p : batch) {
                    twinUpdate(d, List.of(p));
                }
                return;
            }
            bus.publish(result, docs.error(eventId, e.code(), e.getMessage()), 0, false);
        }
    }

    private void twinGet(DeviceTopic d, byte[] payload) {
        String result = d.topic(DeviceTopic.TWIN_GET_RESULT);
        String eventId = eventIdOrAnswer(result, payload);
        if (eventId == null) {
            return;
        }
        DeviceTwin t = twin.get();
        if (t == null) {
            bus.publish(result, docs.error(eventId, TwinException.INTERNAL, "the device twin is not running on this gateway"), 0, false);
            return;
        }
        Optional<Map<String, TwinProperty>> twins = t.twins(d.namespace(), d.name());
        bus.publish(result, twins.isPresent() ? docs.twinResult(eventId, twins.get())
                : docs.error(eventId, TwinException.NOT_FOUND, notHere(d)), 0, false);
    }

    private void stateUpdate(DeviceTopic d, byte[] payload) {
        String result = d.topic(DeviceTopic.STATE_UPDATE_RESULT);
        ObjectNode req;
        try {
            req = docs.request(payload);
        } catch (BadDocument e) {
            bus.publish(result, docs.error("", TwinException.BAD_REQUEST, e.getMessage()), 0, false);
            return;
        }
        String eventId = TwinDocuments.eventId(req);
        JsonNode state = req.get("state");
        if (state == null || !state.isTextual()) {
            bus.publish(result, docs.error(eventId, TwinException.BAD_REQUEST,
                    "\"state\" is required: one of online, offline, ok, unknown, disconnected"), 0, false);
            return;
        }
        DeviceTwin t = twin.get();
        if (t == null) {
            bus.publish(result, docs.error(eventId, TwinException.INTERNAL, "the device twin is not running on this gateway"), 0, false);
            return;
        }
        try {
            DeviceState s = t.updateState(d.namespace(), d.name(), state.asText(), req.path("reason").asText(null));
            bus.publish(result, docs.stateResult(eventId, d.name(), s), 0, false);
        } catch (TwinException e) {
            bus.publish(result, docs.error(eventId, e.code(), e.getMessage()), 0, false);
        }
    }

    private void stateGet(DeviceTopic d, byte[] payload) {
        String result = d.topic(DeviceTopic.STATE_GET + "/result");
        String eventId = eventIdOrAnswer(result, payload);
        if (eventId == null) {
            return;
        }
        DeviceTwin t = twin.get();
        Optional<DeviceState> s = t == null ? Optional.empty() : t.state(d.namespace(), d.name());
        bus.publish(result, s.isPresent() ? docs.stateResult(eventId, d.name(), s.get())
                : docs.error(eventId, t == null ? TwinException.INTERNAL : TwinException.NOT_FOUND,
                        t == null ? "the device twin is not running on this gateway" : notHere(d)), 0, false);
    }

    private void membershipGet(String topic, byte[] payload) {
        String result = topic + "/result";
        String eventId = eventIdOrAnswer(result, payload);
        if (eventId == null) {
            return;
        }
        DeviceTwin t = twin.get();
        bus.publish(result, docs.membership(eventId, inventory.devices(),
                dev -> t == null ? Optional.empty() : t.state(dev.namespace(), dev.name())), 0, false);
    }

    /** @return the request's event id, or null after answering a 400 for a request that is not a JSON object */
    private String eventIdOrAnswer(String result, byte[] payload) {
        // KubeEdge's mappers send an empty body on get requests as often as {"event_id":…}.
        if (payload.length == 0) {
            return "";
        }
        try {
            return TwinDocuments.eventId(docs.request(payload));
        } catch (BadDocument e) {
            bus.publish(result, docs.error("", TwinException.BAD_REQUEST, e.getMessage()), 0, false);
            return null;
        }
    }

    private void answerError(String topic, String eventId, int code, String reason) {
        Optional<DeviceTopic> d = DeviceTopic.parse(topic);
        String result = topic + "/result";
        if (d.isPresent() && d.get().action().equals(DeviceTopic.TWIN_UPDATE)) {
            result = d.get().topic(DeviceTopic.TWIN_UPDATE_RESULT);
        }
        bus.publish(result, docs.error(eventId, code, reason), 0, false);
    }

    private String notHere(DeviceTopic d) {
        return "device " + d.id() + " is not assigned to this gateway (" + node + ")";
    }

    /** Publishes the document, the delta (when not empty) and MQTT pushes of a twin change. Returns at once. */
    public void twinChanged(TwinEvent e) {
        executor.execute(() -> {
            try {
                publishChange(e);
            } catch (RuntimeException x) {
                LOG.warn("publishing the twin change of {}/{} failed", e.namespace(), e.name(), x);
            }
        });
    }

    private void publishChange(TwinEvent e) {
        String prefix = DeviceTopic.DEVICE_PREFIX + e.namespace() + "/" + e.name() + "/";
        String eventId = UUID.randomUUID().toString();
        bus.publish(prefix + DeviceTopic.TWIN_UPDATE_DOCUMENT, docs.document(eventId, e.last(), e.current()), 0, false);
        if (!e.delta().isEmpty()) {
            DeviceTwin t = twin.get();
            Map<String, TwinProperty> all = t == null ? e.current() : t.twins(e.namespace(), e.name()).orElse(e.current());
            bus.publish(prefix + DeviceTopic.TWIN_UPDATE_DELTA, docs.delta(eventId, all, e.delta()), 0, false);
        }
        if (push != null || httpPush != null) {
            pushValues(e);
        }
    }

    private void pushValues(TwinEvent e) {
        Optional<EdgeDevice> dev = inventory.device(e.namespace(), e.name());
        if (dev.isEmpty()) {
            return;
        }
        e.current().forEach((prop, now) -> {
            TwinProperty before = e.last().get(prop);
            if (now.actual() == null || before != null && before.actual() != null && before.actual().equals(now.actual())) {
                return;
            }
            Optional<PropertySpec> spec = dev.get().spec().property(prop);
            JsonNode http = spec.map(s -> s.pushMethod().path("http")).orElse(null);
            HttpPushTarget h = httpPush;
            if (h != null && http != null && http.isObject()) {
                String host = http.path("hostName").asText("");
                if (host.isEmpty()) {
                    LOG.warn("device {}/{} property {}: pushMethod.http needs hostName", e.namespace(), e.name(), prop);
                } else {
                    String path = http.path("requestPath").asText("/");
                    String base = host.startsWith("http://") || host.startsWith("https://") ? host : "http://" + host;
                    h.post(base + (http.has("port") ? ":" + http.path("port").asInt() : "") + (path.startsWith("/") ? path : "/" + path),
                            docs.data(UUID.randomUUID().toString(), prop, now.actual(), now.type()), http.path("timeout").asInt(5000));
                }
            }
            JsonNode mqtt = spec.map(s -> s.pushMethod().path("mqtt")).orElse(null);
            if (push == null || mqtt == null || !mqtt.isObject()) {
                return;
            }
            String address = mqtt.path("address").asText("");
            String topic = mqtt.path("topic").asText("");
            if (address.isEmpty() || topic.isEmpty()) {
                LOG.warn("device {}/{} property {}: pushMethod.mqtt needs address and topic", e.namespace(), e.name(), prop);
                return;
            }
            push.push(address, topic, docs.data(UUID.randomUUID().toString(), prop, now.actual(), now.type()),
                    Math.min(1, Math.max(0, mqtt.path("qos").asInt(0))), mqtt.path("retained").asBoolean(false));
        });
    }

    /**
     * Also sends values of properties with {@code pushMethod.http} (KubeEdge's {@code hostName},
     * {@code port}, {@code requestPath}, {@code timeout} in ms) as a JSON POST.
     *
     * @return this
     */
    public TopicAdapter withHttpPush(HttpPushTarget target) {
        this.httpPush = target;
        return this;
    }

    /** Publishes {@code membership/updated} for an added device. Returns at once. */
    public void deviceAdded(EdgeDevice d) {
        executor.execute(() -> bus.publish(DeviceTopic.NODE_PREFIX + node + "/" + DeviceTopic.MEMBERSHIP_UPDATED,
                docs.membershipUpdated(UUID.randomUUID().toString(), d, true), 1, false));
    }

    /** Publishes {@code membership/updated} for a removed device. Returns at once. */
    public void deviceRemoved(EdgeDevice d) {
        executor.execute(() -> bus.publish(DeviceTopic.NODE_PREFIX + node + "/" + DeviceTopic.MEMBERSHIP_UPDATED,
                docs.membershipUpdated(UUID.randomUUID().toString(), d, false), 1, false));
    }
}
