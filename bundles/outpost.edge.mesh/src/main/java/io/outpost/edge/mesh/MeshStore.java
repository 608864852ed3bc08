package io.outpost.edge.mesh;

import com.fasterxml.jackson.databind.JsonNode;
import io.outpost.edge.mesh.table.ServiceTable;
import io.outpost.hub.api.Message;
import io.outpost.hub.api.Operations;
import io.outpost.hub.api.Resource;
import io.outpost.meta.api.MetaStore;
import io.outpost.meta.api.StoredObject;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What the cloud sends the mesh, kept in the meta store (kinds {@code service} and
 * {@code endpointslice}, keys {@code <ns>/<name>}) so the mesh serves the last known services
 * while the cloud is away and after a restart. No OSGi.
 */
final class MeshStore {
    static final String SERVICE = "service";
    static final String ENDPOINT_SLICE = "endpointslice";
    /** Outpost's list of what the cloud sends this node: stored objects it does not name are gone. */
    static final String MESH_LIST = "meshlist";

    private final MetaStore store;

    MeshStore(MetaStore store) {
        this.store = store;
    }

    /**
     * Applies one message from the cloud.
     *
     * @return whether the table needs rebuilding
     * @throws IllegalArgumentException saying what is wrong with the message
     */
    boolean accept(Message m) {
        if (m.isResponse() || Operations.RESPONSE.equals(m.operation()) || Operations.ERROR.equals(m.operation())) {
            return false;
        }
        Resource r = Resource.parse(m.resource());
        if (MESH_LIST.equals(r.type())) {
            return prune(m.content());
        }
        String kind = r.type();
        if (!SERVICE.equals(kind) && !ENDPOINT_SLICE.equals(kind)) {
            throw new IllegalArgumentException("the mesh takes service, endpointslice and meshlist, not '" + kind + "'");
        }
        if (r.namespace().isEmpty() || r.name().isEmpty()) {
            throw new IllegalArgumentException("resource '" + m.resource() + "' must be <namespace>/" + kind + "/<name>");
        }
        String key = r.namespace() + "/" + r.name();
        switch (m.operation()) {
            case Operations.INSERT, Operations.UPDATE -> {
                JsonNode obj = m.content();
                if (!obj.isObject()) {
                    throw new IllegalArgumentException(kind + " " + key + " must be a JSON object");
                }
                store.put(kind, key, obj, m.resourceVersion());
            }
            case Operations.DELETE -> store.delete(kind, key);
            default -> throw new IllegalArgumentException("operation '" + m.operation() + "' is not one of insert, update, delete");
        }
        return true;
    }

    private boolean prune(JsonNode list) {
        boolean changed = false;
        for (String kind : List.of(SERVICE, ENDPOINT_SLICE)) {
            JsonNode keys = list.path(kind);
            if (!keys.isArray()) {
                throw new IllegalArgumentException("meshlist needs an array '" + kind + "' of <namespace>/<name> keys");
            }
            Set<String> named = new HashSet<>();
            keys.forEach(k -> named.add(k.asText()));
            for (StoredObject o : store.list(kind)) {
                if (!named.contains(o.key())) {
                    store.delete(kind, o.key());
                    changed = true;
                }
            }
        }
        return changed;
    }

    ServiceTable table() {
        return ServiceTable.build(store.list(SERVICE).stream().map(StoredObject::value).toList(),
                store.list(ENDPOINT_SLICE).stream().map(StoredObject::value).toList());
    }
}
