package io.outpost.mapper.modbus;

import io.outpost.mapper.modbus.protocol.Pdu;
import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

/** KubeEdge's Modbus register kinds ({@code visitors.configData.register}). */
enum Register {
    COIL("CoilRegister", Pdu.READ_COILS, true, true),
    DISCRETE_INPUT("DiscreteInputRegister", Pdu.READ_DISCRETE_INPUTS, true, false),
    HOLDING("HoldingRegister", Pdu.READ_HOLDING_REGISTERS, false, true),
    INPUT("InputRegister", Pdu.READ_INPUT_REGISTERS, false, false);

    final String kubeName;
    final int readFunction;
    final boolean bit;
    final boolean writable;

    Register(String kubeName, int readFunction, boolean bit, boolean writable) {
        this.kubeName = kubeName;
        this.readFunction = readFunction;
        this.bit = bit;
        this.writable = writable;
    }

    /** The most one read may ask for: 2000 bits or 125 registers. */
    int maxRead() {
        return bit ? Pdu.MAX_READ_BITS : Pdu.MAX_READ_REGISTERS;
    }

    static Optional<Register> parse(String name) {
        return Arrays.stream(values()).filter(r -> r.kubeName.equalsIgnoreCase(name)).findFirst();
    }

    static String names() {
        return Arrays.stream(values()).map(r -> r.kubeName).collect(Collectors.joining(", "));
    }
}
