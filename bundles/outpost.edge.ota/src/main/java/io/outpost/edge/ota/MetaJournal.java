package io.outpost.edge.ota;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.outpost.meta.api.MetaStore;
import io.outpost.meta.api.StoredObject;
import io.outpost.ota.api.OtaRecord;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/** The journal and history in the meta store: kind {@code ota} key {@code journal}, kind {@code otahistory}. */
final class MetaJournal implements Journal {
    static final int MAX_HISTORY = 100;
    private static final ObjectMapper JSON = new ObjectMapper();
    private final MetaStore store;

    MetaJournal(MetaStore store) {
        this.store = store;
    }

    @Override
    public void write(JsonNode entry) {
        store.put("ota", "journal", entry, "");
    }

    @Override
    public Optional<JsonNode> read() {
        return store.get("ota", "journal").map(StoredObject::value);
    }

    @Override
    public void clear() {
        store.delete("ota", "journal");
    }

    @Override
    public void record(OtaRecord r) {
        // Keyed by start time, so the listing is in time order; the oldest go beyond the cap.
        store.put("otahistory", String.format("%015d-%s", r.started(), r.rollout()), JSON.valueToTree(r), "");
        List<StoredObject> all = store.list("otahistory");
        for (int i = 0; i < all.size() - MAX_HISTORY; i++) {
            store.delete("otahistory", all.get(i).key());
        }
    }

    @Override
    public List<OtaRecord> history() {
        return store.list("otahistory").stream().map(o -> {
            try {
                return JSON.treeToValue(o.value(), OtaRecord.class);
            } catch (Exception e) {
                return null;
            }
        }).filter(java.util.Objects::nonNull).sorted(Comparator.comparingLong(OtaRecord::started).reversed()).toList();
    }
}
