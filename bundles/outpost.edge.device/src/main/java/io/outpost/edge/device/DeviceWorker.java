package io.outpost.edge.device;

import io.outpost.mapper.api.DeviceListener;
import io.outpost.mapper.api.DeviceSession;
import io.outpost.mapper.api.Mapper;
import io.outpost.mapper.api.MapperException;
import io.outpost.mapper.api.Reading;
import io.outpost.twin.api.AccessMode;
import io.outpost.twin.api.DeviceSpec;
import io.outpost.twin.api.DeviceState;
import io.outpost.twin.api.DeviceTwin;
import io.outpost.twin.api.PropertySpec;
import io.outpost.twin.api.PropertyType;
import io.outpost.twin.api.TwinChange;
import io.outpost.twin.api.TwinException;
import io.outpost.twin.api.TwinProperty;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives one device through its mapper: opens the session, reads the properties that are due at
 * their collect cycles (all due ones in one call, so the mapper can batch), writes desired values,
 * and feeds the twin. Everything for one device runs in order on a lane of the shared scheduler,
 * so a session is never used by two threads at once, and a slow device only delays itself.
 */
final class DeviceWorker implements DeviceListener {
    private static final Logger LOG = LoggerFactory.getLogger(DeviceWorker.class);
    static final long MAX_BACKOFF = 30_000;

    private final Mapper mapper;
    private final DeviceTwin twin;
    private final ScheduledExecutorService scheduler;
    private final LongSupplier clock;
    private final Queue<Runnable> lane = new ArrayDeque<>();
    private boolean running;
    private volatile DeviceSpec spec;
    private DeviceSession session;
    private ScheduledFuture<?> nextPoll;
    private final Map<String, Long> nextCollect = new HashMap<>();
    private long backoff;
    private volatile boolean stopped;
    /** Set when the device went offline; the next online converges it to the desired values. */
    private final AtomicBoolean wasOffline = new AtomicBoolean();

    DeviceWorker(DeviceSpec spec, Mapper mapper, DeviceTwin twin, ScheduledExecutorService scheduler, LongSupplier clock) {
        this.spec = spec;
        this.mapper = mapper;
        this.twin = twin;
        this.scheduler = scheduler;
        this.clock = clock;
    }

    Mapper mapper() {
        return mapper;
    }

    /** Opens the session and starts polling; desired values the device lacks are written first. */
    void start() {
        submit(this::open);
    }

    /** The device changed: reopen with the new settings, unless only desired values changed. */
    void respec(DeviceSpec next) {
        submit(() -> {
            if (session != null && shape(spec).equals(shape(next))) {
                spec = next;
                return;
            }
            closeSession();
            spec = next;
            nextCollect.clear();
            open();
        });
    }

    void stop() {
        stopped = true;
        submit(this::closeSession);
    }

    /** Writes a desired value, then reads it back so the twin's actual value follows at once. */
    void write(String property, String value) {
        submit(() -> {
            PropertySpec p = spec.property(property).orElse(null);
            if (p != null && session != null) {
                writeNow(p, value);
            }
        });
    }

    /** On the lane. */
    private boolean writeNow(PropertySpec p, String value) {
        if (p.access() == AccessMode.READ_ONLY || p.check(value).isPresent()) {
            return false; // the twin does not take such values; guard anyway, nothing reaches the device
        }
        try {
            session.write(p, value);
            LOG.info("{}: wrote {} = {}", spec.id(), p.name(), value);
            Map<String, Reading> back = session.read(List.of(p));
            report(back);
            return true;
        } catch (MapperException e) {
            LOG.warn("{}: writing {} failed: {}", spec.id(), p.name(), e.getMessage());
            // The state only, not health(): a device that refuses a value is not a device that
            // came back, and re-asserting at the next good read would write it again and again.
            // A device that is gone fails its next read, which counts as going offline.
            state(DeviceState.OFFLINE, e.kind().name().toLowerCase().replace('_', ' ') + ": " + e.getMessage());
        } catch (RuntimeException e) {
            LOG.warn("{}: the mapper failed writing {}: {}", spec.id(), p.name(), e.toString());
        }
        return false;
    }

