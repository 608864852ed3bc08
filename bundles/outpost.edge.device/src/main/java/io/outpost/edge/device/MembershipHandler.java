package io.outpost.edge.device;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.outpost.hub.api.EdgeHub;
import io.outpost.hub.api.Groups;
import io.outpost.hub.api.LinkListener;
import io.outpost.hub.api.Message;
import io.outpost.hub.api.MessageContext;
import io.outpost.hub.api.MessageHandler;
import io.outpost.twin.api.DeviceInventory;
import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes KubeEdge's membership messages (group {@code twin}). A membership update only names
 * devices whose Device objects follow as {@code resource} messages, which the inventory keeps. A
 * membership detail lists every device of this gateway: devices not in it were deleted while the
 * gateway was away, and go. KubeEdge's cloud expects no answer to either.
 *
 * <p>When the link comes up — or when this bundle starts on a link that is already up, as with an
 * asynchronous boot — it asks for the detail ({@code get membership/detail}, as KubeEdge's edge
 * does), so what the cloud sent before the inventory was there is sent again.
 */
@Component(service = {MessageHandler.class, LinkListener.class}, property = MessageHandler.GROUP + "=" + Groups.TWIN)
public class MembershipHandler implements MessageHandler, LinkListener {
    private static final Logger LOG = LoggerFactory.getLogger(MembershipHandler.class);
    /** More devices than this on one gateway is not a membership list but an attack or a bug. */
    static final int MAX_DEVICES = 100_000;

    @Reference
    private DeviceInventory inventory;

    public MembershipHandler() {
    }

    MembershipHandler(DeviceInventory inventory) {
        this.inventory = inventory;
    }

    @Override
    public void linkUp(EdgeHub hub) {
        ObjectNode c = JsonNodeFactory.instance.objectNode().put("event_type", "group_membership_event")
                .put("event_id", UUID.randomUUID().toString()).put("group_id", hub.nodeName()).put("operation", "detail")
                .put("timestamp", System.currentTimeMillis());
        hub.send(Message.builder().source("twin").group(Groups.RESOURCE).operation("get").resource("membership/detail").content(c).build());
    }

    @Override
    public void handle(MessageContext ctx, Message m) {
        if (!m.resource().endsWith("membership/detail")) {
            LOG.debug("{} {} from {}: {}", m.operation(), m.resource(), m.source(), m.content());
            return;
        }
        JsonNode list = m.content().path("devices");
        if (!list.isArray() || list.size() > MAX_DEVICES) {
            throw new IllegalArgumentException("a membership detail must carry {\"devices\": [{\"id\": \"<namespace>/<name>\"}, …]} with at most "
                    + MAX_DEVICES + " devices");
        }
        Set<String> ids = new HashSet<>();
        list.forEach(d -> ids.add(d.path("id").asText()));
        if (inventory instanceof DeviceInventoryComponent c) {
            c.retainOnly(ids);
        }
    }
}
