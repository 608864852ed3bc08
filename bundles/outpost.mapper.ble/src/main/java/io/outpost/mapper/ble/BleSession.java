package io.outpost.mapper.ble;

import io.outpost.mapper.api.DeviceListener;
import io.outpost.mapper.api.DeviceSession;
import io.outpost.mapper.api.MapperException;
import io.outpost.mapper.api.Reading;
import io.outpost.mapper.ble.bluez.Bluez;
import io.outpost.mapper.ble.bluez.BluezException;
import io.outpost.twin.api.PropertySpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One BLE device: found by address (with discovery when BlueZ does not know it), connected, its
 * characteristics resolved by UUID, notifications started; reads and writes with BlueZ's calls.
 * When the device disconnects or goes away it is reconnected with back-off, driven by the
 * mapper's scheduler (so devices that only notify come back without being polled).
 *
 * <p>Locking: the device manager and the scheduler take the session's monitor for anything that
 * talks to BlueZ; BlueZ's signal threads only read volatile fields and hand work to the scheduler.
 */
final class BleSession implements DeviceSession, Bluez.Listener {
    private static final Logger LOG = LoggerFactory.getLogger(BleSession.class);
    /** Where the session gets the shared BlueZ connection. */
    interface BusSource {
        Bluez get() throws BluezException;
    }

    private final BleConfig config;
    private final BusSource bus;
    private final DeviceListener listener;
    private final ScheduledExecutorService scheduler;
    private final LongSupplier clock;
    private final Set<String> pushed;
    /** property → characteristic path, for the link that is up. */
    private final Map<String, String> chars = new ConcurrentHashMap<>();
    private volatile Bluez bluez;
    private volatile String devicePath;
    private volatile boolean linked;
    private volatile boolean closed;
    private String adapterPath = "";
    private long nextAttempt;
    private int delay;
    private String lastReason = "";
    private Boolean online;
    private String reportedReason = "";
    /** Guards {@link #retry}: scheduling happens from signal threads too. */
    private final Object retryLock = new Object();
    private ScheduledFuture<?> retry;

    BleSession(BleConfig config, BusSource bus, DeviceListener listener, ScheduledExecutorService scheduler, LongSupplier clock) {
        this.config = config;
        this.bus = bus;
        this.listener = listener;
        this.scheduler = scheduler;
        this.clock = clock;
        this.delay = config.reconnectDelayMillis();
        this.pushed = config.points().values().stream().filter(Point::notifies).map(Point::name).collect(Collectors.toUnmodifiableSet());
        schedule(0);
    }

    @Override
    public Set<String> pushed() {
        return pushed;
    }

    @Override
    public synchronized Map<String, Reading> read(List<PropertySpec> properties) throws MapperException {
        Map<String, Reading> values = new LinkedHashMap<>();
        List<Point> points = properties.stream().map(p -> config.points().get(p.name())).filter(p -> p != null).toList();
        if (points.isEmpty()) {
            return values;
        }
        ensureLinked();
        List<String> failures = new ArrayList<>();
        for (Point p : points) {
            String path = chars.get(p.name());
            if (path == null) {
                failures.add(missing(p));
                continue;
            }
            byte[] data;
            try {
                data = bluez.read(path, config.timeoutMillis());
            } catch (BluezException e) {
                if (linkBroken(e)) {
                    throw linkDown(e, "reading " + p.name());
                }
                failures.add("property " + p.name() + ": " + e.getMessage());
                continue;
            }
            try {
                values.put(p.name(), new Reading(p.decode(data), clock.getAsLong()));
            } catch (RuntimeException e) {
                failures.add("property " + p.name() + ": cannot decode " + data.length + " bytes: " + e.getMessage());
            }
        }
        if (!failures.isEmpty()) {
            String reason = String.join("; ", failures);
            health(false, reason);
            if (values.isEmpty()) {
                throw new MapperException(MapperException.Kind.DEVICE_ERROR, reason);
            }
        } else {
            health(true, "");
        }
        return values;
    }

