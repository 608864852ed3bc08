package io.outpost.edge.bus.kubeedge;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.outpost.twin.api.DeviceState;
import io.outpost.twin.api.EdgeDevice;
import io.outpost.twin.api.TwinChange;
import io.outpost.twin.api.TwinProperty;
import io.outpost.twin.api.TwinValue;
import java.io.IOException;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.LongSupplier;

/**
 * KubeEdge's JSON documents on the mapper topics ({@code edge/pkg/devicetwin/dttype}): reads the
 * requests mappers send and writes what the gateway answers. Field names, nesting and the
 * {@code "event_id"}/{@code "timestamp"} envelope are KubeEdge's; values travel as strings.
 */
public final class TwinDocuments {
    /** KubeEdge refuses twin names of 128 bytes and more. */
    public static final int MAX_TWIN_NAME = 127;
    /** KubeEdge's {@code last_online} layout (Go's {@code 2006-01-02 15:04:05}), in the gateway's zone. */
    private static final DateTimeFormatter LAST_ONLINE = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

    /** A request that cannot be read; the message says what to fix. */
    public static final class BadDocument extends Exception {
        private static final long serialVersionUID = 1L;
        private final String eventId;

        BadDocument(String eventId, String message) {
            super(message);
            this.eventId = eventId;
        }

        /** @return the request's event id if it could be read, else "" */
        public String eventId() {
            return eventId;
        }
    }

    /** A twin update request: its event id and the changes by property. */
    public record TwinUpdate(String eventId, Map<String, TwinChange> changes) {
    }

    private final ObjectMapper json = new ObjectMapper();
    private final LongSupplier clock;
    private final ZoneId zone;

    /**
     * @param clock epoch milliseconds, for {@code timestamp}
     * @param zone the zone {@code last_online} is written in (KubeEdge uses the gateway's local time)
     */
    public TwinDocuments(LongSupplier clock, ZoneId zone) {
        this.clock = clock;
        this.zone = zone;
    }

    /** @return a request's JSON object, or a BadDocument saying why it is none */
    public ObjectNode request(byte[] payload) throws BadDocument {
        if (payload.length == 0) {
            throw new BadDocument("", "the payload is empty: send a JSON object {\"event_id\":…,\"timestamp\":…,…}");
        }
        JsonNode n;
        try {
            n = json.readTree(payload);
        } catch (IOException e) {
            String m = e.getMessage() == null ? e.toString() : e.getMessage();
            int nl = m.indexOf('\n');
            throw new BadDocument("", "the payload is not JSON: " + (nl > 0 ? m.substring(0, nl) : m));
        }
        if (n == null || !n.isObject()) {
            throw new BadDocument("", "the payload must be a JSON object {\"event_id\":…,\"timestamp\":…,…}, not "
                    + (n == null ? "nothing" : n.getNodeType().name().toLowerCase()));
        }
        return (ObjectNode) n;
    }

    /** @return the request's {@code event_id} as text, or "" */
    public static String eventId(JsonNode request) {
        JsonNode id = request.path("event_id");
        return id.isValueNode() && !id.isNull() ? id.asText() : "";
    }

