package io.outpost.edge.bus.kubeedge;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.outpost.edge.bus.broker.ClientIdentity;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class KubeEdgeAclTest {
    private final KubeEdgeAcl acl = new KubeEdgeAcl("gw-1");
    private final ClientIdentity anyone = new ClientIdentity("m1", "", Set.of());
    private final ClientIdentity plantOnly = new ClientIdentity("m2", "plant-mapper", Set.of("plant/*", "lab/t1"));

    @ParameterizedTest
    @ValueSource(strings = {"$hw/events/device/plant/t1/twin/update", "$hw/events/device/plant/t1/twin/get",
            "$hw/events/device/plant/t1/state/update", "$hw/events/device/plant/t1/state/get", "$hw/events/device/t1/twin/update",
            "$hw/events/node/gw-1/membership/get", "$ke/events/device/plant/t1/data/update", "$hw/events/upload/x", "plant/boiler/temp"})
    void requestsAreAllowed(String topic) {
        assertNull(acl.refusal(anyone, topic));
    }

    @ParameterizedTest
    @ValueSource(strings = {"$hw/events/device/plant/t1/twin/update/result", "$hw/events/device/plant/t1/twin/update/document",
            "$hw/events/device/plant/t1/twin/update/delta", "$hw/events/device/plant/t1/twin/cloud_updated",
            "$hw/events/device/plant/t1/twin/get/result", "$hw/events/device/t1/twin/update/delta",
            "$hw/events/node/gw-1/membership/updated", "$hw/events/node/gw-1/membership/get/result",
            "$hw/events/node/gw-2/membership/get", "$hw/events/node/gw-2/membership/updated", "$hw/events/connected/x", "$SYS/x",
            "$hw/events/device/plant"})
    void gatewayTopicsAndOtherNodesAreRefused(String topic) {
        assertNotNull(acl.refusal(anyone, topic));
    }

    @Test
    void refusalsSayWhy() {
        assertTrue(acl.refusal(anyone, "$hw/events/node/gw-2/membership/get").contains("node gw-2 is not this gateway (gw-1)"));
        assertTrue(acl.refusal(anyone, "$hw/events/device/a/b/twin/update/delta").contains("only the gateway publishes"));
    }

    @Test
    void restrictedUsersActOnlyForTheirDevices() {
        assertNull(acl.refusal(plantOnly, "$hw/events/device/plant/t7/twin/update"));
        assertNull(acl.refusal(plantOnly, "$hw/events/device/lab/t1/state/update"));
        assertNotNull(acl.refusal(plantOnly, "$hw/events/device/lab/t2/twin/update"));
        assertNotNull(acl.refusal(plantOnly, "$ke/events/device/lab/t2/data/update"));
        assertNull(acl.subscribeRefusal(plantOnly, "$hw/events/device/plant/t7/twin/update/#"));
        assertNotNull(acl.subscribeRefusal(plantOnly, "$hw/events/device/lab/t2/twin/update/delta"));
        assertNotNull(acl.subscribeRefusal(plantOnly, "$hw/events/device/+/+/twin/update/delta"));
        assertNotNull(acl.subscribeRefusal(plantOnly, "$hw/events/device/#"));
        assertNull(acl.subscribeRefusal(anyone, "$hw/events/device/#"));
    }
}
