package io.outpost.edge.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.outpost.hub.api.Message;
import io.outpost.hub.api.MessageContext;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class DeviceInventoryComponentTest {
    private final DeviceInventoryComponent inventory = new DeviceInventoryComponent();
    private final List<Message> replies = new ArrayList<>();
    private final MessageContext ctx = new MessageContext() {
        @Override
        public String nodeName() {
            return "gw";
        }

        @Override
        public boolean reply(Message message) {
            replies.add(message);
            return true;
        }
    };

    private static JsonNode json(String s) throws Exception {
        return new ObjectMapper().readTree(s.replace('\'', '"'));
    }

    private void send(String op, String resource, JsonNode content) {
        inventory.handle(ctx, Message.builder().source("devicecontroller").group("resource").operation(op).resource(resource)
                .content(content).build());
    }

    @Test
    void keepsDevicesWithTheirModelsAndAcknowledges() throws Exception {
        send("insert", "default/devicemodel/thermo", json("{'metadata':{'name':'thermo','namespace':'default'},'spec':{'protocol':'virtual'}}"));
        send("insert", "default/device/t1", json("{'metadata':{'name':'t1','namespace':'default'},'spec':{'deviceModelRef':{'name':'thermo'},"
                + "'protocol':{'protocolName':'virtual'},'properties':[{'name':'temperature'},{'name':'setpoint'}]}}"));
        assertEquals(2, replies.size());
        assertTrue(replies.stream().allMatch(r -> "response".equals(r.operation()) && "OK".equals(r.content().asText())));
        var d = inventory.device("default", "t1").orElseThrow();
        assertEquals("default/t1", d.id());
        assertEquals("thermo", d.model());
        assertEquals("virtual", d.protocol());
        assertEquals(List.of("temperature", "setpoint"), d.properties());
        assertEquals("virtual", d.deviceModel().path("spec").path("protocol").asText());
        send("delete", "default/device/t1", json("{}"));
        assertTrue(inventory.devices().isEmpty());
    }

    @Test
    void refusesMalformedMessages() throws Exception {
        assertThrows(IllegalArgumentException.class, () -> send("insert", "default/device", json("{}")));
        assertThrows(IllegalArgumentException.class, () -> send("insert", "default/device/x", json("null")));
        assertThrows(IllegalArgumentException.class, () -> send("frobnicate", "default/device/x", json("{}")));
        assertTrue(replies.isEmpty());
    }
}
