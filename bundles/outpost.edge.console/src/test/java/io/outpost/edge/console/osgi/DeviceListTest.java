package io.outpost.edge.console.osgi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.outpost.edge.console.api.ApiException;
import io.outpost.twin.api.DeviceInventory;
import io.outpost.twin.api.DeviceState;
import io.outpost.twin.api.DeviceTwin;
import io.outpost.twin.api.EdgeDevice;
import io.outpost.twin.api.TwinChange;
import io.outpost.twin.api.TwinEvent;
import io.outpost.twin.api.TwinProperty;
import io.outpost.twin.api.TwinValue;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The console's device documents and desired-value checks, with the thermometer example's model (KubeEdge v1beta1 JSON). */
class DeviceListTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode json(String s) throws Exception {
        return JSON.readTree(s.replace('\'', '"'));
    }

    private final Map<String, TwinProperty> twins = new HashMap<>();
    private final List<Map<String, TwinChange>> updates = new ArrayList<>();

    private DeviceList devices() throws Exception {
        JsonNode model = json("{'metadata':{'name':'thermometer-model','namespace':'default'},'spec':{'protocol':'virtual','properties':["
                + "{'name':'temperature','type':'FLOAT','accessMode':'ReadOnly','minimum':'-40','maximum':'125','unit':'degree Celsius'},"
                + "{'name':'setpoint','type':'FLOAT','accessMode':'ReadWrite','minimum':'5','maximum':'30','unit':'degree Celsius'}]}}");
        JsonNode device = json("{'metadata':{'name':'thermometer-1','namespace':'default'},'spec':{'deviceModelRef':{'name':'thermometer-model'},"
                + "'nodeName':'gw','protocol':{'protocolName':'virtual'},'properties':[{'name':'temperature'},"
                + "{'name':'setpoint','desired':{'value':'21.5'}}]}}");
        EdgeDevice d = new EdgeDevice("default", "thermometer-1", "thermometer-model", "virtual", List.of("temperature", "setpoint"), device,
                model);
        DeviceInventory inv = new DeviceInventory() {
            @Override
            public List<EdgeDevice> devices() {
                return List.of(d);
            }

            @Override
            public Optional<EdgeDevice> device(String namespace, String name) {
                return Optional.of(d).filter(x -> x.name().equals(name));
            }
        };
        twins.put("setpoint", new TwinProperty(new TwinValue("21.5", 1000), new TwinValue("21.5", 2000), "float"));
        twins.put("temperature", new TwinProperty(null, new TwinValue("19.2", 3000), "float"));
        DeviceTwin twin = new DeviceTwin() {
            @Override
            public Optional<Map<String, TwinProperty>> twins(String namespace, String name) {
                return Optional.of(Map.copyOf(twins));
            }

            @Override
            public Map<String, TwinProperty> update(String namespace, String name, Map<String, TwinChange> changes) {
                updates.add(changes);
                changes.forEach((k, v) -> twins.put(k, new TwinProperty(new TwinValue(v.expected(), 4000), twins.get(k).actual(), "float")));
                return Map.of();
            }

            @Override
            public Optional<DeviceState> state(String namespace, String name) {
                return Optional.of(new DeviceState("online", "", 5000));
            }

            @Override
            public DeviceState updateState(String namespace, String name, String state, String reason) {
                throw new UnsupportedOperationException();
            }
        };
        return new DeviceList(() -> inv, () -> twin);
    }

    @Test
    void aDevicesDocumentHasEachTwinWithItsModel() throws Exception {
        ObjectNode d = devices().device("default", "thermometer-1");
        assertEquals("online", d.get("state").asText());
        JsonNode temp = d.get("twins").get(0);
        assertEquals("temperature", temp.get("property").asText());
        assertEquals("ReadOnly", temp.get("access").asText());
        assertEquals("19.2", temp.get("reported").get("value").asText());
        JsonNode sp = d.get("twins").get(1);
        assertEquals("float", sp.get("type").asText());
        assertEquals(5.0, sp.get("minimum").asDouble());
        assertEquals("21.5", sp.get("desired").get("value").asText());
        assertTrue(sp.get("inSync").asBoolean());
        assertEquals(404, assertThrows(ApiException.class, () -> devices().device("default", "nope")).status());
    }

    @Test
    void desiredValuesAreCheckedAgainstTheModelBeforeTheTwinChanges() throws Exception {
        DeviceList l = devices();
        ApiException range = assertThrows(ApiException.class, () -> l.setDesired("default", "thermometer-1", "setpoint", "99"));
        assertEquals(422, range.status());
        assertEquals("property setpoint: 99 is outside the model's range [5, 30]", range.getMessage());
        ApiException type = assertThrows(ApiException.class, () -> l.setDesired("default", "thermometer-1", "setpoint", "warm"));
        assertTrue(type.getMessage().contains("is not a float"), type.getMessage());
        ApiException readOnly = assertThrows(ApiException.class, () -> l.setDesired("default", "thermometer-1", "temperature", "20"));
        assertEquals(422, readOnly.status());
        assertTrue(readOnly.getMessage().contains("ReadOnly"), readOnly.getMessage());
        assertEquals(404, assertThrows(ApiException.class, () -> l.setDesired("default", "thermometer-1", "humidity", "20")).status());
        assertTrue(updates.isEmpty(), "nothing reached the twin");

        ObjectNode after = l.setDesired("default", "thermometer-1", "setpoint", "24.5");
        assertEquals(List.of(Map.of("setpoint", new TwinChange("24.5", null))), updates);
        assertEquals("24.5", after.get("twins").get(1).get("desired").get("value").asText());
        assertTrue(!after.get("twins").get(1).get("inSync").asBoolean(), "the device has not reported it yet");
    }

    @Test
    void twinChangesReachSubscribersUntilTheyUnsubscribe() throws Exception {
        DeviceList l = devices();
        List<String> heard = new ArrayList<>();
        AutoCloseable sub = l.onChange((ns, n) -> heard.add(ns + "/" + n));
        l.twinChanged(new TwinEvent("default", "thermometer-1", Map.of(), Map.of(), Map.of(), false));
        l.stateChanged("default", "thermometer-1", new DeviceState("offline", "timeout", 0));
        sub.close();
        l.twinChanged(new TwinEvent("default", "thermometer-1", Map.of(), Map.of(), Map.of(), false));
        assertEquals(List.of("default/thermometer-1", "default/thermometer-1"), heard);
    }
}
