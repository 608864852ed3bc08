package io.outpost.edge.bus.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class TopicsTest {
    @ParameterizedTest(name = "{0} ~ {1} = {2}")
    @CsvSource({
            "a/b, a/b, true", "a/b, a/c, false", "a/+, a/b, true", "a/+, a/b/c, false", "a/+, a, false", "a/+, a/, true",
            "a/#, a, true", "a/#, a/b/c, true", "#, a/b, true", "+/+, a/b, true", "+, a/b, false", "a/b, a, false", "a, a/b, false",
            "'#', '$hw/events/node/n/membership/get', false", "'+/events/#', '$hw/events/x', false",
            "'$hw/events/device/+/+/twin/update', '$hw/events/device/default/t1/twin/update', true",
            "'$hw/events/device/+/+/twin/update', '$hw/events/device/default/t1/twin/update/result', false",
            "'$hw/events/device/+/twin/update', '$hw/events/device/default/t1/twin/update', false",
            "'$hw/#', '$hw/events/x', true"})
    void matching(String filter, String topic, boolean matches) {
        assertEquals(matches, Topics.matches(filter, topic));
    }

    @ParameterizedTest
    @ValueSource(strings = {"a/#/b", "a/b#", "a+/b", "", "a/#/#"})
    void badFilters(String f) {
        assertNotNull(Topics.checkFilter(f));
    }

    @ParameterizedTest
    @ValueSource(strings = {"#", "+", "a/+/b", "a/#", "$hw/events/device/+/+/twin/update", "/", "a//b"})
    void goodFilters(String f) {
        assertNull(Topics.checkFilter(f));
    }

    @ParameterizedTest
    @ValueSource(strings = {"a/+", "a/#", ""})
    void badTopicNames(String t) {
        assertNotNull(Topics.checkName(t));
    }

    @org.junit.jupiter.api.Test
    void tooLong() {
        assertNotNull(Topics.checkName("a".repeat(Topics.MAX_LENGTH + 1)));
        assertNotNull(Topics.checkFilter("a".repeat(Topics.MAX_LENGTH + 1)));
    }
}
