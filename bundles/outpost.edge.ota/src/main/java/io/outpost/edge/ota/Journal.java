package io.outpost.edge.ota;

import com.fasterxml.jackson.databind.JsonNode;
import io.outpost.ota.api.OtaRecord;
import java.util.List;
import java.util.Optional;

/**
 * Where the agent writes, before each step, what it is about to do (so that a restart finds a
 * half-done update and puts the gateway back into a consistent state), and the history of
 * finished updates. Backed by the meta store ({@link MetaJournal}); each write is on disk when
 * the method returns.
 */
interface Journal {
    void write(JsonNode entry);

    Optional<JsonNode> read();

    void clear();

    void record(OtaRecord r);

    List<OtaRecord> history();
}
