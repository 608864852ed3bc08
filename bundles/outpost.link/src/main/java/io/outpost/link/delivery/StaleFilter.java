package io.outpost.link.delivery;

import io.outpost.hub.api.Message;
import io.outpost.hub.api.Operations;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The edge half of resourceVersion de-duplication, for the edge hub: remembers, per object
 * resource path, the uid and resourceVersion last delivered to a handler (or that the object was
 * deleted), and recognises a message that carries nothing new — a resend whose ACK was lost, or
 * an older version arriving late. The hub answers such a message with an ACK and does not hand it
 * to the handler, so every handler gets the de-duplication without doing it itself.
 *
 * <p>Only messages with a {@code metadata.uid} and a resourceVersion are judged; everything
 * else passes. Memory is bounded: the least recently seen objects are forgotten beyond
 * {@code capacity} (then the handler's own checks are all that is left). Thread-safe.
 */
public final class StaleFilter {
    private record Seen(String uid, String resourceVersion, boolean deleted) {
    }

    private final Map<String, Seen> seen;

    public StaleFilter(int capacity) {
        this.seen = new LinkedHashMap<>(256, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Seen> eldest) {
                return size() > capacity;
            }
        };
    }

    private static boolean judged(Message m) {
        return !m.isResponse() && (Operations.INSERT.equals(m.operation()) || Operations.UPDATE.equals(m.operation())
                || Operations.DELETE.equals(m.operation()));
    }

    /** @return why the message is stale ("duplicate", "older", "deleted"), or null when it is new */
    public synchronized String stale(Message m) {
        if (!judged(m)) {
            return null;
        }
        ObjectRef ref = ObjectRef.of(m);
        if (!ref.identified()) {
            return null;
        }
        Seen s = seen.get(m.resource());
        if (s == null || !s.uid().equals(ref.uid())) {
            return null;
        }
        if (s.deleted()) {
            return "deleted";
        }
        if (Operations.DELETE.equals(m.operation())) {
            return null;
        }
        Integer c = ObjectRef.compareVersions(ref.resourceVersion(), s.resourceVersion());
        if (c == null) {
            return null;
        }
        return c == 0 ? "duplicate" : c < 0 ? "older" : null;
    }

    /** Records a message a handler has taken. */
    public synchronized void delivered(Message m) {
        if (!judged(m)) {
            return;
        }
        ObjectRef ref = ObjectRef.of(m);
        if (!ref.identified()) {
            return;
        }
        seen.put(m.resource(), new Seen(ref.uid(), ref.resourceVersion(), Operations.DELETE.equals(m.operation())));
    }
}
