package io.outpost.mapper.ble.bluez;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.freedesktop.dbus.DBusAsyncReply;
import org.freedesktop.dbus.DBusPath;
import org.freedesktop.dbus.connections.IDisconnectCallback;
import org.freedesktop.dbus.connections.impl.DBusConnection;
import org.freedesktop.dbus.connections.impl.DBusConnectionBuilder;
import org.freedesktop.dbus.errors.NoReply;
import org.freedesktop.dbus.exceptions.DBusException;
import org.freedesktop.dbus.exceptions.DBusExecutionException;
import org.freedesktop.dbus.interfaces.DBusInterface;
import org.freedesktop.dbus.interfaces.ObjectManager;
import org.freedesktop.dbus.interfaces.Properties;
import org.freedesktop.dbus.messages.Message;
import org.freedesktop.dbus.transport.jre.NativeTransportProvider;
import org.freedesktop.dbus.types.Variant;

/**
 * BlueZ's object model over one D-Bus connection: a cache of {@code org.bluez}'s objects (from
 * {@code GetManagedObjects}, kept current by {@code InterfacesAdded}, {@code InterfacesRemoved} and
 * {@code PropertiesChanged}) and the calls the mapper needs, each with its own timeout. Thread-safe;
 * listeners are called on dbus-java's signal threads and must return quickly.
 */
public final class Bluez implements AutoCloseable {
    public static final String SERVICE = "org.bluez";
    public static final String ADAPTER = "org.bluez.Adapter1";
    public static final String DEVICE = "org.bluez.Device1";
    public static final String SERVICE_IFACE = "org.bluez.GattService1";
    public static final String CHARACTERISTIC = "org.bluez.GattCharacteristic1";
    /** The longest attribute value the ATT protocol allows; anything longer is refused. */
    public static final int MAX_VALUE = 512;

    /** What a session hears about the object tree. */
    public interface Listener {
        /** An object appeared, went away, or a property of it changed (Device1's Connected, ServicesResolved). */
        void objectChanged(String path);

        /** A characteristic's Value changed (a notification). */
        void valueChanged(String characteristicPath, byte[] value);

        /** The bus connection was lost; every device is unreachable until it is opened again. */
        void busLost(String reason);
    }

    private final DBusConnection conn;
    private final String address;
    /** path → interface → properties. Guarded by itself for waits; the maps inside are replaced, never mutated in place. */
    private final Map<String, Map<String, Map<String, Object>>> objects = new HashMap<>();
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private final Map<String, Integer> discovering = new ConcurrentHashMap<>();
    private volatile String lost;

    private Bluez(DBusConnection conn, String address) {
        this.conn = conn;
        this.address = address;
    }

