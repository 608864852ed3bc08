package io.outpost.link.hub;

import io.outpost.hub.api.Message;
import io.outpost.hub.api.MessageContext;
import io.outpost.hub.api.MessageHandler;
import io.outpost.hub.api.Resource;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The message handlers a hub routes to, with their groups and resource types taken from the
 * handlers' service properties ({@link MessageHandler#GROUP}, {@link
 * MessageHandler#RESOURCE_TYPE}, {@link MessageHandler#SOURCE}). Thread-safe: handlers come and go while messages flow.
 */
public final class HandlerRegistry implements Dispatcher {
    private record Entry(MessageHandler handler, Set<String> groups, Set<String> types, Set<String> sources) {
        boolean matches(Message m) {
            if (!groups.contains(m.group())) {
                return false;
            }
            if (!sources.isEmpty() && !sources.contains(m.source())) {
                return false;
            }
            return types.isEmpty() || types.contains(Resource.parse(m.resource()).type());
        }
    }

    private final List<Entry> entries = new CopyOnWriteArrayList<>();

    /** Adds a handler with its service properties. */
    public void add(MessageHandler handler, Map<String, ?> properties) {
        entries.add(new Entry(handler, strings(properties.get(MessageHandler.GROUP)), strings(properties.get(MessageHandler.RESOURCE_TYPE)),
                strings(properties.get(MessageHandler.SOURCE))));
    }

    public void remove(MessageHandler handler) {
        entries.removeIf(e -> e.handler == handler);
    }

    @Override
    public boolean dispatch(MessageContext context, Message message) throws Exception {
        boolean any = false;
        for (Entry e : entries) {
            if (e.matches(message)) {
                any = true;
                e.handler.handle(context, message);
            }
        }
        return any;
    }

    private static Set<String> strings(Object v) {
        if (v == null) {
            return Set.of();
        }
        if (v instanceof String s) {
            return Set.of(s);
        }
        if (v instanceof String[] a) {
            return Set.of(a);
        }
        if (v instanceof Collection<?> c) {
            return Set.copyOf(c.stream().map(String::valueOf).toList());
        }
        return Set.of(String.valueOf(v));
    }
}