    @Override
    public synchronized void write(PropertySpec property, String value) throws MapperException {
        Point p = config.points().get(property.name());
        if (p == null) {
            throw new MapperException(MapperException.Kind.CONFIG, "property " + property.name() + " has no BLE visitor on this device");
        }
        byte[] data;
        try {
            data = p.encode(value);
        } catch (IllegalArgumentException e) {
            throw new MapperException(MapperException.Kind.CONFIG, "property " + p.name() + ": " + e.getMessage());
        }
        ensureLinked();
        String path = chars.get(p.name());
        if (path == null) {
            String reason = missing(p);
            health(false, reason);
            throw new MapperException(MapperException.Kind.CONFIG, reason);
        }
        try {
            bluez.write(path, data, p.writeType(), config.timeoutMillis());
        } catch (BluezException e) {
            if (linkBroken(e)) {
                throw linkDown(e, "writing " + p.name());
            }
            String reason = "property " + p.name() + ": " + e.getMessage();
            health(false, reason);
            throw new MapperException(MapperException.Kind.DEVICE_ERROR, reason, e);
        }
        health(true, "");
    }

    /**
     * Whether a failed call means the link is gone. BlueZ answers a call on a device that dropped
     * mid-call with org.bluez.Error.Failed ("Not connected"), and its Connected=false signal may
     * reach us a moment after the error; so a failure waits briefly for that signal.
     */
    private boolean linkBroken(BluezException e) throws MapperException {
        if (e.kind() != BluezException.Kind.FAILED) {
            return true;
        }
        if (e.getMessage().contains("Not connected")) {
            return true;
        }
        try {
            return bluez.await(devicePath, Bluez.DEVICE, "Connected", Boolean.FALSE, 250) || !bluez.exists(devicePath, Bluez.DEVICE);
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            throw new MapperException(MapperException.Kind.UNREACHABLE, "interrupted");
        }
    }

    private String missing(Point p) {
        Bluez b = bluez;
        String offered = b == null ? "" : b.characteristics(devicePath).values().stream().sorted().collect(Collectors.joining(", "));
        return "characteristic missing: property " + p.name() + " names characteristic " + p.uuid() + ", which device " + config.mac()
                + " does not have" + (offered.isEmpty() ? "" : " (it has " + offered + ")") + "; check characteristicUUID";
    }

    /** Connects unless the link is up; during back-off fails at once without talking to BlueZ. */
    private void ensureLinked() throws MapperException {
        if (closed) {
            throw new MapperException(MapperException.Kind.UNREACHABLE, "the session is closed");
        }
        Bluez b = bluez;
        if (linked && b != null && b.isOpen()) {
            return;
        }
        linked = false;
        long now = clock.getAsLong();
        if (now < nextAttempt) {
            throw new MapperException(kind(lastReason), lastReason + " (next attempt in " + (nextAttempt - now) + " ms)");
        }
        try {
            attach();
        } catch (BluezException e) {
            throw linkDown(e, "");
        } catch (RuntimeException | LinkageError e) {
            // Nothing may escape to the device manager's threads: a library failure is this device's status.
            throw linkDown(new BluezException(BluezException.Kind.BUS, e.toString(), "", e), "");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MapperException(MapperException.Kind.UNREACHABLE, "interrupted while connecting to " + config.mac());
        }
    }

