package io.outpost.link.hub;

import io.outpost.hub.api.Message;
import io.outpost.hub.api.MessageContext;

/** Hands a received message to whoever owns its route group. */
@FunctionalInterface
public interface Dispatcher {
    /**
     * @return false when nobody takes the message's group
     * @throws Exception the handler's failure; the hub answers a synchronous message with an
     *     error response
     */
    boolean dispatch(MessageContext context, Message message) throws Exception;
}
