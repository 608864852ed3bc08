package io.outpost.edge.console.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class MetatypeBoundsTest {
    private static ByteArrayInputStream in(String s) {
        return new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void readsMinAndMaxPerOcdAndAttribute() throws Exception {
        // the shape bnd generates from @ObjectClassDefinition / @AttributeDefinition
        String xml = """
                <?xml version="1.0" encoding="UTF-8"?>
                <metatype:MetaData xmlns:metatype="http://www.osgi.org/xmlns/metatype/v1.4.0" localization="OSGI-INF/l10n/x">
                  <OCD id="io.x.Cfg" name="X">
                    <AD id="port" type="Integer" default="8443" min="1" max="65535"/>
                    <AD id="name" type="String" default=""/>
                    <AD id="seconds" type="Integer" min="1"/>
                  </OCD>
                  <Designate pid="io.x"><Object ocdref="io.x.Cfg"/></Designate>
                </metatype:MetaData>""";
        var b = MetatypeBounds.parse(in(xml)).get("io.x.Cfg");
        assertEquals(new MetatypeBounds.Bounds("1", "65535"), b.get("port"));
        assertEquals(new MetatypeBounds.Bounds("1", null), b.get("seconds"));
        assertFalse(b.containsKey("name"));
    }

    @Test
    void refusesDoctypesAndOversizedDocuments() {
        String xxe = "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><MetaData><OCD id=\"&e;\"/></MetaData>";
        assertThrows(java.io.IOException.class, () -> MetatypeBounds.parse(in(xxe)));
        String big = "<MetaData>" + " ".repeat(MetatypeBounds.MAX_XML_BYTES) + "</MetaData>";
        var e = assertThrows(java.io.IOException.class, () -> MetatypeBounds.parse(in(big)));
        assertTrue(e.getMessage().contains("larger than"));
        assertThrows(java.io.IOException.class, () -> MetatypeBounds.parse(in("not xml")));
    }
}