    /**
     * Opens a connection and loads the object tree.
     *
     * @param busAddress a D-Bus address ({@code unix:path=/run/dbus/system_bus_socket}), or "" for the system bus
     * @param timeoutMillis how long to wait for BlueZ's answer to GetManagedObjects
     */
    public static Bluez open(String busAddress, long timeoutMillis) throws BluezException {
        String where = busAddress.isEmpty() ? "the system bus" : busAddress;
        DBusConnection c;
        AtomicReference<Bluez> self = new AtomicReference<>();
        try {
            DBusConnectionBuilder b = busAddress.isEmpty() ? DBusConnectionBuilder.forSystemBus() : DBusConnectionBuilder.forAddress(busAddress);
            // Named here so that the transport is a real dependency (in OSGi: the fragment must be resolved with the
            // core) and looked up where it is, whatever class loader dbus-java would pick by default.
            b.transportConfig().withServiceLoaderClassLoader(NativeTransportProvider.class.getClassLoader());
            // Not shared: dbus-java's shared connections are a JVM-wide cache, and this one is ours to close.
            // One signal thread: BlueZ's signals (device gone, device back, services resolved) must be seen in the order sent.
            b.receivingThreadConfig().withSignalThreadCount(1);
            c = b.withShared(false).withDisconnectCallback(new IDisconnectCallback() {
                @Override
                public void disconnectOnError(IOException e) {
                    Bluez x = self.get();
                    if (x != null) {
                        x.lost("connection lost: " + e.getMessage());
                    }
                }
            }).build();
        } catch (DBusException | RuntimeException e) {
            throw new BluezException(BluezException.Kind.BUS, "cannot connect to D-Bus at " + where + ": " + e.getMessage()
                    + " (is dbus running, and may this user use it?)", "", e);
        } catch (LinkageError e) {
            // dbus-java finds its transport in a static initializer: without one, every use fails with an Error.
            throw new BluezException(BluezException.Kind.BUS, "the D-Bus library cannot be used (" + e
                    + "): is dbus-java's native unix socket transport installed? (feature outpost-mapper-ble installs it)", "", e);
        }
        Bluez b = new Bluez(c, where);
        self.set(b);
        try {
            c.addSigHandler(ObjectManager.InterfacesAdded.class, s -> b.added(s.getSignalSource().getPath(), s.getInterfaces()));
            c.addSigHandler(ObjectManager.InterfacesRemoved.class, s -> b.removed(s.getSignalSource().getPath(), s.getInterfaces()));
            c.addSigHandler(Properties.PropertiesChanged.class, s -> b.changed(s.getPath(), s.getInterfaceName(), s.getPropertiesChanged(),
                    s.getPropertiesRemoved()));
            b.sync(timeoutMillis);
        } catch (DBusException | RuntimeException e) {
            b.close();
            throw new BluezException(BluezException.Kind.BUS, "cannot subscribe to BlueZ's signals on " + where + ": " + e.getMessage(), "", e);
        } catch (BluezException e) {
            b.close();
            throw e;
        }
        return b;
    }

    /** @return whether the connection is still usable */
    public boolean isOpen() {
        return lost == null && conn.isConnected();
    }

    public void addListener(Listener l) {
        listeners.add(l);
    }

    public void removeListener(Listener l) {
        listeners.remove(l);
    }

    /** Reloads the whole object tree (GetManagedObjects on "/"). */
    public void sync(long timeoutMillis) throws BluezException {
        ObjectManager om = remote("/", ObjectManager.class);
        Object reply = call(om, "GetManagedObjects", timeoutMillis, "GetManagedObjects (is bluetoothd running?)");
        Map<String, Map<String, Map<String, Object>>> fresh = new HashMap<>();
        if (reply instanceof Map<?, ?> m) {
            for (Map.Entry<?, ?> e : m.entrySet()) {
                String path = e.getKey() instanceof DBusPath p ? p.getPath() : String.valueOf(e.getKey());
                Map<String, Map<String, Object>> ifaces = new HashMap<>();
                if (e.getValue() instanceof Map<?, ?> im) {
                    for (Map.Entry<?, ?> ie : im.entrySet()) {
                        ifaces.put(String.valueOf(ie.getKey()), unwrap(ie.getValue()));
                    }
                }
                fresh.put(path, ifaces);
            }
        }
        synchronized (objects) {
            objects.clear();
            objects.putAll(fresh);
            objects.notifyAll();
        }
    }

    /** @return the adapters' object paths, sorted (hci0 first) */
    public List<String> adapters() {
        synchronized (objects) {
            return objects.entrySet().stream().filter(e -> e.getValue().containsKey(ADAPTER)).map(Map.Entry::getKey).sorted().toList();
        }
    }

    /** @return the path of the device with this address under the adapter, if BlueZ knows it */
    public Optional<String> findDevice(String adapterPath, String mac) {
        synchronized (objects) {
            return objects.entrySet().stream()
                    .filter(e -> e.getKey().startsWith(adapterPath + "/") && e.getValue().containsKey(DEVICE))
                    .filter(e -> mac.equalsIgnoreCase(String.valueOf(e.getValue().get(DEVICE).get("Address"))))
                    .map(Map.Entry::getKey).findFirst();
        }
    }

    /** @return a property of an object's interface from the cache, or null */
    public Object property(String path, String iface, String name) {
        synchronized (objects) {
            Map<String, Map<String, Object>> o = objects.get(path);
            Map<String, Object> p = o == null ? null : o.get(iface);
            return p == null ? null : p.get(name);
        }
    }

