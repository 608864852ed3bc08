package io.outpost.edge.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class VirtualMapperTest {
    private static com.fasterxml.jackson.databind.JsonNode prop(String json) throws Exception {
        return new ObjectMapper().readTree(json.replace('\'', '"'));
    }

    @Test
    void sineStaysBetweenMinAndMax() throws Exception {
        var p = prop("{'name':'t','visitors':{'configData':{'generator':'sine','min':18,'max':24}}}");
        for (long t = 0; t < 60_000; t += 1_000) {
            double v = Double.parseDouble(VirtualMapper.generate(p, t));
            assertTrue(v >= 18 && v <= 24, "value " + v + " at " + t);
        }
    }

    @Test
    void registerReportsTheDesiredValue() throws Exception {
        assertEquals("21.5", VirtualMapper.generate(prop("{'name':'s','desired':{'value':'21.5'},'visitors':{'configData':{'generator':'register'}}}"), 0));
    }
}
