package io.outpost.examples.ble;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.freedesktop.dbus.DBusPath;
import org.freedesktop.dbus.annotations.DBusInterfaceName;
import org.freedesktop.dbus.connections.impl.DBusConnection;
import org.freedesktop.dbus.connections.impl.DBusConnectionBuilder;
import org.freedesktop.dbus.exceptions.DBusException;
import org.freedesktop.dbus.interfaces.DBusInterface;
import org.freedesktop.dbus.interfaces.ObjectManager;
import org.freedesktop.dbus.interfaces.Properties;
import org.freedesktop.dbus.types.Variant;

/**
 * A BlueZ stand-in on a private bus: owns {@code org.bluez} and exports BlueZ's object model
 * (ObjectManager on "/", Adapter1 on /org/bluez/hci0, Device1 on …/dev_XX_XX_…, GattService1 and
 * GattCharacteristic1 below it) with BlueZ's signals: InterfacesAdded when discovery finds a device
 * or a connection resolves its services, InterfacesRemoved when they go, PropertiesChanged for
 * Connected, ServicesResolved and notified Values. Its interfaces are declared here, from BlueZ's
 * documentation, independently of the mapper's.
 */
public final class FakeBluez implements AutoCloseable {
    public static final String ADAPTER = "/org/bluez/hci0";

    @DBusInterfaceName("org.bluez.Adapter1")
    public interface Adapter1 extends DBusInterface {
        void StartDiscovery();

        void StopDiscovery();

        void SetDiscoveryFilter(Map<String, Variant<?>> filter);
    }

    @DBusInterfaceName("org.bluez.Device1")
    public interface Device1 extends DBusInterface {
        void Connect();

        void Disconnect();
    }

    @DBusInterfaceName("org.bluez.GattService1")
    public interface GattService1 extends DBusInterface {
    }

    @DBusInterfaceName("org.bluez.GattCharacteristic1")
    public interface GattCharacteristic1 extends DBusInterface {
        byte[] ReadValue(Map<String, Variant<?>> options);

        void WriteValue(byte[] value, Map<String, Variant<?>> options);

        void StartNotify();

        void StopNotify();
    }

    /** How a characteristic answers ReadValue. */
    public enum ReadMode { NORMAL, DISCONNECT, SILENT }

    private final DBusConnection conn;
    /** Exported objects: path → interface → properties. */
    private final Map<String, Map<String, Map<String, Variant<?>>>> tree = new ConcurrentHashMap<>();
    private final Map<String, Dev> devices = new ConcurrentHashMap<>();
    private volatile boolean discovering;
    public final List<String> calls = new CopyOnWriteArrayList<>();

    /** A peripheral: in range or not, and its characteristics (uuid → value). */
    public final class Dev {
        public final String mac;
        final String path;
        public final Map<String, byte[]> values = new LinkedHashMap<>();
        public final Map<String, ReadMode> modes = new ConcurrentHashMap<>();
        public final List<byte[]> writes = new CopyOnWriteArrayList<>();
        volatile boolean inRange = true;
        volatile boolean connected;

        Dev(String mac) {
            this.mac = mac;
            this.path = ADAPTER + "/dev_" + mac.replace(':', '_');
        }

        String charPath(String uuid) {
            int i = new ArrayList<>(values.keySet()).indexOf(uuid);
            return path + "/service0010/char" + String.format("%04x", 0x11 + i * 2);
        }
    }

    public FakeBluez(String address) throws DBusException {
        conn = DBusConnectionBuilder.forAddress(address).withShared(false).build();
        conn.exportObject("/", new Root());
        Map<String, Variant<?>> adapter = new HashMap<>();
        adapter.put("Address", new Variant<>("00:1A:7D:DA:71:13"));
        adapter.put("Powered", new Variant<>(true));
        adapter.put("Discovering", new Variant<>(false));
        tree.put(ADAPTER, new ConcurrentHashMap<>(Map.of("org.bluez.Adapter1", adapter)));
        conn.exportObject(ADAPTER, new Adapter());
        conn.requestBusName("org.bluez");
    }

    /** A device that advertises (is in range) but that BlueZ has not discovered yet. */
    public Dev peripheral(String mac, Map<String, byte[]> characteristics) {
        Dev d = new Dev(mac);
        d.values.putAll(characteristics);
        devices.put(mac, d);
        return d;
    }

    public Dev device(String mac) {
        return devices.get(mac);
    }

    /** The device leaves: the link drops (if any) and BlueZ forgets it. */
    public void goAway(String mac) throws DBusException {
        Dev d = devices.get(mac);
        d.inRange = false;
        drop(d);
        unexport(d.path, List.of("org.bluez.Device1"));
    }

