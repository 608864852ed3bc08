package io.outpost.examples.modbus;

import com.ghgande.j2mod.modbus.procimg.SimpleDigitalIn;
import com.ghgande.j2mod.modbus.procimg.SimpleDigitalOut;
import com.ghgande.j2mod.modbus.procimg.SimpleInputRegister;
import com.ghgande.j2mod.modbus.procimg.SimpleProcessImage;
import com.ghgande.j2mod.modbus.procimg.SimpleRegister;
import com.ghgande.j2mod.modbus.slave.ModbusSlave;
import com.ghgande.j2mod.modbus.slave.ModbusSlaveFactory;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;

/**
 * A Modbus TCP thermostat (unit 1) with the register map of
 * {@code examples/devices/modbus-thermostat.yaml}: input registers 0–1 temperature (float32,
 * low word first), input register 2 humidity (uint16, tenths of a percent), holding register 10
 * setpoint (int16, tenths of a degree, writable), holding registers 100–107 the model name
 * (ASCII), coil 0 heating (writable), discrete input 0 door contact. The temperature drifts
 * towards the setpoint while heating is on, and away from it otherwise, so a change is visible.
 *
 * <pre>java -cp 'target/outpost-example-modbus-simulator-0.1.0-SNAPSHOT.jar:target/lib/*' \
 *     io.outpost.examples.modbus.ThermostatSimulator [port] [bind address]</pre>
 */
public final class ThermostatSimulator {
    private ThermostatSimulator() {
    }

    public static void main(String[] args) throws Exception {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 5020;
        InetAddress bind = InetAddress.getByName(args.length > 1 ? args[1] : "127.0.0.1");
        SimpleProcessImage image = new SimpleProcessImage(1);
        SimpleInputRegister tLow = new SimpleInputRegister(0);
        SimpleInputRegister tHigh = new SimpleInputRegister(0);
        SimpleInputRegister humidity = new SimpleInputRegister(455);
        image.addInputRegister(tLow);
        image.addInputRegister(tHigh);
        image.addInputRegister(humidity);
        for (int r = 0; r < 10; r++) {
            image.addRegister(new SimpleRegister(0));
        }
        SimpleRegister setpoint = new SimpleRegister(215);
        image.addRegister(setpoint);
        for (int r = 11; r < 100; r++) {
            image.addRegister(new SimpleRegister(0));
        }
        byte[] name = "OUTPOST-T1".getBytes(StandardCharsets.US_ASCII);
        for (int r = 0; r < 8; r++) {
            int hi = 2 * r < name.length ? name[2 * r] : 0;
            int lo = 2 * r + 1 < name.length ? name[2 * r + 1] : 0;
            image.addRegister(new SimpleRegister((hi << 8) | lo));
        }
        SimpleDigitalOut heating = new SimpleDigitalOut(false);
        image.addDigitalOut(heating);
        image.addDigitalIn(new SimpleDigitalIn(false));
        ModbusSlave slave = ModbusSlaveFactory.createTCPSlave(bind, port, 8, false);
        slave.addProcessImage(1, image);
        slave.open();
        System.out.println("Modbus thermostat simulator on " + bind.getHostAddress() + ":" + port + " (unit 1)");
        double t = 19.0;
        while (true) {
            double target = setpoint.getValue() / 10.0;
            t += heating.isSet() ? Math.min(0.2, Math.max(-0.2, target - t)) : -0.02;
            t += (Math.random() - 0.5) * 0.05;
            int bits = Float.floatToIntBits((float) t);
            tLow.setValue(bits & 0xffff);
            tHigh.setValue(bits >>> 16);
            Thread.sleep(500);
        }
    }
}
