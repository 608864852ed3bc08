package io.outpost.mapper.ble.bluez;

import java.util.Map;
import org.freedesktop.dbus.annotations.DBusInterfaceName;
import org.freedesktop.dbus.interfaces.DBusInterface;
import org.freedesktop.dbus.types.Variant;

/** BlueZ's adapter interface (doc/org.bluez.Adapter.rst): the methods the mapper calls. */
@DBusInterfaceName("org.bluez.Adapter1")
public interface Adapter1 extends DBusInterface {
    void StartDiscovery();

    void StopDiscovery();

    void SetDiscoveryFilter(Map<String, Variant<?>> filter);
}
