package io.outpost.edge.localapi;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class TablesTest {
    @Test
    void agesAsKubectlPrintsThem() {
        assertEquals("45s", Tables.shortDuration(Duration.ofSeconds(45)));
        assertEquals("5m30s", Tables.shortDuration(Duration.ofSeconds(330)));
        assertEquals("42m", Tables.shortDuration(Duration.ofMinutes(42)));
        assertEquals("4h5m", Tables.shortDuration(Duration.ofMinutes(245)));
        assertEquals("20h", Tables.shortDuration(Duration.ofHours(20)));
        assertEquals("3d2h", Tables.shortDuration(Duration.ofHours(74)));
        assertEquals("40d", Tables.shortDuration(Duration.ofDays(40)));
    }

    @Test
    void podStatusLikeKubectl() throws Exception {
        ObjectMapper m = new ObjectMapper();
        assertEquals("CrashLoopBackOff", Tables.podStatus(m.readTree(
                "{\"status\":{\"phase\":\"Running\",\"containerStatuses\":[{\"state\":{\"waiting\":{\"reason\":\"CrashLoopBackOff\"}}}]}}")));
        assertEquals("ExitCode:3", Tables.podStatus(m.readTree(
                "{\"status\":{\"phase\":\"Failed\",\"containerStatuses\":[{\"state\":{\"terminated\":{\"exitCode\":3}}}]}}")));
        assertEquals("Terminating", Tables.podStatus(m.readTree(
                "{\"metadata\":{\"deletionTimestamp\":\"2026-01-01T00:00:00Z\"},\"status\":{\"phase\":\"Running\"}}")));
        assertEquals("Pending", Tables.podStatus(m.readTree("{}")));
        assertEquals("OutOfcpu", Tables.podStatus(m.readTree("{\"status\":{\"phase\":\"Failed\",\"reason\":\"OutOfcpu\"}}")));
    }
}