    /**
     * Brings the device to the desired values (ADR 0023): reads every writable property that has
     * a desired value and writes those the device does not hold. Runs when the session opens and
     * each time the device comes back online after being offline — a server restart or a power
     * cycle may have lost what was written. A device that kept its values is only read, not
     * written, so devices that wear on writes (EEPROM, flash) are spared; a value changed on the
     * device while it stays online is reported as a delta, not overwritten.
     */
    private void converge() {
        if (stopped || session == null) {
            return;
        }
        Map<String, TwinProperty> twins = twin.twins(spec.namespace(), spec.name()).orElse(Map.of());
        Map<PropertySpec, String> desired = new LinkedHashMap<>();
        for (PropertySpec p : spec.properties()) {
            TwinProperty t = twins.get(p.name());
            if (p.access() != AccessMode.READ_ONLY && t != null && t.expected() != null && p.check(t.expected().value()).isEmpty()) {
                desired.put(p, t.expected().value());
            }
        }
        if (desired.isEmpty()) {
            return;
        }
        Map<String, Reading> now;
        try {
            now = session.read(List.copyOf(desired.keySet()));
        } catch (MapperException e) {
            health(false, e.kind().name().toLowerCase().replace('_', ' ') + ": " + e.getMessage());
            return; // back online later: converge runs again then
        } catch (RuntimeException e) {
            LOG.warn("{}: the mapper failed reading: {}", spec.id(), e.toString());
            return;
        }
        report(now);
        desired.forEach((p, value) -> {
            Reading r = now.get(p.name());
            if (r == null || !sameValue(p, r.value(), value)) {
                LOG.info("{}: {} is {} on the device, desired {}: writing it", spec.id(), p.name(), r == null ? "unknown" : r.value(), value);
                writeNow(p, value);
            }
        });
    }

    /** Equal as the property's type reads them: "20" and "20.0" are the same FLOAT. */
    static boolean sameValue(PropertySpec p, String a, String b) {
        if (a == null || b == null) {
            return a == b;
        }
        try {
            Object x = p.type().parseValue(a);
            Object y = p.type().parseValue(b);
            if (p.type() == PropertyType.FLOAT) {
                return Float.compare((float) (double) (Double) x, (float) (double) (Double) y) == 0;
            }
            return x.equals(y);
        } catch (IllegalArgumentException e) {
            return a.equals(b);
        }
    }

    /** What a session depends on: everything but the desired values. */
    private static List<Object> shape(DeviceSpec s) {
        List<Object> out = new ArrayList<>(List.of(s.protocol(), s.protocolConfig(), s.modelFound()));
        for (PropertySpec p : s.properties()) {
            out.add(List.of(p.name(), p.type(), p.access(), String.valueOf(p.minimum()), String.valueOf(p.maximum()), p.visitor(),
                    p.collectCycleMillis()));
        }
        return out;
    }

    private void open() {
        if (stopped) {
            return;
        }
        List<String> problems = new ArrayList<>(spec.problems());
        try {
            problems.addAll(mapper.validate(spec));
        } catch (RuntimeException e) {
            problems.add("the mapper could not check the configuration: " + e);
        }
        if (!problems.isEmpty()) {
            state(DeviceState.OFFLINE, "invalid configuration: " + String.join("; ", problems));
            return;
        }
        try {
            session = mapper.open(spec, this);
        } catch (MapperException | RuntimeException e) {
            state(DeviceState.OFFLINE, e.getMessage());
            retryOpen();
            return;
        }
        // Desired values set while the device was away or before its mapper came, or lost by it.
        converge();
        schedule(0);
    }