    /** The device advertises again; found at once if discovery runs. */
    public void comeBack(String mac) throws DBusException {
        Dev d = devices.get(mac);
        d.inRange = true;
        if (discovering) {
            exportDevice(d);
        }
    }

    /** A notification: the characteristic's Value changes. */
    public void notifyValue(String mac, String uuid, byte[] value) throws DBusException {
        Dev d = devices.get(mac);
        d.values.put(uuid, value);
        String p = d.charPath(uuid);
        if (tree.containsKey(p)) {
            changed(p, "org.bluez.GattCharacteristic1", Map.of("Value", new Variant<>(value)));
        }
    }

    private void exportDevice(Dev d) throws DBusException {
        if (tree.containsKey(d.path)) {
            return;
        }
        Map<String, Variant<?>> p = new HashMap<>();
        p.put("Address", new Variant<>(d.mac));
        p.put("Name", new Variant<>("fake " + d.mac));
        p.put("Adapter", new Variant<>(new DBusPath(ADAPTER)));
        p.put("Connected", new Variant<>(false));
        p.put("ServicesResolved", new Variant<>(false));
        conn.exportObject(d.path, new Device(d));
        export(d.path, "org.bluez.Device1", p);
    }

    private void export(String path, String iface, Map<String, Variant<?>> props) throws DBusException {
        tree.put(path, new ConcurrentHashMap<>(Map.of(iface, new ConcurrentHashMap<>(props))));
        conn.sendMessage(new ObjectManager.InterfacesAdded("/", new DBusPath(path), Map.of(iface, props)));
    }

    private void unexport(String path, List<String> ifaces) throws DBusException {
        if (tree.remove(path) != null) {
            conn.unExportObject(path);
            conn.sendMessage(new ObjectManager.InterfacesRemoved("/", new DBusPath(path), ifaces));
        }
    }

    private void changed(String path, String iface, Map<String, Variant<?>> props) throws DBusException {
        Map<String, Map<String, Variant<?>>> o = tree.get(path);
        if (o != null) {
            o.get(iface).putAll(props);
        }
        conn.sendMessage(new Properties.PropertiesChanged(path, iface, props, List.of()));
    }

    /** The link goes down: GATT objects go, Connected and ServicesResolved turn false. */
    private void drop(Dev d) throws DBusException {
        if (!d.connected) {
            return;
        }
        d.connected = false;
        for (String uuid : d.values.keySet()) {
            unexport(d.charPath(uuid), List.of("org.bluez.GattCharacteristic1"));
        }
        unexport(d.path + "/service0010", List.of("org.bluez.GattService1"));
        changed(d.path, "org.bluez.Device1", Map.of("ServicesResolved", new Variant<>(false), "Connected", new Variant<>(false)));
    }

    private abstract class Props implements Properties {
        final String path;

        Props(String path) {
            this.path = path;
        }

        @Override
        public String getObjectPath() {
            return path;
        }

        @Override
        @SuppressWarnings("unchecked")
        public <A> A Get(String iface, String name) {
            return (A) GetAll(iface).get(name).getValue();
        }

        @Override
        public <A> void Set(String iface, String name, A value) {
            throw new org.bluez.Error.NotPermitted("read-only in this fake");
        }

        @Override
        public Map<String, Variant<?>> GetAll(String iface) {
            Map<String, Map<String, Variant<?>>> o = tree.get(path);
            return o == null || o.get(iface) == null ? Map.of() : Map.copyOf(o.get(iface));
        }
    }

    public final class Root implements ObjectManager {
        @Override
        public String getObjectPath() {
            return "/";
        }

        @Override
        public Map<DBusPath, Map<String, Map<String, Variant<?>>>> GetManagedObjects() {
            calls.add("GetManagedObjects");
            Map<DBusPath, Map<String, Map<String, Variant<?>>>> out = new HashMap<>();
            tree.forEach((path, ifaces) -> {
                Map<String, Map<String, Variant<?>>> copy = new HashMap<>();
                ifaces.forEach((i, p) -> copy.put(i, Map.copyOf(p)));
                out.put(new DBusPath(path), copy);
            });
            return out;
        }
    }

    public final class Adapter extends Props implements Adapter1 {
        Adapter() {
            super(ADAPTER);
        }

