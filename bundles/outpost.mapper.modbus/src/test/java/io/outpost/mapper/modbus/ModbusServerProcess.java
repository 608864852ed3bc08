package io.outpost.mapper.modbus;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * A Modbus TCP server in its own JVM, for tests that need the server to really go away (a
 * stopped in-process j2mod slave keeps its open connections answering). {@link #main} is the
 * child: it serves unit 1 with holding register 0 set to its second argument until stdin closes.
 */
final class ModbusServerProcess implements AutoCloseable {
    private final Process process;

    ModbusServerProcess(int port, int register0) throws Exception {
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        process = new ProcessBuilder(new File(System.getProperty("java.home"), "bin/java").getPath(), "-cp", cp,
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", ModbusServerProcess.class.getName(), Integer.toString(port),
                Integer.toString(register0)).redirectErrorStream(true).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        String line;
        while ((line = out.readLine()) != null && !line.equals("ready")) {
            System.out.println("modbus server: " + line);
        }
        if (line == null) {
            throw new IllegalStateException("the Modbus server process ended before it was ready");
        }
    }

    /** Kills the process: its sockets close as a crashed or rebooted device's would. */
    @Override
    public void close() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    public static void main(String[] args) throws Exception {
        try (ModbusServer server = new ModbusServer(Integer.parseInt(args[0]), 1, 8)) {
            server.holding(0, Integer.parseInt(args[1]));
            System.out.println("ready");
            System.out.flush();
            while (System.in.read() >= 0) {
                // serve until the parent goes away
            }
        }
    }
}
