package io.outpost.edge.device;

import io.outpost.hub.api.Groups;
import io.outpost.hub.api.Message;
import io.outpost.hub.api.MessageContext;
import io.outpost.hub.api.MessageHandler;
import org.osgi.service.component.annotations.Component;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes KubeEdge's membership updates (group {@code twin}, resource {@code membership}). They only
 * name devices whose Device objects follow as {@code resource} messages, which the inventory
 * keeps; KubeEdge's cloud expects no answer to them.
 */
@Component(property = MessageHandler.GROUP + "=" + Groups.TWIN)
public class MembershipHandler implements MessageHandler {
    private static final Logger LOG = LoggerFactory.getLogger(MembershipHandler.class);

    @Override
    public void handle(MessageContext ctx, Message m) {
        LOG.debug("{} {} from {}: {}", m.operation(), m.resource(), m.source(), m.content());
    }
}
