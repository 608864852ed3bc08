package io.outpost.mapper.modbus;

import com.ghgande.j2mod.modbus.procimg.DigitalIn;
import com.ghgande.j2mod.modbus.procimg.DigitalOut;
import com.ghgande.j2mod.modbus.procimg.InputRegister;
import com.ghgande.j2mod.modbus.procimg.SimpleDigitalIn;
import com.ghgande.j2mod.modbus.procimg.SimpleDigitalOut;
import com.ghgande.j2mod.modbus.procimg.SimpleInputRegister;
import com.ghgande.j2mod.modbus.procimg.SimpleProcessImage;
import com.ghgande.j2mod.modbus.procimg.SimpleRegister;
import com.ghgande.j2mod.modbus.slave.ModbusSlave;
import com.ghgande.j2mod.modbus.slave.ModbusSlaveFactory;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real Modbus TCP server for the tests: j2mod's slave with a process image that counts the
 * read requests it serves (one range lookup per read request), so tests can see batching.
 */
final class ModbusServer implements AutoCloseable {
    /** Counts reads: j2mod asks the image for one range per read request. */
    static final class CountingImage extends SimpleProcessImage {
        final AtomicInteger reads = new AtomicInteger();

        CountingImage(int unit) {
            super(unit);
        }

        @Override
        public synchronized com.ghgande.j2mod.modbus.procimg.Register[] getRegisterRange(int offset, int count) {
            reads.incrementAndGet();
            return super.getRegisterRange(offset, count);
        }

        @Override
        public synchronized InputRegister[] getInputRegisterRange(int offset, int count) {
            reads.incrementAndGet();
            return super.getInputRegisterRange(offset, count);
        }

        @Override
        public synchronized DigitalOut[] getDigitalOutRange(int offset, int count) {
            reads.incrementAndGet();
            return super.getDigitalOutRange(offset, count);
        }

        @Override
        public synchronized DigitalIn[] getDigitalInRange(int offset, int count) {
            reads.incrementAndGet();
            return super.getDigitalInRange(offset, count);
        }
    }

    final int port;
    final CountingImage image;
    private ModbusSlave slave;

    ModbusServer(int port, int unit, int registers) throws Exception {
        this.port = port;
        image = new CountingImage(unit);
        for (int i = 0; i < registers; i++) {
            image.addRegister(new SimpleRegister(0));
            image.addInputRegister(new SimpleInputRegister(0));
            image.addDigitalOut(new SimpleDigitalOut(false));
            image.addDigitalIn(new SimpleDigitalIn(false));
        }
        start();
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    void start() throws Exception {
        slave = ModbusSlaveFactory.createTCPSlave(InetAddress.getLoopbackAddress(), port, 8, false);
        slave.addProcessImage(image.getUnitID(), image);
        slave.open();
    }

    void stop() {
        if (slave != null) {
            ModbusSlaveFactory.close(slave);
            slave = null;
        }
    }

    void holding(int address, int... values) {
        for (int i = 0; i < values.length; i++) {
            image.getRegister(address + i).setValue(values[i]);
        }
    }

    void input(int address, int... values) {
        for (int i = 0; i < values.length; i++) {
            image.setInputRegister(address + i, new SimpleInputRegister(values[i]));
        }
    }

    int holding(int address) {
        return image.getRegister(address).getValue();
    }

    @Override
    public void close() {
        stop();
    }
}
