package io.outpost.mapper.opcua;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.outpost.mapper.api.DeviceListener;
import io.outpost.twin.api.DeviceSpec;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/** Device manifests and a recording listener for the tests. */
final class Devices {
    static final ObjectMapper JSON = new ObjectMapper();

    private Devices() {
    }

    /** A property: name, model type, visitor JSON. */
    record Prop(String name, String type, String visitor) {
    }

    static DeviceSpec device(String protocolConfig, Prop... props) throws Exception {
        ObjectNode model = JSON.createObjectNode();
        ArrayNode mps = model.putObject("spec").putArray("properties");
        ObjectNode dev = (ObjectNode) JSON.readTree("{\"metadata\":{\"name\":\"d\",\"namespace\":\"default\"},\"spec\":{\"deviceModelRef\":{\"name\":\"m\"},"
                + "\"protocol\":{\"protocolName\":\"opcua\",\"configData\":" + protocolConfig + "}}}");
        ArrayNode dps = ((ObjectNode) dev.get("spec")).putArray("properties");
        for (Prop p : props) {
            mps.addObject().put("name", p.name).put("type", p.type).put("accessMode", "ReadWrite");
            ObjectNode dp = dps.addObject().put("name", p.name).put("collectCycle", 200);
            dp.putObject("visitors").put("protocolName", "opcua").set("configData", JSON.readTree(p.visitor));
        }
        return DeviceSpec.of(dev, model);
    }

    static String q(String s) {
        return "\"" + s + "\"";
    }

    /** Remembers what a session reports. */
    static final class Recorder implements DeviceListener {
        final List<String[]> values = new CopyOnWriteArrayList<>();
        final List<String> health = new CopyOnWriteArrayList<>();

        @Override
        public void value(String property, String value, long timestamp) {
            values.add(new String[] {property, value});
        }

        @Override
        public void health(boolean online, String reason) {
            health.add(online ? "online" : "offline: " + reason);
        }

        boolean saw(String property, String value) {
            return values.stream().anyMatch(v -> v[0].equals(property) && v[1].equals(value));
        }

        String lastHealth() {
            return health.isEmpty() ? "" : health.get(health.size() - 1);
        }

        Map<String, String> last() {
            Map<String, String> m = new java.util.HashMap<>();
            values.forEach(v -> m.put(v[0], v[1]));
            return m;
        }
    }

    static JsonNode json(String s) throws Exception {
        return JSON.readTree(s);
    }
}
