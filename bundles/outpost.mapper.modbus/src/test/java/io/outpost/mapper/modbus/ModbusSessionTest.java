package io.outpost.mapper.modbus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.outpost.mapper.modbus.protocol.DataType;
import io.outpost.twin.api.AccessMode;
import io.outpost.twin.api.PropertySpec;
import io.outpost.twin.api.PropertyType;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Planning of batched reads and the conversion between registers and twin values. */
class ModbusSessionTest {
    static byte[] hex(String s) {
        return HexFormat.of().parseHex(s.replace(" ", ""));
    }

    static Point point(String name, PropertyType type, Register reg, int offset, DataType dt, int limit, double scale, double valueOffset) {
        PropertySpec p = new PropertySpec(name, type, AccessMode.READ_WRITE, null, null, "", null, 1000, 10000, false, "", null);
        return new Point(p, reg, offset, limit, dt, scale, valueOffset, false, false);
    }

    static Point reg(String name, int offset, DataType dt) {
        return point(name, PropertyType.INT, Register.HOLDING, offset, dt, dt.registers(), 1, 0);
    }

    @Test
    void contiguousRegistersOfOneKindShareARead() {
        List<ModbusSession.Group> g = ModbusSession.plan(List.of(reg("c", 3, DataType.INT32), reg("a", 0, DataType.INT16),
                reg("b", 1, DataType.UINT16), reg("far", 10, DataType.INT16),
                point("in", PropertyType.INT, Register.INPUT, 2, DataType.INT16, 1, 1, 0)), 125);
        assertEquals(4, g.size());
        assertEquals("HoldingRegister 0..1", g.get(0).where());
        assertEquals("HoldingRegister 3..4", g.get(1).where(), "a gap of one register starts a new read");
        assertEquals("HoldingRegister 10..10", g.get(2).where());
        assertEquals("InputRegister 2..2", g.get(3).where(), "another register kind is another read");
    }

    @Test
    void touchingAndOverlappingPointsMergeUpToTheBatchLimit() {
        List<ModbusSession.Group> g = ModbusSession.plan(List.of(reg("a", 0, DataType.FLOAT64), reg("b", 2, DataType.INT32),
                reg("c", 4, DataType.INT16)), 125);
        assertEquals(1, g.size());
        assertEquals(5, g.get(0).count());
        g = ModbusSession.plan(List.of(reg("a", 0, DataType.FLOAT64), reg("b", 4, DataType.FLOAT64)), 6);
        assertEquals(2, g.size(), "maxBatchRegisters splits reads");
    }

    @Test
    void twentyRegistersMakeOneRead() {
        List<Point> pts = new java.util.ArrayList<>();
        for (int i = 0; i < 20; i++) {
            pts.add(reg("r" + i, 100 + i, DataType.UINT16));
        }
        assertEquals(1, ModbusSession.plan(pts, 125).size());
    }

    @Test
    void scaleAndOffsetApplyToReads() {
        Point p = point("t", PropertyType.FLOAT, Register.HOLDING, 0, DataType.INT16, 1, 0.1, -40);
        assertEquals("21.5", ModbusSession.decode(p, hex("0267"), 0));
        Point i = point("n", PropertyType.INT, Register.HOLDING, 5, DataType.UINT16, 1, 1, 0);
        assertEquals("65535", ModbusSession.decode(i, hex("0000 ffff"), 4));
        Point c = point("on", PropertyType.BOOLEAN, Register.COIL, 3, DataType.BOOLEAN, 1, 1, 0);
        assertEquals("true", ModbusSession.decode(c, new byte[] {0, 0, 0, 1}, 0));
    }

    @Test
    void writesUndoScaleAndOffsetAndPickTheFunction() {
        HexFormat h = HexFormat.of();
        Point p = point("t", PropertyType.FLOAT, Register.HOLDING, 7, DataType.INT16, 1, 0.1, -40);
        assertEquals("0600070267", h.formatHex(ModbusSession.encode(p, "21.5")));
        Point f = point("f", PropertyType.FLOAT, Register.HOLDING, 7, DataType.FLOAT32, 2, 1, 0);
        assertEquals("1000070002" + "04" + "41ac0000", h.formatHex(ModbusSession.encode(f, "21.5")));
        Point c = point("on", PropertyType.BOOLEAN, Register.COIL, 3, DataType.BOOLEAN, 1, 1, 0);
        assertEquals("050003ff00", h.formatHex(ModbusSession.encode(c, "true")));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModbusSession.encode(c, "maybe"));
        assertEquals("'maybe' is not a coil state: use true or false", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ModbusSession.encode(p, "9999"));
        assertEquals("100390 is outside int16's range -32768..32767", e.getMessage());
    }
}
