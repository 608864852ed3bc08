package io.outpost.edge.console.osgi;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.outpost.edge.console.api.ApiException;
import io.outpost.edge.console.api.Backends;
import io.outpost.ota.api.OtaAgent;
import io.outpost.ota.api.OtaRecord;
import io.outpost.ota.api.Phase;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiPredicate;
import java.util.function.Supplier;
import org.apache.karaf.features.FeaturesService;

/**
 * The OTA page's document, from the OTA agent's history (the same the shell's {@code outpost:ota}
 * shows). The agent keeps only its history; "current" and the per-feature versions are derived
 * from it here so that the agent's API stays as it is.
 */
final class OtaList implements Backends.Ota {
    static final String NOT_INSTALLED = "the OTA agent (feature outpost-ota) is not running on this gateway. Install it on the "
            + "Bundles & features page or with 'feature:install outpost-ota' in the gateway's shell";

    private final Supplier<OtaAgent> agent;
    private final Supplier<FeaturesService> features;

    OtaList(Supplier<OtaAgent> agent, Supplier<FeaturesService> features) {
        this.agent = agent;
        this.features = features;
    }

    @Override
    public ObjectNode ota(int limit) throws ApiException {
        OtaAgent a = agent.get();
        if (a == null) {
            throw new ApiException(503, NOT_INSTALLED);
        }
        FeaturesService fs = features.get();
        return doc(a.history(), limit, fs == null ? null : (name, version) -> installed(fs, name, version));
    }

    private static boolean installed(FeaturesService fs, String name, String version) {
        try {
            return fs.isInstalled(fs.getFeature(name, version));
        } catch (Exception e) {
            return false; // a feature Karaf does not know (any more) is not installed
        }
    }

    /**
     * @param history newest first, as {@link OtaAgent#history()} gives it
     * @param installed tells whether a feature version is installed now; null when Karaf's features service is away
     */
    static ObjectNode doc(List<OtaRecord> history, int limit, BiPredicate<String, String> installed) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        // An update in progress is the newest record that has not ended; older unfinished ones
        // were cut off by a restart and the journal says how they ended.
        Optional<OtaRecord> running = history.stream().findFirst().filter(r -> !r.phase().terminal());
        if (running.isPresent()) {
            o.set("current", record(running.get()));
        } else {
            o.putNull("current");
        }
        // The version of each feature the OTA agent last installed successfully.
        Map<String, ObjectNode> latest = new java.util.TreeMap<>();
        for (OtaRecord r : history) {
            if (r.phase() == Phase.Succeeded) {
                for (Map.Entry<String, String> a : artifacts(r.name(), r.version()).entrySet()) {
                    latest.computeIfAbsent(a.getKey(), k -> JsonNodeFactory.instance.objectNode().put("name", k).put("version", a.getValue())
                            .put("rollout", r.rollout()).put("since", Instant.ofEpochMilli(r.updated()).toString()));
                }
            }
        }
        ArrayNode f = o.putArray("features");
        latest.values().forEach(e -> {
            if (installed != null) {
                e.put("installed", installed.test(e.get("name").asText(), e.get("version").asText()));
            }
            f.add(e);
        });
        ArrayNode h = o.putArray("history");
        history.stream().limit(Math.max(0, limit)).forEach(r -> h.add(record(r)));
        o.put("total", history.size());
        return o;
    }

    /**
     * The agent records a rollout's versions as {@code name=version[,name=version…]} (a rollout may
     * install several features); a plain version belongs to the record's {@code name}.
     *
     * @return feature name to version, in the record's order
     */
    static Map<String, String> artifacts(String name, String versions) {
        Map<String, String> m = new LinkedHashMap<>();
        if (versions == null || versions.isBlank()) {
            return m;
        }
        if (!versions.contains("=")) {
            m.put(name, versions.trim());
            return m;
        }
        for (String part : versions.split(",")) {
            int eq = part.indexOf('=');
            if (eq > 0 && eq < part.length() - 1) {
                m.put(part.substring(0, eq).trim(), part.substring(eq + 1).trim());
            }
        }
        return m;
    }

    static ObjectNode record(OtaRecord r) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("rollout", r.rollout()).put("revision", r.revision()).put("name", r.name()).put("version", r.version())
                .put("previousVersion", r.previousVersion()).put("phase", r.phase().name()).put("terminal", r.phase().terminal())
                .put("reason", r.reason()).put("started", Instant.ofEpochMilli(r.started()).toString())
                .put("updated", Instant.ofEpochMilli(r.updated()).toString());
        ArrayNode arts = o.putArray("artifacts");
        Map<String, String> before = artifacts(r.name(), r.previousVersion());
        artifacts(r.name(), r.version()).forEach((n, v) -> {
            ObjectNode a = arts.addObject().put("name", n).put("version", v);
            if (before.containsKey(n)) {
                a.put("previousVersion", before.get(n));
            }
        });
        ObjectNode m = o.putObject("millis");
        r.millis().forEach(m::put);
        return o;
    }
}