    public boolean exists(String path, String iface) {
        synchronized (objects) {
            Map<String, Map<String, Object>> o = objects.get(path);
            return o != null && o.containsKey(iface);
        }
    }

    /** @return the characteristics under a device: path → UUID (lower case) */
    public Map<String, String> characteristics(String devicePath) {
        Map<String, String> out = new HashMap<>();
        synchronized (objects) {
            objects.forEach((path, ifaces) -> {
                Map<String, Object> c = ifaces.get(CHARACTERISTIC);
                if (c != null && path.startsWith(devicePath + "/")) {
                    out.put(path, String.valueOf(c.get("UUID")).toLowerCase(Locale.ROOT));
                }
            });
        }
        return out;
    }

    /**
     * Waits until a property has a value (a device appears, Connected or ServicesResolved turns true).
     *
     * @return whether it has that value now
     */
    public boolean await(String path, String iface, String name, Object value, long timeoutMillis) throws InterruptedException {
        long end = System.nanoTime() + timeoutMillis * 1_000_000;
        synchronized (objects) {
            while (true) {
                if (value.equals(property(path, iface, name))) {
                    return true;
                }
                long left = (end - System.nanoTime()) / 1_000_000;
                if (left <= 0 || !isOpen()) {
                    return false;
                }
                objects.wait(left);
            }
        }
    }

    /** Waits for a device with this address to appear under the adapter. */
    public Optional<String> awaitDevice(String adapterPath, String mac, long timeoutMillis) throws InterruptedException {
        long end = System.nanoTime() + timeoutMillis * 1_000_000;
        synchronized (objects) {
            while (true) {
                Optional<String> d = findDevice(adapterPath, mac);
                long left = (end - System.nanoTime()) / 1_000_000;
                if (d.isPresent() || left <= 0 || !isOpen()) {
                    return d;
                }
                objects.wait(left);
            }
        }
    }

    /**
     * Starts discovery on an adapter, or joins one this connection already runs. BlueZ keeps
     * discovery per D-Bus client, so sessions on this connection share it: the last to leave stops it.
     */
    public void startDiscovery(String adapterPath, long timeoutMillis) throws BluezException {
        synchronized (discovering) {
            int n = discovering.getOrDefault(adapterPath, 0);
            if (n == 0) {
                Adapter1 a = remote(adapterPath, Adapter1.class);
                try {
                    // Low energy only: classic inquiry would slow discovery and find nothing the mapper can use.
                    call(a, "SetDiscoveryFilter", timeoutMillis, "SetDiscoveryFilter on " + adapterPath, Map.of("Transport", new Variant<>("le")));
                } catch (BluezException e) {
                    // Optional in BlueZ; older versions and some adapters refuse it. Discovery works without it.
                }
                try {
                    call(a, "StartDiscovery", timeoutMillis, "StartDiscovery on " + adapterPath);
                } catch (BluezException e) {
                    if (!e.errorName().endsWith(".InProgress")) {
                        throw e;
                    }
                }
            }
            discovering.put(adapterPath, n + 1);
        }
    }

    /** Leaves discovery; the last session to leave stops it. Never throws. */
    public void stopDiscovery(String adapterPath, long timeoutMillis) {
        synchronized (discovering) {
            int n = discovering.getOrDefault(adapterPath, 0) - 1;
            if (n > 0) {
                discovering.put(adapterPath, n);
                return;
            }
            discovering.remove(adapterPath);
            try {
                call(remote(adapterPath, Adapter1.class), "StopDiscovery", timeoutMillis, "StopDiscovery on " + adapterPath);
            } catch (BluezException e) {
                // Nothing to undo: BlueZ stops a client's discovery by itself when the client leaves.
            }
        }
    }

    public void connect(String devicePath, long timeoutMillis) throws BluezException {
        call(remote(devicePath, Device1.class), "Connect", timeoutMillis, "Connect " + devicePath);
    }

    public void disconnect(String devicePath, long timeoutMillis) throws BluezException {
        call(remote(devicePath, Device1.class), "Disconnect", timeoutMillis, "Disconnect " + devicePath);
    }

