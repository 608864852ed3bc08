package io.outpost.mapper.ble;

import io.outpost.mapper.api.DeviceListener;
import io.outpost.mapper.api.DeviceSession;
import io.outpost.mapper.api.Mapper;
import io.outpost.mapper.api.MapperException;
import io.outpost.mapper.ble.bluez.Bluez;
import io.outpost.mapper.ble.bluez.BluezException;
import io.outpost.twin.api.DeviceSpec;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The BLE mapper service: devices with {@code spec.protocol.protocolName: ble}. Thin: it checks
 * configurations, owns the one D-Bus connection to BlueZ that all its sessions share (opened on
 * first use, reopened after it breaks) and the one scheduler that reconnects devices.
 */
@Component(service = Mapper.class, configurationPid = BleMapper.PID, property = Mapper.PROTOCOL + "=" + BleMapper.PROTOCOL)
@Designate(ocd = BleMapper.Config.class)
public class BleMapper implements Mapper {
    static final String PROTOCOL = "ble";
    static final String PID = "io.outpost.mapper.ble";

    @ObjectClassDefinition(name = "Outpost BLE mapper", description = "Bluetooth Low Energy devices through BlueZ over D-Bus")
    public @interface Config {
        @AttributeDefinition(name = "D-Bus address", description = "where BlueZ (org.bluez) is; empty for the system bus "
                + "(unix:path=/run/dbus/system_bus_socket)", required = false)
        String busAddress() default "";

        @AttributeDefinition(name = "Bus timeout (ms)", description = "how long to wait for BlueZ's object tree when connecting", min = "100")
        int busTimeout() default 5000;
    }

    private ScheduledExecutorService scheduler;
    private Bus bus;

    public BleMapper() {
    }

    /** For tests: a mapper on a given bus, as if configured so. */
    BleMapper(String busAddress) {
        activate(busAddress, 5000);
    }

    @Activate
    void activate(Config config) {
        activate(config.busAddress().trim(), Math.max(100, config.busTimeout()));
    }

    private void activate(String address, int timeout) {
        scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "outpost-mapper-ble");
            t.setDaemon(true);
            return t;
        });
        bus = new Bus(address, timeout);
    }

    @Deactivate
    void deactivate() {
        // Sessions are closed by the device manager when this service goes; the connection goes with them.
        bus.close();
        scheduler.shutdownNow();
        try {
            scheduler.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public List<String> validate(DeviceSpec device) {
        return BleConfig.parse(device).problems();
    }

    @Override
    public DeviceSession open(DeviceSpec device, DeviceListener listener) throws MapperException {
        BleConfig.Parsed parsed = BleConfig.parse(device);
        if (parsed.config() == null) {
            throw new MapperException(MapperException.Kind.CONFIG, String.join("; ", parsed.problems()));
        }
        return new BleSession(parsed.config(), bus::get, listener, scheduler, System::currentTimeMillis);
    }

    /** The shared connection: opened on first use, opened again after it broke. */
    static final class Bus {
        private final String address;
        private final int timeout;
        private Bluez bluez;
        private boolean closed;

        Bus(String address, int timeout) {
            this.address = address;
            this.timeout = timeout;
        }

        synchronized Bluez get() throws BluezException {
            if (closed) {
                throw new BluezException(BluezException.Kind.BUS, "the BLE mapper is stopping");
            }
            if (bluez == null || !bluez.isOpen()) {
                if (bluez != null) {
                    bluez.close();
                }
                bluez = null;
                bluez = Bluez.open(address, timeout);
            }
            return bluez;
        }

        synchronized void close() {
            closed = true;
            if (bluez != null) {
                bluez.close();
            }
        }
    }
}
