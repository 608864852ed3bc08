package io.outpost.devapiserver;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The API verbs on stored objects, with the object lifecycle rules a real API server applies:
 * metadata the server owns (uid, timestamps, resourceVersion, generation), optimistic
 * concurrency, status subresources, finalizers and graceful pod deletion, namespace termination,
 * and a few per-kind defaults (service IPs, secret stringData, namespace labels).
 *
 * <p>It knows nothing about HTTP; {@link ApiHandler} translates requests into these calls. Every
 * read-check-write runs inside {@link ObjectStore#write} so it is atomic.
 */
final class ResourceOperations {

    /** Options common to writes. */
    record WriteOptions(boolean dryRun, String fieldManager, boolean force) {
        static final WriteOptions DEFAULT = new WriteOptions(false, "", false);
    }

    /** Options of a delete ({@code DeleteOptions} body and query parameters). */
    record DeleteOptions(boolean dryRun, Long gracePeriodSeconds, String preconditionUid,
            String preconditionResourceVersion) {
        static final DeleteOptions DEFAULT = new DeleteOptions(false, null, null, null);
    }

    /** A page of a list. */
    record ListResult(List<ObjectNode> items, String resourceVersion, String continueToken, Long remaining) {
    }

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final Pattern DNS_SUBDOMAIN =
            Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    private static final String NAME_CHARS = "bcdfghjklmnpqrstvwxz2456789";
    private static final String NAMESPACES = "namespaces";
    private static final List<String> UNDELETABLE_NAMESPACES = List.of("default", "kube-system", "kube-public");

    private final ObjectStore store;
    private final ResourceRegistry registry;
    private final CustomResourceDefinitions crds;
    private final WatchHub hub;
    private final Clock clock;
    private final Random random = new Random();

    ResourceOperations(ObjectStore store, ResourceRegistry registry, CustomResourceDefinitions crds, WatchHub hub,
            Clock clock) {
        this.store = store;
        this.registry = registry;
        this.crds = crds;
        this.hub = hub;
        this.clock = clock;
    }

    // ---- reads -------------------------------------------------------------------------------

    ObjectNode get(ResourceType type, String namespace, String name) throws ApiException {
        ObjectNode o = store.get(type.storageKey(), namespace, name);
        if (o == null) {
            throw ApiException.notFound(type.qualifiedResource(), name);
        }
        return o;
    }

    ListResult list(ResourceType type, String namespace, Selectors.Selector selector, long limit,
            String continueToken) throws ApiException {
        String start = decodeContinue(continueToken);
        return store.read(() -> {
            List<ObjectNode> all = store.list(type.storageKey(), namespace);
            String rv = Long.toString(store.resourceVersion());
            List<ObjectNode> page = new ArrayList<>();
            String lastKey = null;
            long remaining = 0;
            for (ObjectNode o : all) {
                String key = KubeObjects.key(KubeObjects.namespace(o), KubeObjects.name(o));
                if (start != null && key.compareTo(start) <= 0) {
                    continue;
                }
                if (!selector.matches(o)) {
                    continue;
                }
                if (limit > 0 && page.size() >= limit) {
                    remaining++;
                    continue;
                }
                page.add(o);
                lastKey = key;
            }
            String next = remaining > 0 ? encodeContinue(lastKey) : null;
            return new ListResult(page, rv, next, remaining > 0 ? remaining : null);
        });
    }

    // Continue tokens are opaque to clients; this one just names the last key returned.
    private static String encodeContinue(String key) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(("k:" + key).getBytes(StandardCharsets.UTF_8));
    }

    private static String decodeContinue(String token) throws ApiException {
        if (token == null || token.isEmpty()) {
            return null;
        }
        try {
            String text = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
            if (!text.startsWith("k:")) {
                throw new IllegalArgumentException();
            }
            return text.substring(2);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("invalid continue token");
        }
    }

    // ---- create ------------------------------------------------------------------------------

    ObjectNode create(ResourceType type, String namespace, ObjectNode body, WriteOptions options) throws ApiException {
        ObjectNode obj = normalize(type, body);
        ObjectNode meta = KubeObjects.metadata(obj);
        String ns = scopeNamespace(type, namespace, meta);
        String name = meta.path("name").asText("");
        String generateName = meta.path("generateName").asText("");
        if (name.isEmpty() && generateName.isEmpty()) {
            throw ApiException.invalid(type.kind(), "", "metadata.name", "Required value", "name or generateName is required");
        }
        return store.write(() -> {
            String actualName = name;
            if (actualName.isEmpty()) {
                actualName = generateUniqueName(type, ns, generateName);
                meta.put("name", actualName);
            }
            validateName(type, actualName);
            validateMetadataMaps(type, actualName, meta);
            if (type.namespaced()) {
                requireActiveNamespace(type, ns, actualName);
            }
            if (store.get(type.storageKey(), ns, actualName) != null) {
                throw ApiException.alreadyExists(type.qualifiedResource(), actualName);
            }
            String now = KubeObjects.timestamp(clock.instant());
            meta.put("uid", UUID.randomUUID().toString());
            meta.put("creationTimestamp", now);
            meta.remove(List.of("resourceVersion", "deletionTimestamp", "deletionGracePeriodSeconds", "selfLink"));
            if (type.tracksGeneration()) {
                meta.put("generation", 1);
            } else {
                meta.remove("generation");
            }
            if (type.hasStatusSubresource() && !type.keepsStatusOnCreate()) {
                resetStatus(type, obj);
            }
            applyCreateDefaults(type, obj);
            applyWriteDefaults(type, obj, null);
            if (CustomResourceDefinitions.isCrd(type)) {
                crds.prepare(obj, null, now);
            }
            if (options.dryRun()) {
                return obj;
            }
            ObjectNode stored = store.insert(type.storageKey(), obj);
            if (CustomResourceDefinitions.isCrd(type)) {
                crds.serve(stored);
            }
            return stored;
        });
    }

    private String generateUniqueName(ResourceType type, String ns, String prefix) {
        String base = prefix.length() > 58 ? prefix.substring(0, 58) : prefix;
        for (int attempt = 0; attempt < 100; attempt++) {
            StringBuilder name = new StringBuilder(base);
            for (int i = 0; i < 5; i++) {
                name.append(NAME_CHARS.charAt(random.nextInt(NAME_CHARS.length())));
            }
            if (store.get(type.storageKey(), ns, name.toString()) == null) {
                return name.toString();
            }
        }
        return base + UUID.randomUUID().toString().substring(0, 8);
    }

    // ---- update ------------------------------------------------------------------------------

    /** PUT on the object (status kept as stored when the kind has a status subresource). */
    ObjectNode update(ResourceType type, String namespace, String name, ObjectNode body, WriteOptions options)
            throws ApiException {
        ObjectNode incoming = normalize(type, body);
        return store.write(() -> {
            ObjectNode current = get(type, namespace, name);
            return replaceChecked(type, current, incoming, false, options);
        });
    }

    /** PUT on {@code /status}: only the status of the stored object changes. */
    ObjectNode updateStatus(ResourceType type, String namespace, String name, ObjectNode body, WriteOptions options)
            throws ApiException {
        ObjectNode incoming = normalize(type, body);
        return store.write(() -> {
            ObjectNode current = get(type, namespace, name);
            return replaceChecked(type, current, incoming, true, options);
        });
    }

    /** Functional form of a patch: computes the new object from the current one. */
    interface Patcher {
        ObjectNode patch(ObjectNode current) throws ApiException;
    }

    /** PATCH on the object or its status: the patch is applied to the stored object atomically. */
    ObjectNode patch(ResourceType type, String namespace, String name, boolean statusOnly, Patcher patcher,
            WriteOptions options) throws ApiException {
        return store.write(() -> {
            ObjectNode current = get(type, namespace, name);
            ObjectNode patched = patcher.patch(current.deepCopy());
            return replaceChecked(type, current, normalize(type, patched), statusOnly, options);
        });
    }

    /** Server-side apply: creates the object when missing, otherwise merges as the field manager. */
    ObjectNode apply(ResourceType type, String namespace, String name, boolean statusOnly, ObjectNode config,
            WriteOptions options) throws ApiException {
        if (options.fieldManager() == null || options.fieldManager().isEmpty()) {
            throw ApiException.badRequest("fieldManager is required for apply requests");
        }
        ObjectNode applied = normalize(type, config);
        String configName = KubeObjects.name(applied);
        if (configName.isEmpty()) {
            throw ApiException.invalid(type.kind(), name, "metadata.name", "Required value", "name is required for apply");
        }
        if (!configName.equals(name)) {
            throw ApiException.badRequest("the name of the object (" + configName
                    + ") does not match the name on the URL (" + name + ")");
        }
        scopeNamespace(type, namespace, KubeObjects.metadata(applied));
        return store.write(() -> {
            ObjectNode current = store.get(type.storageKey(), namespace, name);
            String now = KubeObjects.timestamp(clock.instant());
            if (current == null) {
                if (statusOnly) {
                    throw ApiException.notFound(type.qualifiedResource(), name);
                }
                ObjectNode created = ServerSideApply.apply(null, applied, options.fieldManager(), type.groupVersion(), "", now);
                return create(type, namespace, created, options);
            }
            ObjectNode config2 = applied;
            if (type.hasStatusSubresource()) {
                config2 = applied.deepCopy();
                if (statusOnly) {
                    ObjectNode only = NODES.objectNode();
                    only.set("apiVersion", config2.get("apiVersion"));
                    only.set("kind", config2.get("kind"));
                    only.set("metadata", config2.get("metadata"));
                    if (config2.has("status")) {
                        only.set("status", config2.get("status"));
                    }
                    config2 = only;
                } else {
                    config2.remove("status");
                }
            }
            ObjectNode merged = ServerSideApply.apply(current, config2, options.fieldManager(), type.groupVersion(),
                    statusOnly ? "status" : "", now);
            return replaceChecked(type, current, merged, statusOnly, options);
        });
    }

    /**
     * The common end of update, patch and apply: checks the resourceVersion precondition, keeps
     * what clients may not change, and stores the result (or deletes it when the last finalizer of
     * an object being deleted was removed). Runs under the store lock.
     */
    private ObjectNode replaceChecked(ResourceType type, ObjectNode current, ObjectNode incoming, boolean statusOnly,
            WriteOptions options) throws ApiException {
        String name = KubeObjects.name(current);
        ObjectNode inMeta = KubeObjects.metadata(incoming);
        String inName = inMeta.path("name").asText("");
        if (!inName.isEmpty() && !inName.equals(name)) {
            throw ApiException.badRequest("the name of the object (" + inName + ") does not match the name on the URL ("
                    + name + ")");
        }
        String inNamespace = inMeta.path("namespace").asText("");
        if (type.namespaced() && !inNamespace.isEmpty() && !inNamespace.equals(KubeObjects.namespace(current))) {
            throw ApiException.badRequest("the namespace of the provided object does not match the namespace sent on the request");
        }
        String rv = inMeta.path("resourceVersion").asText("");
        if (!rv.isEmpty() && !rv.equals(KubeObjects.resourceVersion(current))) {
            throw ApiException.staleResourceVersion(type.qualifiedResource(), name);
        }
        String inUid = inMeta.path("uid").asText("");
        if (!inUid.isEmpty() && !inUid.equals(current.path("metadata").path("uid").asText())) {
            throw ApiException.conflict(type.qualifiedResource(), name, "the UID in the object does not match");
        }

        ObjectNode next;
        if (statusOnly) {
            next = current.deepCopy();
            if (incoming.has("status")) {
                next.set("status", incoming.get("status"));
            } else {
                next.remove("status");
            }
            if (inMeta.has("managedFields")) {
                KubeObjects.metadata(next).set("managedFields", inMeta.get("managedFields"));
            }
        } else {
            next = incoming;
            ObjectNode meta = KubeObjects.metadata(next);
            JsonNode curMeta = current.path("metadata");
            for (String field : List.of("name", "namespace", "uid", "creationTimestamp", "deletionTimestamp",
                    "deletionGracePeriodSeconds", "generation")) {
                if (curMeta.has(field)) {
                    meta.set(field, curMeta.get(field));
                } else {
                    meta.remove(field);
                }
            }
            meta.remove("selfLink");
            if (!meta.has("managedFields") && curMeta.has("managedFields")) {
                meta.set("managedFields", curMeta.get("managedFields"));
            }
            validateMetadataMaps(type, name, meta);
            if (type.hasStatusSubresource()) {
                if (current.has("status")) {
                    next.set("status", current.get("status"));
                } else {
                    next.remove("status");
                }
            }
            applyWriteDefaults(type, next, current);
            if (CustomResourceDefinitions.isCrd(type)) {
                crds.prepare(next, current, KubeObjects.timestamp(clock.instant()));
            }
            if (type.tracksGeneration() && !Patches.jsonEquals(withoutMetaAndStatus(current), withoutMetaAndStatus(next))) {
                meta.put("generation", current.path("metadata").path("generation").asLong(0) + 1);
            }
        }
        KubeObjects.metadata(next).put("resourceVersion", KubeObjects.resourceVersion(current));

        if (KubeObjects.isBeingDeleted(current) && !KubeObjects.hasFinalizers(next) && !isGracefullyTerminatingPod(type, current)) {
            if (options.dryRun()) {
                return next;
            }
            return removeNow(type, current, next);
        }
        if (sameIgnoringBookkeeping(current, next)) {
            return current;
        }
        if (options.dryRun()) {
            return next;
        }
        ObjectNode stored = store.replace(type.storageKey(), next, current);
        if (CustomResourceDefinitions.isCrd(type)) {
            crds.serve(stored);
        }
        return stored;
    }

    private static ObjectNode withoutMetaAndStatus(ObjectNode o) {
        ObjectNode copy = o.deepCopy();
        copy.remove(List.of("metadata", "status", "apiVersion", "kind"));
        return copy;
    }

    /** Writes that change nothing but bookkeeping do not bump the resourceVersion or notify watchers. */
    private static boolean sameIgnoringBookkeeping(ObjectNode a, ObjectNode b) {
        return Patches.jsonEquals(comparable(a), comparable(b));
    }

    private static ObjectNode comparable(ObjectNode o) {
        ObjectNode copy = o.deepCopy();
        copy.remove(List.of("apiVersion", "kind"));
        ObjectNode meta = KubeObjects.metadata(copy);
        meta.remove("resourceVersion");
        for (JsonNode entry : meta.path("managedFields")) {
            if (entry instanceof ObjectNode e) {
                e.remove("time");
            }
        }
        return copy;
    }

    // ---- delete ------------------------------------------------------------------------------

    /** Deletes (or starts deleting) an object; returns its last or current state. */
    ObjectNode delete(ResourceType type, String namespace, String name, DeleteOptions options) throws ApiException {
        return store.write(() -> deleteLocked(type, get(type, namespace, name), options));
    }

    /** Deletes every object of the list that the selector matches; returns what was deleted. */
    List<ObjectNode> deleteCollection(ResourceType type, String namespace, Selectors.Selector selector,
            DeleteOptions options) throws ApiException {
        return store.write(() -> {
            List<ObjectNode> deleted = new ArrayList<>();
            for (ObjectNode o : store.list(type.storageKey(), namespace)) {
                if (selector.matches(o)) {
                    deleted.add(deleteLocked(type, o, new DeleteOptions(options.dryRun(), options.gracePeriodSeconds(),
                            null, null)));
                }
            }
            return deleted;
        });
    }

    private ObjectNode deleteLocked(ResourceType type, ObjectNode current, DeleteOptions options) throws ApiException {
        String name = KubeObjects.name(current);
        JsonNode meta = current.path("metadata");
        if (options.preconditionUid() != null && !options.preconditionUid().equals(meta.path("uid").asText())) {
            throw ApiException.conflict(type.qualifiedResource(), name, "Precondition failed: UID in precondition: "
                    + options.preconditionUid() + ", UID in object meta: " + meta.path("uid").asText());
        }
        if (options.preconditionResourceVersion() != null
                && !options.preconditionResourceVersion().equals(meta.path("resourceVersion").asText())) {
            throw ApiException.conflict(type.qualifiedResource(), name,
                    "Precondition failed: ResourceVersion in precondition: " + options.preconditionResourceVersion()
                            + ", ResourceVersion in object meta: " + meta.path("resourceVersion").asText());
        }
        boolean isNamespace = type.builtin() && type.group().isEmpty() && type.plural().equals(NAMESPACES);
        if (isNamespace && UNDELETABLE_NAMESPACES.contains(name)) {
            throw ApiException.forbidden("namespaces \"" + name + "\" is forbidden: this namespace may not be deleted");
        }
        if (options.dryRun()) {
            return current;
        }
        String now = KubeObjects.timestamp(clock.instant());
        if (isNamespace) {
            return terminateNamespace(current, now);
        }
        if (KubeObjects.hasFinalizers(current)) {
            if (KubeObjects.isBeingDeleted(current)) {
                return current;
            }
            ObjectNode marked = current.deepCopy();
            KubeObjects.metadata(marked).put("deletionTimestamp", now);
            KubeObjects.metadata(marked).put("deletionGracePeriodSeconds", 0);
            return store.replace(type.storageKey(), marked, current);
        }
        Long grace = podGracePeriod(type, current, options);
        if (grace != null && grace > 0) {
            JsonNode existingGrace = meta.get("deletionGracePeriodSeconds");
            if (KubeObjects.isBeingDeleted(current) && existingGrace != null && existingGrace.asLong() <= grace) {
                return current;
            }
            // A pod on a node ends when its node agent confirms (deletes it with grace 0), as with a kubelet.
            ObjectNode marked = current.deepCopy();
            Instant deadline = clock.instant().plusSeconds(grace);
            KubeObjects.metadata(marked).put("deletionTimestamp", KubeObjects.timestamp(deadline));
            KubeObjects.metadata(marked).put("deletionGracePeriodSeconds", grace);
            return store.replace(type.storageKey(), marked, current);
        }
        return removeNow(type, current, current);
    }

    /** Grace period for a pod delete, or null when the object is not a pod running on a node. */
    private static Long podGracePeriod(ResourceType type, ObjectNode pod, DeleteOptions options) {
        if (!isPodType(type)) {
            return null;
        }
        String nodeName = pod.path("spec").path("nodeName").asText("");
        String phase = pod.path("status").path("phase").asText("");
        if (nodeName.isEmpty() || phase.equals("Succeeded") || phase.equals("Failed")) {
            return null;
        }
        if (options.gracePeriodSeconds() != null) {
            return options.gracePeriodSeconds();
        }
        return pod.path("spec").path("terminationGracePeriodSeconds").asLong(30);
    }

    private static boolean isPodType(ResourceType type) {
        return type.builtin() && type.group().isEmpty() && type.plural().equals("pods");
    }

    private static boolean isGracefullyTerminatingPod(ResourceType type, ObjectNode pod) {
        return isPodType(type) && pod.path("metadata").path("deletionGracePeriodSeconds").asLong(0) > 0;
    }

    /** Removes an object now, then does what its removal implies (CRD content, namespace end). */
    private ObjectNode removeNow(ResourceType type, ObjectNode current, ObjectNode lastState) {
        String ns = KubeObjects.namespace(current);
        ObjectNode removed = store.remove(type.storageKey(), ns, KubeObjects.name(current), lastState);
        if (CustomResourceDefinitions.isCrd(type) && removed != null) {
            String contentKey = CustomResourceDefinitions.storageKeyOf(removed);
            for (ObjectNode cr : store.list(contentKey, null)) {
                store.remove(contentKey, KubeObjects.namespace(cr), KubeObjects.name(cr), cr);
            }
            crds.unserve(KubeObjects.name(removed));
            hub.closeResource(contentKey);
        }
        if (type.namespaced() && !ns.isEmpty()) {
            finishNamespaceIfEmpty(ns);
        }
        return removed;
    }

    /**
     * Namespace deletion, standing in for the namespace controller: the namespace turns
     * Terminating, its content is deleted (finalizers and pods on nodes are honoured), and the
     * namespace goes away once it is empty.
     */
    private ObjectNode terminateNamespace(ObjectNode namespace, String now) throws ApiException {
        String name = KubeObjects.name(namespace);
        ObjectNode marked = namespace;
        if (!KubeObjects.isBeingDeleted(namespace)) {
            marked = namespace.deepCopy();
            KubeObjects.metadata(marked).put("deletionTimestamp", now);
            KubeObjects.metadata(marked).put("deletionGracePeriodSeconds", 0);
            KubeObjects.child(marked, "status").put("phase", "Terminating");
            marked = store.replace(NAMESPACES, marked, namespace);
        }
        for (String key : store.storageKeysInNamespace(name)) {
            ResourceType contentType = registry.preferred(key).orElse(null);
            for (ObjectNode o : store.list(key, name)) {
                if (contentType == null) {
                    store.remove(key, name, KubeObjects.name(o), o);
                } else if (!KubeObjects.isBeingDeleted(o)) {
                    deleteLocked(contentType, o, DeleteOptions.DEFAULT);
                }
            }
        }
        ObjectNode gone = finishNamespaceIfEmpty(name);
        return gone != null ? gone : marked;
    }

    private ObjectNode finishNamespaceIfEmpty(String name) {
        ObjectNode ns = store.get(NAMESPACES, "", name);
        if (ns == null || !KubeObjects.isBeingDeleted(ns) || KubeObjects.hasFinalizers(ns)
                || store.namespaceHasObjects(name)) {
            return null;
        }
        return store.remove(NAMESPACES, "", name, ns);
    }

    // ---- pod and scale subresources ----------------------------------------------------------

    /** {@code POST pods/NAME/binding}: what a scheduler does to put a pod on a node. */
    void bind(ResourceType podType, String namespace, String name, ObjectNode binding) throws ApiException {
        String node = binding.path("target").path("name").asText("");
        if (node.isEmpty()) {
            throw ApiException.invalid("Binding", name, "target.name", "Required value", "a node name is required");
        }
        store.write(() -> {
            ObjectNode pod = get(podType, namespace, name);
            String assigned = pod.path("spec").path("nodeName").asText("");
            if (!assigned.isEmpty()) {
                throw ApiException.conflict("pods", name, "pod " + name + " is already assigned to node \"" + assigned + "\"");
            }
            ObjectNode next = pod.deepCopy();
            KubeObjects.child(next, "spec").put("nodeName", node);
            return store.replace(podType.storageKey(), next, pod);
        });
    }

    /** The {@code autoscaling/v1 Scale} view of an object with a scale subresource. */
    ObjectNode getScale(ResourceType type, String namespace, String name) throws ApiException {
        return scaleOf(type, get(type, namespace, name));
    }

    private static ObjectNode scaleOf(ResourceType type, ObjectNode o) {
        ResourceType.ScaleSpec spec = type.scale();
        ObjectNode scale = NODES.objectNode();
        scale.put("kind", "Scale");
        scale.put("apiVersion", "autoscaling/v1");
        ObjectNode meta = scale.putObject("metadata");
        for (String f : List.of("name", "namespace", "uid", "resourceVersion", "creationTimestamp")) {
            if (o.path("metadata").has(f)) {
                meta.set(f, o.path("metadata").get(f));
            }
        }
        JsonNode replicas = KubeObjects.at(o, spec.specReplicasPath());
        scale.putObject("spec").put("replicas", replicas == null ? 0 : replicas.asLong());
        ObjectNode status = scale.putObject("status");
        JsonNode current = KubeObjects.at(o, spec.statusReplicasPath());
        status.put("replicas", current == null ? 0 : current.asLong());
        JsonNode selector = spec.labelSelectorPath().isEmpty() ? null : KubeObjects.at(o, spec.labelSelectorPath());
        if (selector != null && selector.isTextual()) {
            status.put("selector", selector.asText());
        } else if (o.path("spec").path("selector").isObject()) {
            status.put("selector", TablePrinter.formatSelector(o.path("spec").path("selector")).replace("<none>", ""));
        }
        return scale;
    }

    /** Writes {@code spec.replicas} from a Scale object (PUT, or PATCH after the patch was applied). */
    ObjectNode updateScale(ResourceType type, String namespace, String name, ScalePatcher patcher, WriteOptions options)
            throws ApiException {
        return store.write(() -> {
            ObjectNode current = get(type, namespace, name);
            ObjectNode scale = patcher.patch(scaleOf(type, current));
            String rv = scale.path("metadata").path("resourceVersion").asText("");
            if (!rv.isEmpty() && !rv.equals(KubeObjects.resourceVersion(current))) {
                throw ApiException.staleResourceVersion(type.qualifiedResource(), name);
            }
            JsonNode replicas = scale.path("spec").get("replicas");
            if (replicas == null || !replicas.canConvertToLong() || replicas.asLong() < 0) {
                throw ApiException.invalid("Scale", name, "spec.replicas", "Invalid value", "must be a non-negative integer");
            }
            ObjectNode next = current.deepCopy();
            setPath(next, type.scale().specReplicasPath(), NODES.numberNode(replicas.asLong()));
            ObjectNode stored = replaceChecked(type, current, next, false, options);
            return scaleOf(type, stored);
        });
    }

    /** Computes a Scale from the current one. */
    interface ScalePatcher {
        ObjectNode patch(ObjectNode currentScale) throws ApiException;
    }

    private static void setPath(ObjectNode root, String dotted, JsonNode value) {
        String[] parts = dotted.replaceFirst("^\\.", "").split("\\.");
        ObjectNode node = root;
        for (int i = 0; i < parts.length - 1; i++) {
            node = node.get(parts[i]) instanceof ObjectNode child ? child : node.putObject(parts[i]);
        }
        node.set(parts[parts.length - 1], value);
    }

    // ---- validation and defaults -------------------------------------------------------------

    /**
     * A copy of a request object with apiVersion and kind checked against the URL (and filled in
     * when missing), so stored objects always carry them.
     */
    ObjectNode normalize(ResourceType type, JsonNode body) throws ApiException {
        if (!body.isObject()) {
            throw ApiException.badRequest("the request body must be a JSON object, not " + body.getNodeType().name().toLowerCase());
        }
        ObjectNode obj = ((ObjectNode) body).deepCopy();
        String name = obj.path("metadata").path("name").asText("");
        JsonNode apiVersion = obj.get("apiVersion");
        if (apiVersion != null && !apiVersion.isNull() && !apiVersion.asText().isEmpty()) {
            boolean sameGroup = apiVersion.asText().equals(type.groupVersion())
                    || (!type.builtin() && apiVersion.asText().startsWith(type.group() + "/"));
            if (!sameGroup) {
                throw ApiException.invalid(type.kind(), name, "apiVersion", "Invalid value",
                        "\"" + apiVersion.asText() + "\": does not match the expected API version \"" + type.groupVersion() + "\"");
            }
        }
        JsonNode kind = obj.get("kind");
        if (kind != null && !kind.isNull() && !kind.asText().isEmpty() && !kind.asText().equals(type.kind())) {
            throw ApiException.invalid(type.kind(), name, "kind", "Invalid value",
                    "\"" + kind.asText() + "\": does not match the expected kind \"" + type.kind() + "\"");
        }
        JsonNode meta = obj.get("metadata");
        if (meta != null && !meta.isNull() && !meta.isObject()) {
            throw ApiException.badRequest("metadata must be a JSON object");
        }
        obj.put("apiVersion", type.groupVersion());
        obj.put("kind", type.kind());
        return obj;
    }

    /** The namespace an object lives in: from the URL, checked against the body. */
    private static String scopeNamespace(ResourceType type, String pathNamespace, ObjectNode meta) throws ApiException {
        if (!type.namespaced()) {
            meta.remove("namespace");
            return "";
        }
        String bodyNs = meta.path("namespace").asText("");
        if (!bodyNs.isEmpty() && !bodyNs.equals(pathNamespace)) {
            throw ApiException.badRequest("the namespace of the provided object does not match the namespace sent on the request");
        }
        meta.put("namespace", pathNamespace);
        return pathNamespace;
    }

    private static void validateName(ResourceType type, String name) throws ApiException {
        boolean label = type.builtin() && type.group().isEmpty() && type.plural().equals(NAMESPACES);
        boolean ok = label
                ? name.length() <= 63 && DNS_LABEL.matcher(name).matches()
                : name.length() <= 253 && DNS_SUBDOMAIN.matcher(name).matches();
        if (!ok) {
            String rule = label
                    ? "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character"
                    : "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
            throw ApiException.invalid(type.kind(), name, "metadata.name", "Invalid value", "\"" + name + "\": " + rule);
        }
    }

    private static void validateMetadataMaps(ResourceType type, String name, ObjectNode meta) throws ApiException {
        for (String field : List.of("labels", "annotations")) {
            JsonNode map = meta.get(field);
            if (map == null || map.isNull()) {
                continue;
            }
            if (!map.isObject()) {
                throw ApiException.invalid(type.kind(), name, "metadata." + field, "Invalid value", "must be a map of strings");
            }
            Iterator<Map.Entry<String, JsonNode>> it = map.properties().iterator();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!e.getValue().isTextual()) {
                    throw ApiException.invalid(type.kind(), name, "metadata." + field + "." + e.getKey(), "Invalid value",
                            "must be a string");
                }
                if (!Selectors.isQualifiedName(e.getKey())) {
                    throw ApiException.invalid(type.kind(), name, "metadata." + field, "Invalid value",
                            "\"" + e.getKey() + "\": name part must consist of alphanumeric characters, '-', '_' or '.'");
                }
                if (field.equals("labels") && !Selectors.isLabelValue(e.getValue().asText())) {
                    throw ApiException.invalid(type.kind(), name, "metadata.labels", "Invalid value",
                            "\"" + e.getValue().asText() + "\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.'");
                }
            }
        }
        JsonNode finalizers = meta.get("finalizers");
        if (finalizers != null && !finalizers.isNull() && !finalizers.isArray()) {
            throw ApiException.invalid(type.kind(), name, "metadata.finalizers", "Invalid value", "must be a list of strings");
        }
    }

    private void requireActiveNamespace(ResourceType type, String namespace, String name) throws ApiException {
        if (namespace.isEmpty()) {
            throw ApiException.badRequest("a namespace is required for namespaced resources");
        }
        ObjectNode ns = store.get(NAMESPACES, "", namespace);
        if (ns == null) {
            throw ApiException.notFound(NAMESPACES, namespace);
        }
        if (KubeObjects.isBeingDeleted(ns)) {
            throw ApiException.forbidden(type.kind().toLowerCase() + "s \"" + name + "\" is forbidden: unable to create new content in namespace "
                    + namespace + " because it is being terminated");
        }
    }

    private static void resetStatus(ResourceType type, ObjectNode obj) {
        if (!type.builtin()) {
            obj.remove("status");
        } else if (isPodType(type)) {
            obj.putObject("status").put("phase", "Pending");
        } else {
            obj.putObject("status");
        }
    }

    /** Defaults only set when an object is created. */
    private void applyCreateDefaults(ResourceType type, ObjectNode obj) {
        if (!type.builtin()) {
            return;
        }
        String name = KubeObjects.name(obj);
        switch (type.groupVersion() + "/" + type.plural()) {
            case "v1/namespaces": {
                ObjectNode spec = KubeObjects.child(obj, "spec");
                if (!spec.has("finalizers")) {
                    spec.putArray("finalizers").add("kubernetes");
                }
                KubeObjects.child(obj, "status").put("phase", "Active");
                KubeObjects.child(KubeObjects.metadata(obj), "labels").put("kubernetes.io/metadata.name", name);
                break;
            }
            case "v1/services":
                defaultService(obj);
                break;
            case "apps/v1/deployments":
            case "apps/v1/replicasets":
            case "apps/v1/statefulsets": {
                ObjectNode spec = KubeObjects.child(obj, "spec");
                if (!spec.has("replicas")) {
                    spec.put("replicas", 1);
                }
                break;
            }
            default:
                break;
        }
    }

    /** Defaults applied on every write; {@code previous} is null on create. */
    private static void applyWriteDefaults(ResourceType type, ObjectNode obj, ObjectNode previous) {
        if (!type.builtin()) {
            return;
        }
        if (type.groupVersion().equals("v1") && type.plural().equals("secrets")) {
            if (!obj.has("type")) {
                obj.put("type", "Opaque");
            }
            // Like the real server: stringData is write-only and merged into data, base64-encoded.
            JsonNode stringData = obj.remove("stringData");
            if (stringData != null && stringData.isObject()) {
                ObjectNode data = KubeObjects.child(obj, "data");
                stringData.properties().iterator().forEachRemaining(e -> data.put(e.getKey(),
                        Base64.getEncoder().encodeToString(e.getValue().asText().getBytes(StandardCharsets.UTF_8))));
            }
        }
        if (type.groupVersion().equals("v1") && type.plural().equals("services") && previous != null) {
            ObjectNode spec = KubeObjects.child(obj, "spec");
            JsonNode prevSpec = previous.path("spec");
            for (String f : List.of("clusterIP", "clusterIPs")) {
                if (!spec.has(f) && prevSpec.has(f)) {
                    spec.set(f, prevSpec.get(f));
                }
            }
        }
    }

    private void defaultService(ObjectNode svc) {
        ObjectNode spec = KubeObjects.child(svc, "spec");
        String type = spec.path("type").asText("");
        if (type.isEmpty()) {
            type = "ClusterIP";
            spec.put("type", type);
        }
        if (!spec.has("sessionAffinity")) {
            spec.put("sessionAffinity", "None");
        }
        if (!type.equals("ExternalName") && spec.path("clusterIP").asText("").isEmpty()) {
            String ip = allocateClusterIp();
            spec.put("clusterIP", ip);
            spec.putArray("clusterIPs").add(ip);
        }
        boolean nodePorts = type.equals("NodePort") || type.equals("LoadBalancer");
        for (JsonNode p : spec.path("ports")) {
            if (p instanceof ObjectNode port) {
                if (!port.has("protocol")) {
                    port.put("protocol", "TCP");
                }
                if (!port.has("targetPort") && port.has("port")) {
                    port.set("targetPort", port.get("port"));
                }
                if (nodePorts && port.path("nodePort").asInt(0) == 0) {
                    port.put("nodePort", allocateNodePort());
                }
            }
        }
    }

    private String allocateClusterIp() {
        List<String> used = new ArrayList<>();
        for (ObjectNode s : store.list("services", null)) {
            used.add(s.path("spec").path("clusterIP").asText(""));
        }
        for (int i = 10; i < 65000; i++) {
            String ip = "10.96." + (i / 256) + "." + (i % 256);
            if (i % 256 != 0 && i % 256 != 255 && !used.contains(ip)) {
                return ip;
            }
        }
        return "None";
    }

    private int allocateNodePort() {
        List<Integer> used = new ArrayList<>();
        for (ObjectNode s : store.list("services", null)) {
            for (JsonNode p : s.path("spec").path("ports")) {
                used.add(p.path("nodePort").asInt(0));
            }
        }
        for (int port = 30000; port <= 32767; port++) {
            if (!used.contains(port)) {
                return port;
            }
        }
        return 0;
    }

    /** Creates the namespaces every cluster has. */
    void createInitialNamespaces() throws ApiException {
        ResourceType ns = registry.find("", "v1", NAMESPACES).orElseThrow();
        for (String name : List.of("default", "kube-system", "kube-public", "kube-node-lease")) {
            if (store.get(NAMESPACES, "", name) == null) {
                ObjectNode obj = NODES.objectNode();
                obj.putObject("metadata").put("name", name);
                create(ns, "", obj, WriteOptions.DEFAULT);
            }
        }
    }

    /** Re-registers the CRDs found in the store (after loading saved state). */
    void serveStoredCrds() {
        for (ObjectNode crd : store.list(BuiltinResources.CRD_PLURAL + "." + BuiltinResources.CRD_GROUP, null)) {
            crds.serve(crd);
        }
    }

    static ArrayNode emptyArray() {
        return NODES.arrayNode();
    }
}
