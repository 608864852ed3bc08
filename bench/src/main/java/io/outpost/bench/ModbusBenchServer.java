package io.outpost.bench;

import com.ghgande.j2mod.modbus.procimg.SimpleProcessImage;
import com.ghgande.j2mod.modbus.procimg.SimpleRegister;
import com.ghgande.j2mod.modbus.slave.ModbusSlave;
import com.ghgande.j2mod.modbus.slave.ModbusSlaveFactory;
import java.net.InetAddress;

/**
 * The Modbus benchmark's server, in its own JVM so that it does not share the driver's heap and
 * threads: j2mod's Modbus TCP slave on loopback, one unit per simulated device (1..N), each with
 * {@code registers} holding registers. Serves until stdin closes.
 *
 * <p>Arguments: port, devices, registers.
 */
public final class ModbusBenchServer {
    private ModbusBenchServer() {
    }

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        int devices = Integer.parseInt(args[1]);
        int registers = Integer.parseInt(args[2]);
        // One handler thread per connection in j2mod: one per device plus a margin.
        ModbusSlave slave = ModbusSlaveFactory.createTCPSlave(InetAddress.getLoopbackAddress(), port, devices + 4, false);
        for (int unit = 1; unit <= devices; unit++) {
            SimpleProcessImage image = new SimpleProcessImage(unit);
            for (int r = 0; r < registers; r++) {
                image.addRegister(new SimpleRegister(unit * 100 + r));
            }
            slave.addProcessImage(unit, image);
        }
        slave.open();
        System.out.println("ready");
        System.out.flush();
        while (System.in.read() >= 0) {
            // serve until the driver goes away
        }
        ModbusSlaveFactory.close(slave);
    }
}