        @Override
        public void StartDiscovery() {
            calls.add("StartDiscovery");
            if (discovering) {
                throw new org.bluez.Error.InProgress("Operation already in progress");
            }
            discovering = true;
            // Advertisements arrive a little later, as over the air.
            Thread t = new Thread(() -> {
                try {
                    Thread.sleep(150);
                    for (Dev d : devices.values()) {
                        if (d.inRange && discovering) {
                            exportDevice(d);
                        }
                    }
                } catch (InterruptedException | DBusException e) {
                    // the test is over
                }
            });
            t.setDaemon(true);
            t.start();
        }

        @Override
        public void StopDiscovery() {
            calls.add("StopDiscovery");
            discovering = false;
        }

        @Override
        public void SetDiscoveryFilter(Map<String, Variant<?>> filter) {
            calls.add("SetDiscoveryFilter " + filter.keySet());
        }
    }

    public final class Device extends Props implements Device1 {
        private final Dev d;

        Device(Dev d) {
            super(d.path);
            this.d = d;
        }

        @Override
        public void Connect() {
            calls.add("Connect " + d.mac);
            if (!d.inRange) {
                throw new org.bluez.Error.Failed("Software caused connection abort");
            }
            if (d.connected) {
                return;
            }
            try {
                d.connected = true;
                changed(d.path, "org.bluez.Device1", Map.of("Connected", new Variant<>(true)));
                Map<String, Variant<?>> svc = new HashMap<>();
                svc.put("UUID", new Variant<>("0000181a-0000-1000-8000-00805f9b34fb"));
                svc.put("Primary", new Variant<>(true));
                svc.put("Device", new Variant<>(new DBusPath(d.path)));
                conn.exportObject(d.path + "/service0010", new Service(d.path + "/service0010"));
                export(d.path + "/service0010", "org.bluez.GattService1", svc);
                for (String uuid : d.values.keySet()) {
                    String p = d.charPath(uuid);
                    Map<String, Variant<?>> c = new HashMap<>();
                    c.put("UUID", new Variant<>(uuid));
                    c.put("Service", new Variant<>(new DBusPath(d.path + "/service0010")));
                    c.put("Flags", new Variant<>(List.of("read", "write", "notify"), "as"));
                    c.put("Notifying", new Variant<>(false));
                    conn.exportObject(p, new Characteristic(d, uuid, p));
                    export(p, "org.bluez.GattCharacteristic1", c);
                }
                changed(d.path, "org.bluez.Device1", Map.of("ServicesResolved", new Variant<>(true)));
            } catch (DBusException e) {
                throw new org.bluez.Error.Failed(e.getMessage());
            }
        }

        @Override
        public void Disconnect() {
            calls.add("Disconnect " + d.mac);
            try {
                drop(d);
            } catch (DBusException e) {
                throw new org.bluez.Error.Failed(e.getMessage());
            }
        }
    }

    public final class Service extends Props implements GattService1 {
        Service(String path) {
            super(path);
        }
    }

    public final class Characteristic extends Props implements GattCharacteristic1 {
        private final Dev d;
        private final String uuid;

        Characteristic(Dev d, String uuid, String path) {
            super(path);
            this.d = d;
            this.uuid = uuid;
        }

        @Override
        public byte[] ReadValue(Map<String, Variant<?>> options) {
            calls.add("ReadValue " + uuid);
            if (!d.connected) {
                throw new org.bluez.Error.Failed("Not connected");
            }
            switch (d.modes.getOrDefault(uuid, ReadMode.NORMAL)) {
                case DISCONNECT -> {
                    // The peripheral drops the link while the read is outstanding, as when it walks out of range.
                    d.modes.remove(uuid);
                    try {
                        drop(d);
                    } catch (DBusException e) {
                        // reported as the failure below anyway
                    }
                    throw new org.bluez.Error.Failed("Not connected");
                }
                case SILENT -> {
                    d.modes.remove(uuid);
                    try {
                        Thread.sleep(3000);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                default -> {
                }
            }
            return d.values.get(uuid);
        }

        @Override
        public void WriteValue(byte[] value, Map<String, Variant<?>> options) {
            calls.add("WriteValue " + uuid + " " + options.get("type").getValue());
            if (!d.connected) {
                throw new org.bluez.Error.Failed("Not connected");
            }
            d.writes.add(value);
            d.values.put(uuid, value);
        }

        @Override
        public void StartNotify() {
            calls.add("StartNotify " + uuid);
            try {
                changed(path, "org.bluez.GattCharacteristic1", Map.of("Notifying", new Variant<>(true)));
            } catch (DBusException e) {
                throw new org.bluez.Error.Failed(e.getMessage());
            }
        }

        @Override
        public void StopNotify() {
            calls.add("StopNotify " + uuid);
        }
    }

    @Override
    public void close() {
        conn.disconnect();
    }
}
