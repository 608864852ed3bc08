package io.outpost.link.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.outpost.hub.api.Message;
import io.outpost.hub.api.Operations;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class DeliveryQueuesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    private final BlockingQueue<Message> wire = new LinkedBlockingQueue<>();
    private final List<String> records = new CopyOnWriteArrayList<>();
    private volatile boolean linkUp = true;
    private final AckRecord record = new AckRecord() {
        @Override
        public void acknowledged(String node, ObjectRef ref) {
            records.add("ack " + node + " " + ref.uid() + "@" + ref.resourceVersion());
        }

        @Override
        public void deleted(String node, ObjectRef ref) {
            records.add("del " + node + " " + ref.uid());
        }
    };

    private DeliveryQueues queues(Duration ackTimeout, int window) {
        return new DeliveryQueues(scheduler, (node, m) -> linkUp && wire.add(m), record,
                new DeliveryQueues.Settings(ackTimeout, Duration.ofMillis(400), window, 1000));
    }

    @AfterEach
    void stop() {
        scheduler.shutdownNow();
    }

    static Message pod(String op, String name, String uid, String rv) {
        ObjectNode pod = JSON.createObjectNode().put("apiVersion", "v1").put("kind", "Pod");
        pod.putObject("metadata").put("namespace", "default").put("name", name).put("uid", uid).put("resourceVersion", rv);
        return Message.builder().source("edgecontroller").group("resource").operation(op).resource("node/n1/default/pod/" + name)
                .resourceVersion(rv).content(pod).build();
    }

    private Message next() throws InterruptedException {
        Message m = wire.poll(5, TimeUnit.SECONDS);
        if (m == null) {
            throw new AssertionError("nothing sent");
        }
        return m;
    }

    private void assertQuiet(long millis) throws InterruptedException {
        Message m = wire.poll(millis, TimeUnit.MILLISECONDS);
        assertNull(m, () -> "unexpected send: " + m);
    }

    private static Message ack(Message m) {
        return m.response(TextNode.valueOf("OK"));
    }

    @Test
    void updatesToOneObjectMergeWhileTheNodeIsAwayAndTheLatestWins() throws Exception {
        DeliveryQueues q = queues(Duration.ofSeconds(10), 8);
        q.enqueue("n1", pod(Operations.INSERT, "a", "u1", "1"));
        q.enqueue("n1", pod(Operations.INSERT, "b", "u2", "2"));
        q.enqueue("n1", pod(Operations.UPDATE, "a", "u1", "3"));
        assertEquals(2, q.pending("n1"));
        assertQuiet(100);
        q.connected("n1");
        Message first = next();
        assertEquals("default/pod/a", first.resource(), "position of the first message, node prefix stripped");
        assertEquals("3", first.resourceVersion(), "the latest version of the object");
        assertEquals("default/pod/b", next().resource());
        assertQuiet(100);
    }

    @Test
    void aDeleteSupersedesQueuedUpdatesAndNothingFollowsIt() throws Exception {
        DeliveryQueues q = queues(Duration.ofSeconds(10), 8);
        q.enqueue("n1", pod(Operations.INSERT, "a", "u1", "1"));
        q.enqueue("n1", pod(Operations.UPDATE, "a", "u1", "2"));
        q.enqueue("n1", pod(Operations.DELETE, "a", "u1", "3"));
        assertFalse(q.enqueue("n1", pod(Operations.UPDATE, "a", "u1", "4")), "an update after the delete of the same uid");
        q.connected("n1");
        Message m = next();
        assertEquals(Operations.DELETE, m.operation());
        assertQuiet(100);
        assertTrue(q.answered("n1", ack(m)));
        assertEquals(List.of("del n1 u1"), records);
        assertEquals(0, q.pending("n1"));
    }

    @Test
    void resendsTheSameMessageUntilTheAckThenStops() throws Exception {
        DeliveryQueues q = queues(Duration.ofMillis(100), 8);
        q.connected("n1");
        q.enqueue("n1", pod(Operations.INSERT, "a", "u1", "7"));
        Message first = next();
        Message again = next();
        assertEquals(first.id(), again.id(), "a resend keeps the id, so a late ACK of the first send counts");
        assertTrue(q.stats().resent() >= 1);
        assertTrue(q.answered("n1", ack(first)));
        assertFalse(q.answered("n1", ack(first)), "a second ACK of the same message is not ours any more");
        wire.clear();
        assertQuiet(500);
        assertEquals(List.of("ack n1 u1@7"), records);
    }

    @Test
    void backOffDoublesUpToTheMaximum() throws Exception {
        DeliveryQueues q = queues(Duration.ofMillis(50), 8);
        q.connected("n1");
        q.enqueue("n1", pod(Operations.INSERT, "a", "u1", "7"));
        next();
        long t0 = System.nanoTime();
        next(); // after 50 ms
        next(); // after 100 ms
        next(); // after 200 ms
        long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertTrue(took >= 300, "resends must back off, took " + took + " ms");
    }

    @Test
    void acknowledgedVersionsAreNeverSentAgainNorOlderOnes() throws Exception {
        DeliveryQueues q = queues(Duration.ofSeconds(10), 8);
        q.connected("n1");
        q.enqueue("n1", pod(Operations.INSERT, "a", "u1", "5"));
        q.answered("n1", ack(next()));
        assertFalse(q.enqueue("n1", pod(Operations.INSERT, "a", "u1", "5")), "the same version (a resync after connect)");
        assertFalse(q.enqueue("n1", pod(Operations.UPDATE, "a", "u1", "4")), "an older version");
        assertQuiet(100);
        assertTrue(q.enqueue("n1", pod(Operations.UPDATE, "a", "u1", "6")));
        assertEquals("6", next().resourceVersion());
        assertEquals("5", q.acknowledgedVersion("n1", "u1"));
    }

    @Test
    void aNewerVersionWaitsForTheAckOfTheOneInFlightAndNeverOvertakesIt() throws Exception {
        DeliveryQueues q = queues(Duration.ofSeconds(10), 8);
        q.connected("n1");
        q.enqueue("n1", pod(Operations.INSERT, "a", "u1", "1"));
        Message first = next();
        q.enqueue("n1", pod(Operations.UPDATE, "a", "u1", "2"));
        assertFalse(q.enqueue("n1", pod(Operations.UPDATE, "a", "u1", "1")), "older than what is on its way");
        assertQuiet(100);
        q.answered("n1", ack(first));
        Message second = next();
        assertEquals("2", second.resourceVersion());
        q.answered("n1", ack(second));
        assertEquals(List.of("ack n1 u1@1", "ack n1 u1@2"), records);
    }

    @Test
    void aLostMessageIsReplacedByTheNewerVersionOnResend() throws Exception {
        DeliveryQueues q = queues(Duration.ofMillis(100), 8);
        q.connected("n1");
        q.enqueue("n1", pod(Operations.INSERT, "a", "u1", "1"));
        Message lost = next();
        q.enqueue("n1", pod(Operations.UPDATE, "a", "u1", "2"));
        Message resend = next();
        assertEquals("2", resend.resourceVersion());
        assertFalse(q.answered("n1", ack(lost)), "the replaced message's ACK is no longer awaited");
        assertTrue(q.answered("n1", ack(resend)));
    }

    @Test
    void restoredRecordsSuppressResendsAfterACloudRestart() throws Exception {
        DeliveryQueues q = queues(Duration.ofSeconds(10), 8);
        q.restore("n1", "u1", "5");
        q.connected("n1");
        assertFalse(q.enqueue("n1", pod(Operations.INSERT, "a", "u1", "5")));
        assertTrue(q.enqueue("n1", pod(Operations.INSERT, "b", "u2", "3")));
        assertEquals("default/pod/b", next().resource());
        assertTrue(q.enqueue("n1", pod(Operations.DELETE, "a", "u1", "5")), "deletes always go");
        Message del = next();
        q.answered("n1", ack(del));
        assertNull(q.acknowledgedVersion("n1", "u1"));
        assertEquals(List.of("del n1 u1"), records);
    }

    @Test
    void aDisconnectPutsMessagesInFlightBackInOrderAndNothingIsSentWhileAway() throws Exception {
        DeliveryQueues q = queues(Duration.ofSeconds(10), 8);
        q.connected("n1");
        q.enqueue("n1", pod(Operations.INSERT, "a", "u1", "1"));
        q.enqueue("n1", pod(Operations.INSERT, "b", "u2", "2"));
        next();
        next();
        q.disconnected("n1");
        q.enqueue("n1", pod(Operations.INSERT, "c", "u3", "3"));
        assertQuiet(400);
        q.connected("n1");
        assertEquals("default/pod/a", next().resource());
        assertEquals("default/pod/b", next().resource());
        assertEquals("default/pod/c", next().resource());
    }

    @Test
    void theWindowBoundsMessagesAwaitingAnAck() throws Exception {
        DeliveryQueues q = queues(Duration.ofSeconds(10), 2);
        q.connected("n1");
        for (int i = 0; i < 5; i++) {
            q.enqueue("n1", pod(Operations.INSERT, "p" + i, "u" + i, "1"));
        }
        Message a = next();
        next();
        assertQuiet(100);
        q.answered("n1", ack(a));
        assertEquals("default/pod/p2", next().resource());
        assertQuiet(100);
    }

    @Test
    void anErrorAnswerIsRetriedAfterBackOff() throws Exception {
        DeliveryQueues q = queues(Duration.ofMillis(100), 8);
        q.connected("n1");
        q.enqueue("n1", pod(Operations.INSERT, "a", "u1", "1"));
        Message m = next();
        assertTrue(q.answered("n1", m.response(TextNode.valueOf("no handler for group 'resource'")).toBuilder()
                .operation(Operations.ERROR).build()));
        Message retry = next();
        assertEquals("default/pod/a", retry.resource());
        assertTrue(records.isEmpty(), "an error is not an acknowledgement");
        q.answered("n1", ack(retry));
        assertEquals(List.of("ack n1 u1@1"), records);
    }

    @Test
    void messagesWithoutAUidAreKeyedByRouteAndKeepTheirPlace() throws Exception {
        DeliveryQueues q = queues(Duration.ofSeconds(10), 8);
        q.enqueue("n1", pod(Operations.INSERT, "a", "u1", "1"));
        q.enqueue("n1", Message.builder().group("resource").operation("update").resource("_/podlist").content(JSON.createArrayNode()).build());
        q.enqueue("n1", Message.builder().group("resource").operation("update").resource("_/podlist")
                .content(JSON.createArrayNode().add("x")).build());
        q.connected("n1");
        Message a = next();
        assertEquals("default/pod/a", a.resource());
        q.answered("n1", ack(a));
        Message list = next();
        assertEquals("_/podlist", list.resource());
        assertEquals(1, list.content().size(), "the latest list");
        q.answered("n1", ack(list));
        assertEquals(List.of("ack n1 u1@1"), records, "no durable record for the list (no uid)");
    }

    @Test
    void aListIsABarrierThatNothingOvertakesEvenWhenItIsResent() throws Exception {
        DeliveryQueues q = queues(Duration.ofMillis(100), 8);
        q.connected("n1");
        q.enqueue("n1", pod(Operations.INSERT, "a", "u1", "1"));
        q.enqueue("n1", Message.builder().group("resource").operation("update").resource("_/podlist").content(JSON.createArrayNode()).build());
        q.enqueue("n1", pod(Operations.INSERT, "b", "u2", "2"));
        Message a = next();
        assertEquals("default/pod/a", a.resource());
        assertEquals("default/pod/a", next().resource(), "the list waits for a's ACK: a is resent, nothing else goes");
        q.answered("n1", ack(a));
        Message list = next();
        assertEquals("_/podlist", list.resource());
        // the list is lost once: b must still wait, or a stale list could follow b and drop it
        Message again = next();
        assertEquals("_/podlist", again.resource());
        q.answered("n1", ack(again));
        assertEquals("default/pod/b", next().resource());
    }

    @Test
    void aListNobodyAcknowledgesIsGivenUpAndTheRestGoesOn() throws Exception {
        DeliveryQueues q = queues(Duration.ofMillis(100), 8);
        q.connected("n1");
        q.enqueue("n1", Message.builder().group("resource").operation("update").resource("_/podlist").content(JSON.createArrayNode()).build());
        q.enqueue("n1", pod(Operations.INSERT, "b", "u2", "2"));
        assertEquals("_/podlist", next().resource());
        assertEquals("_/podlist", next().resource(), "resent once");
        assertEquals("default/pod/b", next().resource(), "then given up: b is not held back for ever");
    }

    @Test
    void aFailedSendWaitsForTheConnect() throws Exception {
        DeliveryQueues q = queues(Duration.ofMillis(100), 8);
        linkUp = false;
        q.connected("n1");
        q.enqueue("n1", pod(Operations.INSERT, "a", "u1", "1"));
        assertQuiet(300);
        linkUp = true;
        q.connected("n1");
        assertEquals("default/pod/a", next().resource());
    }

    @Test
    void versionsCompareAsNumbersWhenTheyAreNumbers() {
        assertTrue(ObjectRef.compareVersions("10", "9") > 0);
        assertEquals(0, ObjectRef.compareVersions("abc", "abc"));
        assertNull(ObjectRef.compareVersions("abc", "abd"));
        assertNull(ObjectRef.compareVersions("", "1"));
    }
}
