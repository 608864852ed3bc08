package io.outpost.mapper.opcua.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import org.eclipse.milo.opcua.stack.core.OpcUaDataType;
import org.eclipse.milo.opcua.stack.core.types.builtin.DateTime;
import org.eclipse.milo.opcua.stack.core.types.builtin.LocalizedText;
import org.eclipse.milo.opcua.stack.core.types.builtin.unsigned.UByte;
import org.eclipse.milo.opcua.stack.core.types.builtin.unsigned.UInteger;
import org.eclipse.milo.opcua.stack.core.types.builtin.unsigned.ULong;
import org.eclipse.milo.opcua.stack.core.types.builtin.unsigned.UShort;
import org.junit.jupiter.api.Test;

class ValuesTest {
    @Test
    void valuesBecomePlainText() {
        assertEquals("0.1", Values.text(0.1f), "a float in its shortest form");
        assertEquals("21.5", Values.text(21.5d));
        assertEquals("100000000000000000000", Values.text(1e20), "no exponent");
        assertEquals("0", Values.text(-0.0d));
        assertEquals("NaN", Values.text(Double.NaN));
        assertEquals("true", Values.text(true));
        assertEquals("4294967295", Values.text(UInteger.MAX));
        assertEquals("18446744073709551615", Values.text(ULong.MAX));
        assertEquals("hello", Values.text(LocalizedText.english("hello")));
        assertEquals("2026-01-31T12:00:00Z", Values.text(new DateTime(Instant.parse("2026-01-31T12:00:00Z"))));
        assertEquals("[1, 2, 3]", Values.text(new int[] {1, 2, 3}));
        assertEquals("", Values.text(null));
    }

    @Test
    void textIsParsedIntoTheNodesType() {
        assertEquals(Boolean.TRUE, Values.parse("true", OpcUaDataType.Boolean));
        assertEquals(Boolean.FALSE, Values.parse("0", OpcUaDataType.Boolean));
        assertEquals((byte) -5, Values.parse("-5", OpcUaDataType.SByte));
        assertEquals(UByte.valueOf(255), Values.parse("255", OpcUaDataType.Byte));
        assertEquals((short) -300, Values.parse("-300", OpcUaDataType.Int16));
        assertEquals(UShort.valueOf(65535), Values.parse("65535", OpcUaDataType.UInt16));
        assertEquals(21, Values.parse("21.0", OpcUaDataType.Int32), "a whole number written as a float");
        assertEquals(UInteger.valueOf(4294967295L), Values.parse("4294967295", OpcUaDataType.UInt32));
        assertEquals(Long.MIN_VALUE, Values.parse("-9223372036854775808", OpcUaDataType.Int64));
        assertEquals(ULong.MAX, Values.parse("18446744073709551615", OpcUaDataType.UInt64));
        assertEquals(23.5f, Values.parse("23.5", OpcUaDataType.Float));
        assertEquals(1e-3, Values.parse("0.001", OpcUaDataType.Double));
        assertEquals(" x ", Values.parse(" x ", OpcUaDataType.String), "strings are kept as they are");
        assertEquals(new DateTime(Instant.parse("2026-01-31T12:00:00Z")), Values.parse("2026-01-31T12:00:00Z", OpcUaDataType.DateTime));
    }

    @Test
    void wrongTextSaysWhatTheTypeNeeds() {
        assertTrue(fails("abc", OpcUaDataType.Int32).contains("'abc' is not a whole number, which the node's type Int32 needs"));
        assertTrue(fails("2.5", OpcUaDataType.Int16).contains("not a whole number"));
        assertTrue(fails("70000", OpcUaDataType.UInt16).contains("'70000' is outside UInt16's range 0..65535"));
        assertTrue(fails("-1", OpcUaDataType.UInt64).contains("outside UInt64's range"));
        assertTrue(fails("yes", OpcUaDataType.Boolean).contains("'yes' is not a boolean"));
        assertTrue(fails("NaN", OpcUaDataType.Double).contains("is not a number"));
        assertTrue(fails("1e999", OpcUaDataType.Double).contains("is not a number"));
        assertTrue(fails("tomorrow", OpcUaDataType.DateTime).contains("ISO-8601"));
        assertTrue(fails("x", OpcUaDataType.ExtensionObject).contains("not supported"));
    }

    private static String fails(String text, OpcUaDataType type) {
        return assertThrows(IllegalArgumentException.class, () -> Values.parse(text, type)).getMessage();
    }
}