    /**
     * Reads {@code {"event_id","timestamp","twin":{prop:{"expected":{"value":…},"actual":{"value":…}}}}}.
     * Values are strings in KubeEdge; numbers and booleans are taken as their text.
     */
    public TwinUpdate twinUpdate(byte[] payload) throws BadDocument {
        ObjectNode req = request(payload);
        String id = eventId(req);
        JsonNode twin = req.get("twin");
        if (twin == null || !twin.isObject()) {
            throw new BadDocument(id, "\"twin\" is required: an object {\"<property>\":{\"actual\":{\"value\":\"…\"}}}");
        }
        Map<String, TwinChange> changes = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : (Iterable<Map.Entry<String, JsonNode>>) twin::fields) {
            String prop = e.getKey();
            if (prop.isEmpty() || prop.length() > MAX_TWIN_NAME) {
                throw new BadDocument(id, "twin name '" + abbreviate(prop) + "' must be 1 to " + MAX_TWIN_NAME + " characters");
            }
            JsonNode t = e.getValue();
            if (!t.isObject()) {
                throw new BadDocument(id, "twin." + prop + " must be an object {\"actual\":{\"value\":\"…\"}} (deleting twins from the edge is not supported)");
            }
            String expected = value(id, prop, "expected", t.get("expected"));
            String actual = value(id, prop, "actual", t.get("actual"));
            changes.put(prop, new TwinChange(expected, actual));
        }
        return new TwinUpdate(id, changes);
    }

    private static String value(String id, String prop, String side, JsonNode v) throws BadDocument {
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isObject()) {
            throw new BadDocument(id, "twin." + prop + "." + side + " must be an object {\"value\":\"…\"}");
        }
        JsonNode val = v.get("value");
        if (val == null || val.isNull()) {
            return null;
        }
        if (!val.isValueNode()) {
            throw new BadDocument(id, "twin." + prop + "." + side + ".value must be a string, not " + val.getNodeType().name().toLowerCase());
        }
        return val.asText();
    }

    /** @return the update result: the changed twins (KubeEdge's {@code twin/update/result}) */
    public byte[] twinResult(String eventId, Map<String, TwinProperty> twins) {
        ObjectNode o = envelope(eventId);
        o.set("twin", twins(twins));
        return bytes(o);
    }

    /** @return an error result {@code {"event_id","timestamp","code","reason"}} */
    public byte[] error(String eventId, int code, String reason) {
        ObjectNode o = envelope(eventId);
        o.put("code", code);
        o.put("reason", reason);
        return bytes(o);
    }

    /** @return the document {@code {"twin":{prop:{"last":…,"current":…}}}} of a change */
    public byte[] document(String eventId, Map<String, TwinProperty> last, Map<String, TwinProperty> current) {
        ObjectNode o = envelope(eventId);
        ObjectNode t = o.putObject("twin");
        TreeMap<String, Boolean> names = new TreeMap<>();
        last.keySet().forEach(k -> names.put(k, true));
        current.keySet().forEach(k -> names.put(k, true));
        for (String k : names.keySet()) {
            ObjectNode p = t.putObject(k);
            p.set("last", last.containsKey(k) ? twin(last.get(k)) : json.nullNode());
            p.set("current", current.containsKey(k) ? twin(current.get(k)) : json.nullNode());
        }
        return bytes(o);
    }

    /** @return the delta {@code {"twin":{…},"delta":{prop:"expected"}}} */
    public byte[] delta(String eventId, Map<String, TwinProperty> twins, Map<String, String> delta) {
        ObjectNode o = envelope(eventId);
        o.set("twin", twins(twins));
        ObjectNode d = o.putObject("delta");
        new TreeMap<>(delta).forEach(d::put);
        return bytes(o);
    }

    /** @return the state result {@code {"device":{"name","state","last_online"}}} */
    public byte[] stateResult(String eventId, String name, DeviceState state) {
        ObjectNode o = envelope(eventId);
        ObjectNode d = o.putObject("device");
        d.put("name", name);
        d.put("state", state.state());
        d.put("last_online", lastOnline(state));
        return bytes(o);
    }

    /** @return the membership result {@code {"devices":[{"id","name","description","state","last_online","attributes"}]}} */
    public byte[] membership(String eventId, Collection<EdgeDevice> devices, java.util.function.Function<EdgeDevice, Optional<DeviceState>> states) {
        ObjectNode o = envelope(eventId);
        ArrayNode a = o.putArray("devices");
        for (EdgeDevice d : devices) {
            a.add(device(d, states.apply(d)));
        }
        return bytes(o);
    }

    /** @return a membership update with one added or removed device (KubeEdge sends one message per device) */
    public byte[] membershipUpdated(String eventId, EdgeDevice device, boolean added) {
        ObjectNode o = envelope(eventId);
        ArrayNode a = o.putArray("added_devices");
        ArrayNode r = o.putArray("removed_devices");
        (added ? a : r).add(device(device, Optional.empty()));
        return bytes(o);
    }

    /**
     * @return device data as KubeEdge's {@code $ke/events/device/…/data/update} carries it:
     *     {@code {"data":{prop:{"value","metadata":{"timestamp","type"}}}}}
     */
    public byte[] data(String eventId, String property, TwinValue value, String type) {
        ObjectNode o = envelope(eventId);
        ObjectNode p = o.putObject("data").putObject(property);
        p.put("value", value.value());
        ObjectNode m = p.putObject("metadata");
        m.put("timestamp", Long.toString(value.timestamp()));
        m.put("type", type);
        return bytes(o);
    }

    private ObjectNode device(EdgeDevice d, Optional<DeviceState> state) {
        ObjectNode n = json.createObjectNode();
        n.put("id", d.id());
        n.put("name", d.name());
        n.put("description", d.device().path("metadata").path("labels").path("description").asText(""));
        n.put("state", state.map(DeviceState::state).orElse(DeviceState.UNKNOWN));
        n.put("last_online", state.map(this::lastOnline).orElse(""));
        n.putObject("attributes");
        return n;
    }

    private String lastOnline(DeviceState s) {
        return s.lastOnline() <= 0 ? "" : LAST_ONLINE.format(Instant.ofEpochMilli(s.lastOnline()).atZone(zone));
    }

    private ObjectNode twins(Map<String, TwinProperty> twins) {
        ObjectNode t = json.createObjectNode();
        new TreeMap<>(twins).forEach((k, v) -> t.set(k, twin(v)));
        return t;
    }

    private ObjectNode twin(TwinProperty p) {
        ObjectNode n = json.createObjectNode();
        if (p.expected() != null) {
            n.set("expected", value(p.expected()));
        }
        if (p.actual() != null) {
            n.set("actual", value(p.actual()));
        }
        n.put("optional", false);
        n.putObject("metadata").put("type", p.type());
        return n;
    }

    private ObjectNode value(TwinValue v) {
        ObjectNode n = json.createObjectNode();
        n.put("value", v.value());
        n.putObject("metadata").put("timestamp", v.timestamp());
        return n;
    }

    private ObjectNode envelope(String eventId) {
        ObjectNode o = json.createObjectNode();
        o.put("event_id", eventId == null ? "" : eventId);
        o.put("timestamp", clock.getAsLong());
        return o;
    }

    private byte[] bytes(ObjectNode o) {
        try {
            return json.writeValueAsBytes(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String abbreviate(String s) {
        return s.length() <= 32 ? s : s.substring(0, 32) + "…";
    }
}