    private void attach() throws BluezException, InterruptedException {
        Bluez b = bus.get();
        if (b != bluez) {
            Bluez old = bluez;
            if (old != null) {
                old.removeListener(this);
            }
            b.addListener(this);
            bluez = b;
        }
        // A fresh snapshot of BlueZ's tree: dbus-java delivers signals and replies on separate threads, so
        // after a drop the cache may still be catching up with signals sent before the last reply.
        b.sync(config.timeoutMillis());
        List<String> adapters = b.adapters();
        if (config.adapter().isEmpty()) {
            if (adapters.isEmpty()) {
                throw new BluezException(BluezException.Kind.NOT_FOUND, "no Bluetooth adapter: BlueZ lists none (is the adapter plugged in and powered?)");
            }
            adapterPath = adapters.get(0);
        } else {
            adapterPath = "/org/bluez/" + config.adapter();
            if (!adapters.contains(adapterPath)) {
                throw new BluezException(BluezException.Kind.NOT_FOUND, "no Bluetooth adapter " + config.adapter() + ": BlueZ lists "
                        + (adapters.isEmpty() ? "none" : String.join(", ", adapters)));
            }
        }
        Optional<String> dev = b.findDevice(adapterPath, config.mac());
        if (dev.isEmpty() && config.discoveryTimeoutMillis() > 0) {
            b.startDiscovery(adapterPath, config.timeoutMillis());
            try {
                dev = b.awaitDevice(adapterPath, config.mac(), config.discoveryTimeoutMillis());
            } finally {
                b.stopDiscovery(adapterPath, config.timeoutMillis());
            }
        }
        if (dev.isEmpty()) {
            throw new BluezException(BluezException.Kind.NOT_FOUND, "device " + config.mac() + " was not found by " + adapterPath + " within "
                    + config.discoveryTimeoutMillis() + " ms of discovery (out of range, switched off, or not advertising?)");
        }
        devicePath = dev.get();
        if (!Boolean.TRUE.equals(b.property(devicePath, Bluez.DEVICE, "Connected"))) {
            b.connect(devicePath, config.connectTimeoutMillis());
        }
        long end = clock.getAsLong() + config.connectTimeoutMillis();
        while (true) {
            long left = end - clock.getAsLong();
            if (left <= 0 || !b.await(devicePath, Bluez.DEVICE, "ServicesResolved", Boolean.TRUE, left)) {
                throw new BluezException(BluezException.Kind.TIMEOUT, "device " + config.mac() + " connected, but its GATT services were not resolved within "
                        + config.connectTimeoutMillis() + " ms");
            }
            // Confirm with BlueZ itself, and take the GATT objects from the same snapshot.
            b.sync(config.timeoutMillis());
            if (Boolean.TRUE.equals(b.property(devicePath, Bluez.DEVICE, "ServicesResolved"))) {
                break;
            }
        }
        Map<String, String> found = b.characteristics(devicePath);
        chars.clear();
        for (Point p : config.points().values()) {
            found.entrySet().stream().filter(e -> p.uuid().equals(BleConfig.uuid(e.getValue()))).map(Map.Entry::getKey).sorted().findFirst()
                    .ifPresent(path -> chars.put(p.name(), path));
        }
        List<String> problems = new ArrayList<>();
        for (Point p : config.points().values()) {
            String path = chars.get(p.name());
            if (path == null) {
                problems.add(missing(p));
            } else if (p.notifies()) {
                try {
                    b.startNotify(path, config.timeoutMillis());
                } catch (BluezException e) {
                    if (e.kind() != BluezException.Kind.FAILED || !e.errorName().endsWith(".InProgress")) {
                        problems.add("property " + p.name() + ": notifications refused: " + e.getMessage());
                    }
                }
            }
        }
        linked = true;
        delay = config.reconnectDelayMillis();
        nextAttempt = 0;
        lastReason = "";
        health(problems.isEmpty(), String.join("; ", problems));
    }

    /** The link is down: back off (doubling up to the maximum), report, and try again later on the scheduler. */
    private MapperException linkDown(BluezException e, String doing) {
        linked = false;
        chars.clear();
        String msg = e.getMessage() + (doing.isEmpty() ? "" : " (" + doing + ")");
        String reason = switch (e.kind()) {
            case BUS -> "bluetooth unavailable: " + msg;
            case NOT_FOUND -> "not found: " + msg;
            case TIMEOUT -> "timeout: " + msg;
            case DISCONNECTED -> "disconnected: " + msg;
            case FAILED -> linked || !doing.isEmpty() ? "disconnected: " + msg : "connect failed: " + msg;
        };
        nextAttempt = clock.getAsLong() + delay;
        schedule(delay);
        delay = (int) Math.min((long) delay * 2, config.maxReconnectDelayMillis());
        lastReason = reason;
        health(false, reason);
        return new MapperException(kind(reason), reason, e);
    }

    private static MapperException.Kind kind(String reason) {
        return reason.startsWith("timeout") ? MapperException.Kind.TIMEOUT : MapperException.Kind.UNREACHABLE;
    }

