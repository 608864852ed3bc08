package io.outpost.edge.pod;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.outpost.hub.api.Groups;
import io.outpost.hub.api.Message;
import io.outpost.hub.api.Modules;
import io.outpost.hub.api.Operations;
import io.outpost.hub.api.ResourceTypes;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Kubernetes Events about pods, recorded on the gateway the way the kubelet's event recorder does
 * and carried to the cloud in KubeEdge's format: group {@code meta}, source {@code edged},
 * resource {@code <ns>/event/<name>}, a core/v1 Event as content; {@code insert} for a new event,
 * {@code update} with the grown {@code count} for a repeat (edged's event sink sends the same).
 *
 * <p>Bounded so that a crash-looping pod cannot flood the link or the API server:
 * <ul>
 * <li>repeats (same pod, container, type, reason and message) are one event whose {@code count}
 *     and {@code lastTimestamp} grow — the kubelet's event correlator;</li>
 * <li>per pod a token bucket of {@value #POD_BURST} events refilled one per five minutes (the
 *     kubelet's spam filter): a repeat that finds no token only grows the count, which the next
 *     event sent for that series carries;</li>
 * <li>all pods together at most {@value #LINK_PER_SECOND} events a second (burst {@value
 *     #LINK_BURST});</li>
 * <li>while the link is down at most {@value #MAX_PENDING} events wait (a repeat replaces its
 *     series' waiting one; the oldest go first); series remembered: {@value #MAX_SERIES}.</li>
 * </ul>
 * Thread-safe (pod workers and probe tasks record at once). No OSGi.
 */
final class PodEvents {
    static final int POD_BURST = 25;
    static final Duration POD_REFILL = Duration.ofMinutes(5);
    static final int LINK_BURST = 100;
    static final int LINK_PER_SECOND = 10;
    static final int MAX_PENDING = 256;
    static final int MAX_SERIES = 4096;
    /** Longest message kept (the kubelet's events are short; the API server stores what it gets). */
    static final int MAX_MESSAGE = 1024;
    /** What the events name as their source, as edged (the kubelet inside KubeEdge) does. */
    static final String COMPONENT = "kubelet";

    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private record Series(String name, Instant first, int count, boolean sent) {
    }

    /** A token bucket; tokens are fractional so slow refills (one per five minutes) work. */
    private static final class Bucket {
        final double burst;
        final double perSecond;
        double tokens;
        Instant at;

        Bucket(double burst, double perSecond, Instant now) {
            this.burst = burst;
            this.perSecond = perSecond;
            this.tokens = burst;
            this.at = now;
        }

        boolean take(Instant now) {
            double secs = Math.max(0, Duration.between(at, now).toNanos() / 1e9);
            tokens = Math.min(burst, tokens + secs * perSecond);
            at = now;
            if (tokens >= 1) {
                tokens -= 1;
                return true;
            }
            return false;
        }
    }

    private final PodManager.Upstream upstream;
    private final Clock clock;
    /** By series key; access order, so the least recently seen series is forgotten first. */
    private final Map<String, Series> series = new LinkedHashMap<>(256, 0.75f, true);
    private final Map<String, Bucket> pods = new LinkedHashMap<>(64, 0.75f, true);
    private final Bucket link;
    /** Events waiting for the link, by event name, oldest first. */
    private final LinkedHashMap<String, Message> pending = new LinkedHashMap<>();
    private long sequence;
    private long suppressed;

    PodEvents(PodManager.Upstream upstream, Clock clock) {
        this.upstream = upstream;
        this.clock = clock;
        this.link = new Bucket(LINK_BURST, LINK_PER_SECOND, clock.instant());
    }

    /**
     * Records an event about a pod (or one of its containers).
     *
     * @param container the container's name, or null for the pod itself
     * @param warning Warning, else Normal
     * @param reason the kubelet's reason (Pulling, Started, BackOff, Unhealthy, …)
     */
    synchronized void record(JsonNode pod, String container, boolean warning, String reason, String message) {
        Instant now = clock.instant();
        String uid = PodSpecs.uid(pod);
        String msg = message.length() > MAX_MESSAGE ? message.substring(0, MAX_MESSAGE - 3) + "..." : message;
        String key = uid + "\u0000" + (container == null ? "" : container) + "\u0000" + warning + "\u0000" + reason + "\u0000" + msg;
        Series s = series.get(key);
        JsonNode meta = pod.path("metadata");
        if (s == null) {
            // client-go's name: the object's name and a time in hex; the sequence keeps names unique.
            String name = meta.path("name").asText() + "." + Long.toHexString(now.getEpochSecond() * 1_000_000_000L + now.getNano() + sequence++);
            s = new Series(name, now, 1, false);
        } else {
            s = new Series(s.name(), s.first(), s.count() + 1, s.sent());
        }
        series.put(key, s);
        trim(series, MAX_SERIES);
        Bucket b = pods.computeIfAbsent(uid, k -> new Bucket(POD_BURST, 1.0 / POD_REFILL.toSeconds(), now));
        trim(pods, MAX_SERIES);
        if (!b.take(now) || !link.take(now)) {
            suppressed++;
            return; // the count grew; the series' next event carries it
        }
        ObjectNode e = F.objectNode().put("apiVersion", "v1").put("kind", "Event");
        String ns = meta.path("namespace").asText();
        e.putObject("metadata").put("name", s.name()).put("namespace", ns);
        ObjectNode ref = e.putObject("involvedObject").put("kind", "Pod").put("namespace", ns).put("name", meta.path("name").asText())
                .put("uid", uid).put("apiVersion", "v1");
        if (!meta.path("resourceVersion").asText().isEmpty()) {
            ref.put("resourceVersion", meta.path("resourceVersion").asText());
        }
        if (container != null) {
            ref.put("fieldPath", fieldPath(pod, container));
        }
        String host = pod.path("spec").path("nodeName").asText();
        e.put("reason", reason).put("message", msg).put("type", warning ? "Warning" : "Normal");
        e.putObject("source").put("component", COMPONENT).put("host", host);
        e.put("firstTimestamp", seconds(s.first())).put("lastTimestamp", seconds(now)).put("count", s.count());
        e.put("reportingComponent", COMPONENT).put("reportingInstance", host);
        Message m = Message.builder().source(Modules.EDGED).group(Groups.META)
                .operation(s.sent() ? Operations.UPDATE : Operations.INSERT)
                .resource(ns + "/" + ResourceTypes.EVENT + "/" + s.name()).content(e).build();
        series.put(key, new Series(s.name(), s.first(), s.count(), true));
        pending.remove(s.name()); // a repeat replaces the series' event still waiting
        pending.put(s.name(), m);
        trim(pending, MAX_PENDING);
        flush();
    }

    /** Records an event only the first time (a verdict that does not change, such as an admission rejection). */
    synchronized void recordOnce(JsonNode pod, String container, boolean warning, String reason, String message) {
        String msg = message.length() > MAX_MESSAGE ? message.substring(0, MAX_MESSAGE - 3) + "..." : message;
        String key = PodSpecs.uid(pod) + "\u0000" + (container == null ? "" : container) + "\u0000" + warning + "\u0000" + reason + "\u0000" + msg;
        if (!series.containsKey(key)) {
            record(pod, container, warning, reason, message);
        }
    }

    /** Sends what waits, in order, while the link takes it. */
    synchronized void flush() {
        for (Iterator<Message> it = pending.values().iterator(); it.hasNext(); ) {
            if (!upstream.send(it.next())) {
                return;
            }
            it.remove();
        }
    }

    /** Forgets a pod's series and bucket (it is gone). */
    synchronized void forget(String uid) {
        series.keySet().removeIf(k -> k.startsWith(uid + "\u0000"));
        pods.remove(uid);
    }

    /** @return events not sent because a rate limit was reached (their series' count still grew) */
    synchronized long suppressed() {
        return suppressed;
    }

    synchronized int pending() {
        return pending.size();
    }

    /** The kubelet's field path of a container: {@code spec.containers{name}} or {@code spec.initContainers{name}}. */
    static String fieldPath(JsonNode pod, String container) {
        for (JsonNode c : pod.path("spec").path("initContainers")) {
            if (container.equals(c.path("name").asText())) {
                return "spec.initContainers{" + container + "}";
            }
        }
        return "spec.containers{" + container + "}";
    }

    private static <K, V> void trim(Map<K, V> m, int max) {
        Iterator<K> it = m.keySet().iterator();
        while (m.size() > max && it.hasNext()) {
            it.next();
            it.remove();
        }
    }

    private static String seconds(Instant t) {
        return t.truncatedTo(ChronoUnit.SECONDS).toString();
    }
}
