package io.outpost.edge.bus.kubeedge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class DeviceTopicTest {
    @Test
    void namespacedIds() {
        DeviceTopic t = DeviceTopic.parse("$hw/events/device/plant/t1/twin/update/result").orElseThrow();
        assertEquals("plant", t.namespace());
        assertEquals("t1", t.name());
        assertEquals("twin/update/result", t.action());
        assertEquals("$hw/events/device/plant/t1/twin/get/result", t.topic("twin/get/result"));
    }

    @Test
    void plainNamesAreInTheDefaultNamespace() {
        DeviceTopic t = DeviceTopic.parse("$hw/events/device/t1/state/update").orElseThrow();
        assertEquals("default/t1", t.id());
        assertEquals("state/update", t.action());
        assertEquals("$hw/events/device/t1/state/update/result", t.topic(DeviceTopic.STATE_UPDATE_RESULT));
    }

    @Test
    void notDeviceTopics() {
        assertTrue(DeviceTopic.parse("$hw/events/node/gw/membership/get").isEmpty());
        assertTrue(DeviceTopic.parse("$hw/events/device/t1").isEmpty());
        assertTrue(DeviceTopic.parse("$hw/events/device//twin/update").isEmpty());
        assertEquals("gw", DeviceTopic.parseNode("$hw/events/node/gw/membership/get").orElseThrow()[0]);
    }
}
