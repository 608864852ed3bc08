package io.outpost.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.outpost.ota.api.OtaRecord;
import io.outpost.ota.api.Phase;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OtaCommandTest {
    private static OtaRecord rec(String version, Phase phase) {
        return new OtaRecord("default/r-" + version, "rev", "hello", version, "", phase, "done", 0, 0, Map.of("install", 5L));
    }

    private static String run(OtaCommand c) {
        PrintStream old = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            c.execute();
        } finally {
            System.setOut(old);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void theHistoryIsLimitedAndAlignedAsKarafsTables() {
        OtaCommand c = new OtaCommand();
        c.agent = () -> List.of(rec("1.1.0", Phase.Succeeded), rec("1.0.0", Phase.RolledBack));
        c.limit = 1;
        String out = run(c);
        assertTrue(out.contains("Phase") && out.contains("Succeeded"), out);
        assertTrue(!out.contains("RolledBack"), "limited to one: " + out);
    }

    @Test
    void aLimitOutOfRangeSaysWhatIsAllowed() {
        OtaCommand c = new OtaCommand();
        c.agent = List::of;
        for (int bad : new int[] {0, -1, 1001}) {
            c.limit = bad;
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, c::execute);
            assertEquals("--limit must be from 1 to 1000, was " + bad, e.getMessage());
        }
    }

    @Test
    void withoutTheAgentItSaysWhereItRuns() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, new OtaCommand()::execute);
        assertTrue(e.getMessage().contains("feature outpost-ota"));
    }
}
