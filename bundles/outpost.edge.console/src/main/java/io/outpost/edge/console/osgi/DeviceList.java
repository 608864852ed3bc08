package io.outpost.edge.console.osgi;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.outpost.edge.console.api.ApiException;
import io.outpost.edge.console.api.Backends;
import io.outpost.twin.api.DeviceInventory;
import io.outpost.twin.api.EdgeDevice;
import java.util.function.Supplier;

/** The devices the cloud assigned to this gateway, as the device inventory lists them (read only). */
final class DeviceList implements Backends.Devices {
    private final Supplier<DeviceInventory> inventory;

    DeviceList(Supplier<DeviceInventory> inventory) {
        this.inventory = inventory;
    }

    @Override
    public ArrayNode list() throws ApiException {
        DeviceInventory inv = inventory.get();
        if (inv == null) {
            throw ApiException.unavailable("the device inventory", "the gateway's device bundle (outpost.edge.device) is not running");
        }
        ArrayNode a = JsonNodeFactory.instance.arrayNode();
        for (EdgeDevice d : inv.devices()) {
            var o = a.addObject().put("id", d.id()).put("namespace", d.namespace()).put("name", d.name()).put("model", d.model())
                    .put("protocol", d.protocol());
            d.properties().forEach(o.putArray("properties")::add);
        }
        return a;
    }
}
