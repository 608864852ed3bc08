package io.outpost.mapper.ble.bluez;

import org.freedesktop.dbus.annotations.DBusInterfaceName;
import org.freedesktop.dbus.interfaces.DBusInterface;

/** BlueZ's device interface (doc/org.bluez.Device.rst); its properties are read from the object tree. */
@DBusInterfaceName("org.bluez.Device1")
public interface Device1 extends DBusInterface {
    void Connect();

    void Disconnect();
}