    public byte[] read(String charPath, long timeoutMillis) throws BluezException {
        Object v = call(remote(charPath, GattCharacteristic1.class), "ReadValue", timeoutMillis, "ReadValue " + charPath, Map.of());
        byte[] b = bytes(v);
        if (b == null) {
            throw new BluezException(BluezException.Kind.FAILED, "ReadValue " + charPath + " answered " + v + ", not bytes");
        }
        if (b.length > MAX_VALUE) {
            throw new BluezException(BluezException.Kind.FAILED, "ReadValue " + charPath + " answered " + b.length + " bytes; at most "
                    + MAX_VALUE + " are accepted");
        }
        return b;
    }

    /** @param type "request" (with response) or "command" (without) */
    public void write(String charPath, byte[] value, String type, long timeoutMillis) throws BluezException {
        call(remote(charPath, GattCharacteristic1.class), "WriteValue", timeoutMillis, "WriteValue " + charPath, value,
                Map.of("type", new Variant<>(type)));
    }

    public void startNotify(String charPath, long timeoutMillis) throws BluezException {
        call(remote(charPath, GattCharacteristic1.class), "StartNotify", timeoutMillis, "StartNotify " + charPath);
    }

    public void stopNotify(String charPath, long timeoutMillis) throws BluezException {
        call(remote(charPath, GattCharacteristic1.class), "StopNotify", timeoutMillis, "StopNotify " + charPath);
    }

    /** A call with its own timeout: dbus-java's proxies would wait 20 s, longer than any device should take. */
    private Object call(DBusInterface remote, String method, long timeoutMillis, String what, Object... args) throws BluezException {
        if (!isOpen()) {
            throw new BluezException(BluezException.Kind.BUS, "the D-Bus connection to " + address + " is closed" + (lost == null ? "" : ": " + lost));
        }
        DBusAsyncReply<?> reply;
        Message answer;
        try {
            reply = conn.callMethodAsync(remote, method, args);
            answer = reply.getCall().getReply(timeoutMillis);
        } catch (DBusExecutionException e) {
            throw failure(what, "", e.getMessage(), e);
        }
        if (answer == null) {
            throw new BluezException(BluezException.Kind.TIMEOUT, what + ": no answer within " + timeoutMillis + " ms");
        }
        if (answer instanceof org.freedesktop.dbus.messages.Error err) {
            // The error's name is on the message; dbus-java's exception for names it has no class for drops it.
            String text = "";
            try {
                Object[] params = err.getParameters();
                text = params != null && params.length > 0 ? String.valueOf(params[0]) : "";
            } catch (DBusException e) {
                // no text: the name says enough
            }
            throw failure(what, err.getName(), text, null);
        }
        try {
            return reply.getReply();
        } catch (NoReply e) {
            // A method without a return value: dbus-java has nothing to hand back, and that is the answer.
            return null;
        } catch (DBusExecutionException e) {
            throw failure(what, "", e.getMessage(), e);
        } catch (DBusException e) {
            throw new BluezException(BluezException.Kind.FAILED, what + ": " + e.getMessage(), "", e);
        }
    }

    private static BluezException failure(String what, String name, String msg, Throwable cause) {
        String n = name == null ? "" : name;
        String m = msg == null ? "" : msg;
        BluezException.Kind kind = switch (n) {
            case "org.bluez.Error.NotConnected" -> BluezException.Kind.DISCONNECTED;
            case "org.freedesktop.DBus.Error.NoReply", "org.freedesktop.DBus.Error.Timeout" -> BluezException.Kind.TIMEOUT;
            case "org.freedesktop.DBus.Error.ServiceUnknown", "org.freedesktop.DBus.Error.NameHasNoOwner" -> BluezException.Kind.BUS;
            case "org.freedesktop.DBus.Error.UnknownObject", "org.freedesktop.DBus.Error.UnknownMethod" -> BluezException.Kind.NOT_FOUND;
            default -> BluezException.Kind.FAILED;
        };
        String text = n.isEmpty() ? m : m.isEmpty() || m.equals(n) ? n : n + " (" + m + ")";
        return new BluezException(kind, what + ": " + text, n, cause);
    }

