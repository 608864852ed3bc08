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
import io.outpost.edge.meta.SqliteMetaStore;
import io.outpost.twin.api.EdgeDevice;
import io.outpost.twin.api.InventoryListener;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

class DeviceInventoryComponentTest {
    @TempDir
    static Path dir;
    private SqliteMetaStore store;
    private DeviceInventoryComponent inventory;
    private final List<String> events = new ArrayList<>();

    @BeforeEach
    void setUp(TestInfo info) {
        store = new SqliteMetaStore(dir.resolve(info.getDisplayName() + ".db"));
        inventory = new DeviceInventoryComponent(store);
        inventory.addListener(new InventoryListener() {
            @Override
            public void deviceAdded(EdgeDevice d) {
                events.add("added " + d.id());
            }

            @Override
            public void deviceUpdated(EdgeDevice d) {
                events.add("updated " + d.id());
            }

            @Override
            public void deviceRemoved(EdgeDevice d) {
                events.add("removed " + d.id());
            }
        });
    }

    @AfterEach
    void tearDown() {
        store.close();
    }
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
        assertEquals(List.of("added default/t1"), events);

        DeviceInventoryComponent restarted = new DeviceInventoryComponent(store);
        assertEquals("thermo", restarted.device("default", "t1").orElseThrow().model(), "kept in the meta store");
        assertTrue(restarted.device("default", "t1").orElseThrow().spec().modelFound());

        send("update", "default/devicemodel/thermo", json("{'metadata':{'name':'thermo','namespace':'default'},'spec':{}}"));
        assertEquals("updated default/t1", events.get(events.size() - 1), "a model change reaches its devices");
        send("delete", "default/device/t1", json("{}"));
        assertTrue(inventory.devices().isEmpty());
        assertEquals("removed default/t1", events.get(events.size() - 1));
        assertTrue(new DeviceInventoryComponent(store).devices().isEmpty());
    }

    @Test
    void aMembershipDetailDropsDevicesDeletedWhileAway() throws Exception {
        send("insert", "default/devicemodel/thermo", json("{'metadata':{'name':'thermo','namespace':'default'},'spec':{}}"));
        send("insert", "default/device/t1", json("{'metadata':{'name':'t1','namespace':'default'},'spec':{'deviceModelRef':{'name':'thermo'}}}"));
        send("insert", "default/device/t2", json("{'metadata':{'name':'t2','namespace':'default'},'spec':{'deviceModelRef':{'name':'thermo'}}}"));
        MembershipHandler membership = new MembershipHandler(inventory);
        membership.handle(ctx, Message.builder().source("devicecontroller").group("twin").operation("update").resource("membership/detail")
                .content(json("{'devices':[{'id':'default/t2','name':'t2'}]}")).build());
        assertEquals(List.of("default/t2"), inventory.devices().stream().map(EdgeDevice::id).toList());
        assertEquals("removed default/t1", events.get(events.size() - 1));
        assertEquals(List.of("default/t2"), new DeviceInventoryComponent(store).devices().stream().map(EdgeDevice::id).toList(), "stored");
        assertThrows(IllegalArgumentException.class, () -> membership.handle(ctx, Message.builder().source("devicecontroller").group("twin")
                .operation("update").resource("membership/detail").content(json("{'devices':'all'}")).build()));
    }

    @Test
    void asksForTheMembershipDetailWhenTheLinkComesUp() {
        List<Message> sent = new ArrayList<>();
        new MembershipHandler(inventory).linkUp(new io.outpost.hub.api.EdgeHub() {
            @Override
            public String nodeName() {
                return "gw";
            }

            @Override
            public io.outpost.hub.api.LinkStatus status() {
                throw new UnsupportedOperationException();
            }

            @Override
            public boolean send(Message message) {
                return sent.add(message);
            }

            @Override
            public java.util.concurrent.CompletionStage<Message> request(Message message, java.time.Duration timeout) {
                throw new UnsupportedOperationException();
            }

            @Override
            public void join(String cloudAddress, String token) {
                throw new UnsupportedOperationException();
            }
        });
        assertEquals(1, sent.size());
        assertEquals("membership/detail", sent.get(0).resource());
        assertEquals("get", sent.get(0).operation());
        assertEquals("twin", sent.get(0).source(), "KubeEdge's cloud hub routes device messages by source twin");
        assertEquals("gw", sent.get(0).content().path("group_id").asText());
    }

    @Test
    void refusesMalformedMessages() throws Exception {
        assertThrows(IllegalArgumentException.class, () -> send("insert", "default/device", json("{}")));
        assertThrows(IllegalArgumentException.class, () -> send("insert", "default/device/x", json("null")));
        assertThrows(IllegalArgumentException.class, () -> send("frobnicate", "default/device/x", json("{}")));
        assertTrue(replies.isEmpty());
    }
}
