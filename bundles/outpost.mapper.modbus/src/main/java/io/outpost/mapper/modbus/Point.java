package io.outpost.mapper.modbus;

import io.outpost.mapper.modbus.protocol.DataType;
import io.outpost.twin.api.PropertySpec;

/**
 * One property's place on the device: a visitor's {@code configData} parsed and checked.
 *
 * @param offset the first register or bit, 0-based
 * @param limit how many registers or bits
 * @param scale and valueOffset: value = raw × scale + valueOffset
 */
record Point(PropertySpec property, Register register, int offset, int limit, DataType dataType, double scale, double valueOffset,
        boolean swapBytes, boolean swapRegisters) {
    String name() {
        return property.name();
    }

    int end() {
        return offset + limit;
    }

    String where() {
        return register.kubeName + " " + offset + (limit > 1 ? ".." + (end() - 1) : "") + " (property " + name() + ")";
    }
}