    private <T extends DBusInterface> T remote(String path, Class<T> type) throws BluezException {
        try {
            return conn.getRemoteObject(SERVICE, path, type);
        } catch (DBusException | RuntimeException e) {
            throw new BluezException(BluezException.Kind.BUS, "cannot address " + path + " on " + SERVICE + ": " + e.getMessage(), "", e);
        }
    }

    private void added(String path, Map<String, Map<String, Variant<?>>> ifaces) {
        if (!path.startsWith("/org/bluez")) {
            // The system bus carries other services' object managers too.
            return;
        }
        synchronized (objects) {
            Map<String, Map<String, Object>> o = new HashMap<>(objects.getOrDefault(path, Map.of()));
            ifaces.forEach((name, props) -> o.put(name, unwrap(props)));
            objects.put(path, o);
            objects.notifyAll();
        }
        listeners.forEach(l -> l.objectChanged(path));
    }

    private void removed(String path, List<String> ifaces) {
        if (!path.startsWith("/org/bluez")) {
            return;
        }
        synchronized (objects) {
            Map<String, Map<String, Object>> o = new HashMap<>(objects.getOrDefault(path, Map.of()));
            ifaces.forEach(o::remove);
            if (o.isEmpty()) {
                objects.remove(path);
            } else {
                objects.put(path, o);
            }
            objects.notifyAll();
        }
        listeners.forEach(l -> l.objectChanged(path));
    }

    private void changed(String path, String iface, Map<String, Variant<?>> changed, List<String> invalidated) {
        byte[] value = null;
        synchronized (objects) {
            Map<String, Map<String, Object>> o = objects.get(path);
            if (o == null) {
                return;
            }
            Map<String, Object> p = new HashMap<>(o.getOrDefault(iface, Map.of()));
            p.putAll(unwrap(changed));
            invalidated.forEach(p::remove);
            Map<String, Map<String, Object>> copy = new HashMap<>(o);
            copy.put(iface, p);
            objects.put(path, copy);
            objects.notifyAll();
            if (CHARACTERISTIC.equals(iface) && changed.containsKey("Value")) {
                value = bytes(p.get("Value"));
            }
        }
        if (value != null && value.length <= MAX_VALUE) {
            byte[] v = value;
            listeners.forEach(l -> l.valueChanged(path, v));
        } else {
            listeners.forEach(l -> l.objectChanged(path));
        }
    }

    private static Map<String, Object> unwrap(Object props) {
        Map<String, Object> out = new HashMap<>();
        if (props instanceof Map<?, ?> m) {
            m.forEach((k, v) -> out.put(String.valueOf(k), v instanceof Variant<?> var ? var.getValue() : v));
        }
        return out;
    }

    /** ay arrives as byte[] or, inside some containers, as a list of numbers. */
    static byte[] bytes(Object v) {
        if (v instanceof byte[] b) {
            return b;
        }
        if (v instanceof List<?> l) {
            if (l.size() > MAX_VALUE * 2) {
                return null;
            }
            byte[] b = new byte[l.size()];
            for (int i = 0; i < b.length; i++) {
                if (!(l.get(i) instanceof Number n)) {
                    return null;
                }
                b[i] = n.byteValue();
            }
            return b;
        }
        return null;
    }

    /** Called by dbus-java when the bus goes away; sessions hear it and back off. */
    private void lost(String reason) {
        lost = reason;
        synchronized (objects) {
            objects.notifyAll();
        }
        listeners.forEach(l -> l.busLost(reason));
    }

    @Override
    public void close() {
        lost = lost == null ? "closed" : lost;
        try {
            conn.close();
        } catch (IOException | RuntimeException e) {
            // Closing is best effort: the socket goes with the process anyway.
        }
    }

    /** For tests and messages: the adapters and devices BlueZ knows. */
    @Override
    public String toString() {
        List<String> paths;
        synchronized (objects) {
            paths = new ArrayList<>(objects.keySet());
        }
        return "BlueZ on " + address + " " + paths;
    }
}