    private void retryOpen() {
        backoff = backoff == 0 ? 1000 : Math.min(MAX_BACKOFF, backoff * 2);
        scheduler.schedule(() -> submit(() -> {
            if (session == null) {
                open();
            }
        }), backoff, TimeUnit.MILLISECONDS);
    }

    private void poll() {
        if (stopped || session == null) {
            return;
        }
        long now = clock.getAsLong();
        List<PropertySpec> due = new ArrayList<>();
        long next = Long.MAX_VALUE;
        for (PropertySpec p : spec.properties()) {
            if (session.pushed().contains(p.name())) {
                continue;
            }
            long at = nextCollect.getOrDefault(p.name(), 0L);
            if (at <= now) {
                due.add(p);
                at = now + p.collectCycleMillis();
                nextCollect.put(p.name(), at);
            }
            next = Math.min(next, at);
        }
        if (!due.isEmpty()) {
            try {
                report(session.read(due));
                backoff = 0;
                health(true, "");
            } catch (MapperException e) {
                health(false, e.kind().name().toLowerCase().replace('_', ' ') + ": " + e.getMessage());
                // Back off while the device is away, up to 30 s, so a dead device costs little.
                backoff = backoff == 0 ? 1000 : Math.min(MAX_BACKOFF, backoff * 2);
                next = Math.max(next, now + backoff);
            } catch (RuntimeException e) {
                LOG.warn("{}: the mapper failed reading: {}", spec.id(), e.toString());
                health(false, "mapper error: " + e);
                next = Math.max(next, now + 5000);
            }
        }
        if (next != Long.MAX_VALUE) {
            schedule(Math.max(0, next - clock.getAsLong()));
        }
    }

    private void schedule(long delay) {
        nextPoll = scheduler.schedule(() -> submit(this::poll), delay, TimeUnit.MILLISECONDS);
    }

    private void report(Map<String, Reading> values) {
        if (values.isEmpty()) {
            return;
        }
        Map<String, TwinChange> changes = new LinkedHashMap<>();
        values.forEach((k, r) -> changes.put(k, TwinChange.actual(r.value())));
        try {
            twin.update(spec.namespace(), spec.name(), changes);
        } catch (TwinException e) {
            LOG.warn("{}: the twin refused values read: {}", spec.id(), e.getMessage());
        }
    }

    private void closeSession() {
        if (nextPoll != null) {
            nextPoll.cancel(false);
        }
        if (session != null) {
            try {
                session.close();
            } catch (RuntimeException e) {
                LOG.debug("{}: close: {}", spec.id(), e.toString());
            }
            session = null;
        }
    }

    @Override
    public void value(String property, String value, long timestamp) {
        if (!stopped) {
            report(Map.of(property, new Reading(value, timestamp)));
        }
    }

    @Override
    public void health(boolean online, String reason) {
        if (stopped) {
            return;
        }
        state(online ? DeviceState.ONLINE : DeviceState.OFFLINE, reason);
        // Back after being offline (reported by the mapper, or a read that works again): the device
        // may have lost the desired values while it was away.
        if (online && wasOffline.getAndSet(false)) {
            submit(this::converge);
        } else if (!online) {
            wasOffline.set(true);
        }
    }

    void state(String state, String reason) {
        try {
            twin.updateState(spec.namespace(), spec.name(), state, reason);
        } catch (TwinException e) {
            LOG.debug("{}: state not recorded: {}", spec.id(), e.getMessage());
        }
    }

    /** Runs tasks of this device one after another on the shared scheduler. */
    private void submit(Runnable task) {
        synchronized (lane) {
            lane.add(task);
            if (running) {
                return;
            }
            running = true;
        }
        scheduler.execute(this::drain);
    }

    private void drain() {
        while (true) {
            Runnable r;
            synchronized (lane) {
                r = lane.poll();
                if (r == null) {
                    running = false;
                    return;
                }
            }
            try {
                r.run();
            } catch (RuntimeException e) {
                LOG.warn("{}: {}", spec.id(), e.toString());
            }
        }
    }
}
