package io.outpost.mapper.modbus;

import io.outpost.mapper.api.DeviceListener;
import io.outpost.mapper.api.DeviceSession;
import io.outpost.mapper.api.Mapper;
import io.outpost.mapper.api.MapperException;
import io.outpost.mapper.modbus.protocol.RtuTransport;
import io.outpost.mapper.modbus.protocol.TcpTransport;
import io.outpost.mapper.modbus.protocol.Transport;
import io.outpost.twin.api.DeviceSpec;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.osgi.service.component.annotations.Component;

/**
 * The Modbus mapper service: devices with {@code spec.protocol.protocolName: modbus}. Thin: it
 * checks configurations and opens one {@link ModbusSession} per device, each with its own link
 * and no thread of its own (the device manager's poller drives it).
 */
@Component(service = Mapper.class, property = Mapper.PROTOCOL + "=" + ModbusMapper.PROTOCOL)
public class ModbusMapper implements Mapper {
    static final String PROTOCOL = "modbus";
    /** Serial ports in use, by name: devices on one RS-485 bus share its port. Guarded by itself. */
    private final Map<String, SerialBus> buses = new HashMap<>();

    @Override
    public List<String> validate(DeviceSpec device) {
        return DeviceConfig.parse(device).problems();
    }

    @Override
    public DeviceSession open(DeviceSpec device, DeviceListener listener) throws MapperException {
        DeviceConfig.Parsed parsed = DeviceConfig.parse(device);
        if (parsed.config() == null) {
            throw new MapperException(MapperException.Kind.CONFIG, String.join("; ", parsed.problems()));
        }
        DeviceConfig c = parsed.config();
        if (c.tcp()) {
            return new ModbusSession(c, new TcpTransport(c.ip(), c.port(), c.timeoutMillis()), listener, System::currentTimeMillis, () -> { });
        }
        synchronized (buses) {
            SerialBus bus = buses.computeIfAbsent(c.serialPort(), port -> new SerialBus(port, new RtuTransport(new SerialPortLine(c)), buses));
            return new ModbusSession(c, bus.attach(), listener, System::currentTimeMillis, bus::release);
        }
    }
}
