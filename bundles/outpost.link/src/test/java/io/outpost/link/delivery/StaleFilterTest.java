package io.outpost.link.delivery;

import static io.outpost.link.delivery.DeliveryQueuesTest.pod;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.outpost.hub.api.Message;
import io.outpost.hub.api.Operations;
import org.junit.jupiter.api.Test;

class StaleFilterTest {
    private static Message edge(Message m) {
        return m.toBuilder().resource("default/pod/" + m.content().path("metadata").path("name").asText()).build();
    }

    @Test
    void duplicatesOlderVersionsAndUpdatesAfterADeleteAreStale() {
        StaleFilter f = new StaleFilter(100);
        Message v5 = edge(pod(Operations.INSERT, "a", "u1", "5"));
        assertNull(f.stale(v5), "new");
        f.delivered(v5);
        assertEquals("duplicate", f.stale(v5));
        assertEquals("older", f.stale(edge(pod(Operations.UPDATE, "a", "u1", "4"))));
        Message v6 = edge(pod(Operations.UPDATE, "a", "u1", "6"));
        assertNull(f.stale(v6));
        f.delivered(v6);
        Message del = edge(pod(Operations.DELETE, "a", "u1", "7"));
        assertNull(f.stale(del));
        f.delivered(del);
        assertEquals("deleted", f.stale(del), "a second delete");
        assertEquals("deleted", f.stale(edge(pod(Operations.UPDATE, "a", "u1", "6"))), "an update overtaken by the delete");
        assertNull(f.stale(edge(pod(Operations.INSERT, "a", "u2", "1"))), "a new pod of the same name (other uid)");
    }

    @Test
    void messagesWithoutUidOrVersionAlwaysPassAndMemoryIsBounded() {
        StaleFilter f = new StaleFilter(2);
        Message noRv = edge(pod(Operations.INSERT, "a", "u1", ""));
        f.delivered(noRv);
        assertNull(f.stale(noRv));
        for (int i = 0; i < 3; i++) {
            f.delivered(edge(pod(Operations.INSERT, "p" + i, "u" + i, "1")));
        }
        assertNull(f.stale(edge(pod(Operations.INSERT, "p0", "u0", "1"))), "the eldest was forgotten");
        assertEquals("duplicate", f.stale(edge(pod(Operations.INSERT, "p2", "u2", "1"))));
    }
}
