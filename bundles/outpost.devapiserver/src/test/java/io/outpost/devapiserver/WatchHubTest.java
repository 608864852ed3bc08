package io.outpost.devapiserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

class WatchHubTest {
    private static final Predicate<ObjectNode> ALL = o -> true;

    private static ObjectNode obj(String name, long rv, String app) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        ObjectNode meta = o.putObject("metadata");
        meta.put("name", name);
        meta.put("resourceVersion", Long.toString(rv));
        meta.putObject("labels").put("app", app);
        return o;
    }

    private static WatchHub.Event event(String type, long rv, String name, String app, ObjectNode previous) {
        return new WatchHub.Event(type, "configmaps", rv, obj(name, rv, app), previous, 100);
    }

    private static WatchHub.Change next(WatchHub.Subscription s) throws InterruptedException {
        return (WatchHub.Change) s.next(1000);
    }

    @Test
    void replaysEventsAfterAResourceVersion() throws Exception {
        WatchHub hub = new WatchHub(100, 1 << 20, 64);
        hub.resetHistory(10);
        hub.publish(event("ADDED", 11, "a", "x", null));
        hub.publish(event("ADDED", 12, "b", "x", null));
        hub.publish(new WatchHub.Event("ADDED", "secrets", 13, obj("s", 13, "x"), null, 10));
        hub.publish(event("MODIFIED", 14, "a", "x", obj("a", 11, "x")));

        WatchHub.Subscription s = hub.subscribe("configmaps", ALL, 11, List.of(), false, false);
        List<WatchHub.Item> replay = s.initialItems();
        assertEquals(2, replay.size(), "events after rv 11 of this resource only");
        assertEquals("ADDED", ((WatchHub.Change) replay.get(0)).type());
        assertEquals("b", KubeObjects.name(((WatchHub.Change) replay.get(0)).object()));
        assertEquals("MODIFIED", ((WatchHub.Change) replay.get(1)).type());

        hub.publish(event("DELETED", 15, "b", "x", null));
        WatchHub.Change live = next(s);
        assertEquals("DELETED", live.type());
        assertEquals("15", KubeObjects.resourceVersion(live.object()));
    }

    @Test
    void tooOldResourceVersionIsExpired() throws Exception {
        WatchHub hub = new WatchHub(3, 1 << 20, 64);
        hub.resetHistory(1);
        for (long rv = 2; rv <= 10; rv++) {
            hub.publish(event("ADDED", rv, "o" + rv, "x", null));
        }
        assertEquals(3, hub.historySize(), "history is bounded by count");
        ApiException e = assertThrows(ApiException.class, () -> hub.subscribe("configmaps", ALL, 5, List.of(), false, false));
        assertEquals(410, e.code());
        assertEquals("Expired", e.reason());
        assertTrue(e.getMessage().contains("too old resource version"));
        // The oldest resumable version is the last forgotten one.
        assertEquals(3, hub.subscribe("configmaps", ALL, 7, List.of(), false, false).initialItems().size());
    }

    @Test
    void historyIsBoundedByBytes() {
        WatchHub hub = new WatchHub(1000, 2048, 64);
        for (long rv = 2; rv <= 20; rv++) {
            hub.publish(new WatchHub.Event("ADDED", "configmaps", rv, obj("o" + rv, rv, "x"), null, 1000));
        }
        assertEquals(2, hub.historySize());
    }

    @Test
    void selectorTransitionsBecomeAddedAndDeleted() throws Exception {
        WatchHub hub = new WatchHub(100, 1 << 20, 64);
        Predicate<ObjectNode> web = Selectors.parseLabelSelector("app=web")::matches;
        WatchHub.Subscription s = hub.subscribe("configmaps", web, -1, List.of(), false, false);
        hub.publish(event("ADDED", 2, "a", "db", null));
        hub.publish(event("MODIFIED", 3, "a", "web", obj("a", 2, "db")));
        hub.publish(event("MODIFIED", 4, "a", "web", obj("a", 3, "web")));
        hub.publish(event("MODIFIED", 5, "a", "db", obj("a", 4, "web")));
        assertEquals("ADDED", next(s).type());
        assertEquals("MODIFIED", next(s).type());
        WatchHub.Change gone = next(s);
        assertEquals("DELETED", gone.type());
        assertEquals("web", gone.object().at("/metadata/labels/app").asText(), "the last state that matched");
        assertEquals("5", KubeObjects.resourceVersion(gone.object()));
        assertNull(s.next(50), "the non-matching ADDED was not delivered");
    }

    @Test
    void initialObjectsBookmarksAndSlowWatchers() throws Exception {
        WatchHub hub = new WatchHub(100, 1 << 20, 16);
        hub.resetHistory(7);
        WatchHub.Subscription s = hub.subscribe("configmaps", ALL, -1, List.of(obj("a", 5, "x"), obj("b", 6, "x")), true, true);
        assertEquals(3, s.initialItems().size());
        WatchHub.Bookmark end = assertInstanceOf(WatchHub.Bookmark.class, s.initialItems().get(2));
        assertTrue(end.initialEventsEnd());
        assertEquals(7, end.resourceVersion());
        hub.bookmarkTick();
        assertEquals(7, assertInstanceOf(WatchHub.Bookmark.class, s.next(1000)).resourceVersion());

        for (long rv = 8; rv < 8 + 20; rv++) {
            hub.publish(event("ADDED", rv, "o" + rv, "x", null));
        }
        assertTrue(s.isClosed(), "a watcher that falls behind its queue is disconnected");
        assertEquals(0, hub.activeWatches());
    }

    @Test
    void closingResourceEndsOnlyItsWatches() throws Exception {
        WatchHub hub = new WatchHub(100, 1 << 20, 16);
        WatchHub.Subscription cm = hub.subscribe("configmaps", ALL, -1, List.of(), false, false);
        WatchHub.Subscription widgets = hub.subscribe("widgets.example.com", ALL, -1, List.of(), false, false);
        hub.closeResource("widgets.example.com");
        assertTrue(widgets.isClosed());
        assertEquals(1, hub.activeWatches());
        hub.closeAll(true);
        assertTrue(cm.isClosed());
        assertTrue(hub.subscribe("configmaps", ALL, -1, List.of(), false, false).isClosed(), "no new watches after shutdown");
    }
}
