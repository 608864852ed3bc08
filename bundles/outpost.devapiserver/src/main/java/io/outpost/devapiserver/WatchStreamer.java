package io.outpost.devapiserver;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import java.util.function.Predicate;

/**
 * Streams a watch: registers with the {@link WatchHub} (atomically with listing the current
 * objects when the watch starts "from now"), then writes newline-delimited events in the
 * negotiated representation until {@code timeoutSeconds}, a disconnect, or the hub ends it.
 */
final class WatchStreamer {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final long KEEPALIVE_NANOS = 15_000_000_000L;

    private final ObjectStore store;
    private final WatchHub hub;
    private final Codec codec;
    private final TablePrinter printer;
    private final long defaultWatchSeconds;

    WatchStreamer(ObjectStore store, WatchHub hub, Codec codec, TablePrinter printer, long defaultWatchSeconds) {
        this.store = store;
        this.hub = hub;
        this.codec = codec;
        this.printer = printer;
        this.defaultWatchSeconds = defaultWatchSeconds;
    }

    /** Serves one watch request until it times out, the client leaves or the server ends it. */
    void serve(HttpCall call, ResourceType type, String ns, String name, MediaTypes.Choice choice,
            Selectors.Selector selector, TablePrinter.IncludeObject include) throws ApiException, IOException {
        String rvParam = call.param("resourceVersion", "");
        boolean bookmarks = call.boolParam("allowWatchBookmarks");
        boolean sendInitial = call.boolParam("sendInitialEvents");
        if (sendInitial && !"NotOlderThan".equals(call.param("resourceVersionMatch"))) {
            throw ApiException.invalid("ListOptions", "", "resourceVersionMatch", "Forbidden",
                    "sendInitialEvents requires setting resourceVersionMatch to NotOlderThan");
        }
        long timeout = call.longParam("timeoutSeconds", defaultWatchSeconds);
        timeout = Math.min(timeout, 24 * 3600L);
        String websocket = call.header("Upgrade");
        if (websocket != null && websocket.equalsIgnoreCase("websocket")) {
            // The JDK HTTP server cannot switch protocols. Clients that try a WebSocket watch
            // first (fabric8) fall back to a plain HTTP watch at once when the handshake is
            // answered with a plain 200 (a 503 makes them retry the WebSocket with back-off).
            call.sendJson(200, ApiHandler.successStatus(200), MediaTypes.JSON, false);
            return;
        }

        // A dead client is only noticed when something is written to it. Watchers that allow
        // bookmarks get one regularly; for Go clients (kubectl) that do not, a bare newline is
        // written instead, which their JSON stream decoder skips as whitespace.
        String agent = call.header("User-Agent");
        boolean keepAlive = !bookmarks && agent != null && agent.contains(" kubernetes/");
        Predicate<ObjectNode> filter = o -> (ns == null || ns.equals(KubeObjects.namespace(o)))
                && (name == null || name.equals(KubeObjects.name(o)))
                && selector.matches(o);
        boolean fromNow = rvParam.isEmpty() || rvParam.equals("0") || sendInitial;
        long since = fromNow ? -1 : KubeObjects.parseResourceVersion(rvParam);

        WatchHub.Subscription subscription;
        ApiException expired = null;
        try {
            // Listing and subscribing under the store lock means no change falls in between.
            subscription = store.read(() -> hub.subscribe(type.storageKey(), filter, since,
                    fromNow ? store.list(type.storageKey(), ns) : List.of(), bookmarks && !choice.kind().equals(MediaTypes.Kind.TABLE),
                    sendInitial && bookmarks));
        } catch (ApiException e) {
            if (e.code() != 410) {
                throw e;
            }
            subscription = null;
            expired = e;
        }

        OutputStream out = call.startStream(choice.kind() == MediaTypes.Kind.DISCOVERY_V2 ? MediaTypes.JSON : choice.contentType());
        WatchWriter writer = new WatchWriter(out, type, choice, include);
        try {
            if (expired != null) {
                // Like the real server: the watch is accepted, then ends with an ERROR event.
                writer.error(expired.toStatus());
                return;
            }
            for (WatchHub.Item item : subscription.initialItems()) {
                writer.write(item);
            }
            writer.flush();
            long deadline = System.nanoTime() + timeout * 1_000_000_000L;
            long lastWrite = System.nanoTime();
            while (true) {
                long remainingMillis = (deadline - System.nanoTime()) / 1_000_000;
                if (remainingMillis <= 0) {
                    break;
                }
                WatchHub.Item item = subscription.next(Math.min(remainingMillis, 1000));
                if (item instanceof WatchHub.End) {
                    break;
                }
                if (item == null) {
                    if (subscription.isClosed()) {
                        break;
                    }
                    if (keepAlive && System.nanoTime() - lastWrite > KEEPALIVE_NANOS) {
                        writer.keepAlive();
                        lastWrite = System.nanoTime();
                    }
                    continue;
                }
                lastWrite = System.nanoTime();
                writer.write(item);
                WatchHub.Item more;
                while ((more = subscription.pollNow()) != null && !(more instanceof WatchHub.End)) {
                    writer.write(more);
                }
                if (more instanceof WatchHub.End) {
                    writer.flush();
                    break;
                }
                writer.flush();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            // client disconnected
        } finally {
            if (subscription != null) {
                hub.unsubscribe(subscription);
            }
            try {
                out.close();
            } catch (IOException ignored) {
                // already gone
            }
        }
    }

    /** Encodes watch events as newline-delimited JSON in the negotiated representation. */
    private final class WatchWriter {
        private final OutputStream out;
        private final ResourceType type;
        private final MediaTypes.Choice choice;
        private final TablePrinter.IncludeObject include;
        private boolean headersSent;

        WatchWriter(OutputStream out, ResourceType type, MediaTypes.Choice choice, TablePrinter.IncludeObject include) {
            this.out = out;
            this.type = type;
            this.choice = choice;
            this.include = include;
        }

        void write(WatchHub.Item item) throws IOException {
            ObjectNode event = NODES.objectNode();
            if (item instanceof WatchHub.Bookmark b) {
                event.put("type", "BOOKMARK");
                ObjectNode object = event.putObject("object");
                object.put("kind", type.kind());
                object.put("apiVersion", type.groupVersion());
                ObjectNode meta = object.putObject("metadata");
                meta.put("resourceVersion", Long.toString(b.resourceVersion()));
                if (b.initialEventsEnd()) {
                    meta.putObject("annotations").put("k8s.io/initial-events-end", "true");
                }
            } else if (item instanceof WatchHub.Change c) {
                event.put("type", c.type());
                ObjectNode object = ApiHandler.present(type, c.object());
                switch (choice.kind()) {
                    case TABLE:
                        // Column definitions only on the first event, as the real server does.
                        event.set("object", printer.table(type, List.of(object), !headersSent, include,
                                choice.metaApiVersion(), KubeObjects.resourceVersion(object), null));
                        headersSent = true;
                        break;
                    case PARTIAL_METADATA:
                        event.set("object", TablePrinter.partialMetadata(object, choice.metaApiVersion()));
                        break;
                    default:
                        event.set("object", object);
                }
            }
            out.write(codec.writeAscii(event));
            out.write('\n');
        }

        void error(ObjectNode status) throws IOException {
            ObjectNode event = NODES.objectNode();
            event.put("type", "ERROR");
            event.set("object", status);
            out.write(codec.writeAscii(event));
            out.write('\n');
            out.flush();
        }

        void flush() throws IOException {
            out.flush();
        }

        void keepAlive() throws IOException {
            out.write('\n');
            out.flush();
        }
    }
}