    /** A reconnect attempt on the scheduler. */
    private void schedule(long inMillis) {
        if (closed) {
            return;
        }
        synchronized (retryLock) {
            if (retry != null) {
                retry.cancel(false);
            }
            try {
                retry = scheduler.schedule(this::attempt, inMillis, TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException e) {
                // The mapper is stopping; its sessions are being closed.
            }
        }
    }

    private synchronized void attempt() {
        if (closed || linked) {
            return;
        }
        long wait = nextAttempt - clock.getAsLong();
        if (wait > 0) {
            // Early by a clock tick, or a read moved the back-off on: come back when it ends.
            schedule(wait);
            return;
        }
        try {
            ensureLinked();
        } catch (MapperException e) {
            // Reported through the listener by linkDown, which also scheduled the next attempt.
        } catch (RuntimeException | LinkageError e) {
            LOG.warn("BLE device {}: {}", config.mac(), e.toString(), e);
            lastReason = "bluetooth unavailable: " + e;
            health(false, lastReason);
            schedule(delay);
        }
    }

    private synchronized void lost(String reason) {
        if (closed || linked) {
            // linked again meanwhile (a quick reconnect), or closed: nothing to do
            return;
        }
        chars.clear();
        lastReason = reason;
        health(false, reason);
        nextAttempt = clock.getAsLong() + delay;
        schedule(delay);
    }

    private void health(boolean up, String reason) {
        if (online == null || online != up || !up && !reason.equals(reportedReason)) {
            // For the gateway's log too: the twin keeps only the latest reason.
            if (up) {
                LOG.info("BLE device {} online", config.mac());
            } else {
                LOG.info("BLE device {} offline: {}", config.mac(), reason);
            }
            online = up;
            reportedReason = reason;
            listener.health(up, reason);
        }
    }

    @Override
    public void objectChanged(String path) {
        Bluez b = bluez;
        String dev = devicePath;
        if (b == null || closed) {
            return;
        }
        if (linked && dev != null && path.equals(dev)) {
            boolean gone = !b.exists(dev, Bluez.DEVICE);
            if (gone || Boolean.FALSE.equals(b.property(dev, Bluez.DEVICE, "Connected"))) {
                linked = false;
                String reason = gone ? "not found: device " + config.mac() + " went away (BlueZ removed it)"
                        : "disconnected: device " + config.mac() + " dropped the connection";
                scheduler.execute(() -> lost(reason));
            }
        } else if (!linked && b.exists(path, Bluez.DEVICE) && config.mac().equalsIgnoreCase(String.valueOf(b.property(path, Bluez.DEVICE, "Address")))) {
            // The device is back (advertising again, or another client connected it): try now rather than at the end of the back-off.
            scheduler.execute(this::retryNow);
        }
    }

    private synchronized void retryNow() {
        if (!linked && !closed) {
            nextAttempt = 0;
            schedule(0);
        }
    }

    @Override
    public void valueChanged(String characteristicPath, byte[] value) {
        if (closed) {
            return;
        }
        for (Map.Entry<String, String> e : chars.entrySet()) {
            Point p = config.points().get(e.getKey());
            if (p != null && p.notifies() && e.getValue().equals(characteristicPath)) {
                try {
                    listener.value(p.name(), p.decode(value), clock.getAsLong());
                } catch (RuntimeException ex) {
                    String reason = "property " + p.name() + ": cannot decode a notification of " + value.length + " bytes: " + ex.getMessage();
                    scheduler.execute(() -> notifyFailure(reason));
                }
            }
        }
    }

    private synchronized void notifyFailure(String reason) {
        health(false, reason);
    }

    @Override
    public void busLost(String reason) {
        if (!closed) {
            linked = false;
            scheduler.execute(() -> lost("bluetooth unavailable: D-Bus " + reason));
        }
    }

    @Override
    public void close() {
        closed = true;
        synchronized (retryLock) {
            if (retry != null) {
                retry.cancel(false);
            }
        }
        synchronized (this) {
            Bluez b = bluez;
            if (b == null) {
                return;
            }
            b.removeListener(this);
            if (linked && b.isOpen()) {
                // Best effort and short: the device may already be gone.
                for (Point p : config.points().values()) {
                    String path = chars.get(p.name());
                    if (p.notifies() && path != null) {
                        try {
                            b.stopNotify(path, 1000);
                        } catch (BluezException e) {
                            // nothing left to stop
                        }
                    }
                }
                try {
                    b.disconnect(devicePath, 2000);
                } catch (BluezException e) {
                    // already disconnected
                }
            }
            linked = false;
            chars.clear();
        }
    }

    /** For tests: the device's object path once found. */
    String devicePath() {
        return devicePath;
    }
}
