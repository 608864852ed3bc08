package io.outpost.shell;

import io.outpost.ota.api.OtaAgent;
import io.outpost.ota.api.OtaRecord;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.table.ShellTable;

/** OTA history of this gateway. */
@Service
@Command(scope = "outpost", name = "ota", description = "Shows the OTA updates this gateway ran, newest first (on the gateway).")
public class OtaCommand implements Action {
    @Option(name = "--limit", aliases = "-n", description = "most entries shown (default 20; 1 to 1000)")
    int limit = 20;

    @Reference(optional = true)
    OtaAgent agent;

    @Override
    public Object execute() {
        if (agent == null) {
            throw new IllegalArgumentException("this command runs on a gateway with the OTA agent (feature outpost-ota)");
        }
        if (limit < 1 || limit > 1000) {
            throw new IllegalArgumentException("--limit must be from 1 to 1000, was " + limit);
        }
        List<OtaRecord> all = agent.history();
        ShellTable t = new ShellTable();
        t.column("Started");
        t.column("Rollout");
        t.column("Versions");
        t.column("Previous");
        t.column("Phase");
        t.column("Took (ms)");
        t.column("Reason").maxSize(100);
        for (OtaRecord r : all.subList(0, Math.min(limit, all.size()))) {
            t.addRow().addContent(Instant.ofEpochMilli(r.started()).truncatedTo(ChronoUnit.SECONDS).toString(), r.rollout(), r.version(),
                    r.previousVersion(), r.phase().name(), r.millis().isEmpty() ? "" : r.millis().toString().replaceAll("[{}]", ""), r.reason());
        }
        t.print(System.out);
        return null;
    }
}
