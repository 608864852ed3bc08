package io.outpost.devapiserver;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;

/**
 * Reads the protobuf request bodies that kubectl's typed client sends for a few kinds
 * ({@code kubectl create configmap|secret|namespace|serviceaccount|deployment}, and the
 * eviction of {@code kubectl drain}). Responses are always JSON, which those clients accept.
 *
 * <p>Only the fields of the message descriptions below are understood. A body with any other
 * field is refused with 415 rather than stored with data silently missing; JSON (for example
 * {@code kubectl create ... --dry-run=client -o yaml | kubectl apply -f -}) works for everything.
 */
final class ProtobufDecoder {
    static final String CONTENT_TYPE = "application/vnd.kubernetes.protobuf";
    private static final byte[] MAGIC = {'k', '8', 's', 0};
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final int MAX_DEPTH = 64;

    private ProtobufDecoder() {
    }

    private enum Type { STRING, BYTES, INT, BOOL, MESSAGE, MAP_STRING, MAP_BYTES, TIME, INT_OR_STRING, QUANTITY }

    private record Field(String name, Type type, Message message, boolean repeated, boolean keepZero) {
    }

    /** A message description: field numbers to names and types. */
    private static final class Message {
        private final String name;
        private final Map<Integer, Field> fields = new HashMap<>();
        private boolean skipUnknown;

        Message(String name) {
            this.name = name;
        }

        /** For parts the server resets anyway (a status on create): unknown fields are skipped. */
        Message serverOwned() {
            skipUnknown = true;
            return this;
        }

        Message f(int number, String field, Type type) {
            fields.put(number, new Field(field, type, null, false, false));
            return this;
        }

        /** A field whose zero value is meaningful (a pointer in Go), so it is kept. */
        Message z(int number, String field, Type type) {
            fields.put(number, new Field(field, type, null, false, true));
            return this;
        }

        Message list(int number, String field, Type type) {
            fields.put(number, new Field(field, type, null, true, false));
            return this;
        }

        Message m(int number, String field, Message message) {
            fields.put(number, new Field(field, Type.MESSAGE, message, false, false));
            return this;
        }

        Message ms(int number, String field, Message message) {
            fields.put(number, new Field(field, Type.MESSAGE, message, true, false));
            return this;
        }
    }

    // ---- the message descriptions (field numbers of k8s.io/api generated.proto) ---------------

    private static final Message OWNER_REFERENCE = new Message("OwnerReference")
            .f(1, "kind", Type.STRING).f(3, "name", Type.STRING).f(4, "uid", Type.STRING).f(5, "apiVersion", Type.STRING)
            .z(6, "controller", Type.BOOL).z(7, "blockOwnerDeletion", Type.BOOL);
    private static final Message OBJECT_META = new Message("ObjectMeta")
            .f(1, "name", Type.STRING).f(2, "generateName", Type.STRING).f(3, "namespace", Type.STRING).f(4, "selfLink", Type.STRING)
            .f(5, "uid", Type.STRING).f(6, "resourceVersion", Type.STRING).f(7, "generation", Type.INT)
            .f(8, "creationTimestamp", Type.TIME).f(9, "deletionTimestamp", Type.TIME)
            .f(10, "deletionGracePeriodSeconds", Type.INT).f(11, "labels", Type.MAP_STRING)
            .f(12, "annotations", Type.MAP_STRING).ms(13, "ownerReferences", OWNER_REFERENCE)
            .list(14, "finalizers", Type.STRING);
    private static final Message LOCAL_OBJECT_REFERENCE = new Message("LocalObjectReference").f(1, "name", Type.STRING);
    private static final Message OBJECT_REFERENCE = new Message("ObjectReference")
            .f(1, "kind", Type.STRING).f(2, "namespace", Type.STRING).f(3, "name", Type.STRING).f(4, "uid", Type.STRING)
            .f(5, "apiVersion", Type.STRING).f(6, "resourceVersion", Type.STRING).f(7, "fieldPath", Type.STRING);

    private static final Message CONFIG_MAP = new Message("ConfigMap")
            .m(1, "metadata", OBJECT_META).f(2, "data", Type.MAP_STRING).f(3, "binaryData", Type.MAP_BYTES)
            .z(4, "immutable", Type.BOOL);
    private static final Message SECRET = new Message("Secret")
            .m(1, "metadata", OBJECT_META).f(2, "data", Type.MAP_BYTES).f(3, "type", Type.STRING)
            .f(4, "stringData", Type.MAP_STRING).z(5, "immutable", Type.BOOL);
    private static final Message NAMESPACE = new Message("Namespace")
            .m(1, "metadata", OBJECT_META).m(2, "spec", new Message("NamespaceSpec").list(1, "finalizers", Type.STRING))
            .m(3, "status", new Message("NamespaceStatus").serverOwned());
    private static final Message SERVICE_ACCOUNT = new Message("ServiceAccount")
            .m(1, "metadata", OBJECT_META).ms(2, "secrets", OBJECT_REFERENCE)
            .ms(3, "imagePullSecrets", LOCAL_OBJECT_REFERENCE).z(4, "automountServiceAccountToken", Type.BOOL);

    private static final Message LABEL_SELECTOR = new Message("LabelSelector")
            .f(1, "matchLabels", Type.MAP_STRING)
            .ms(2, "matchExpressions", new Message("LabelSelectorRequirement")
                    .f(1, "key", Type.STRING).f(2, "operator", Type.STRING).list(3, "values", Type.STRING));
    private static final Message CONTAINER_PORT = new Message("ContainerPort")
            .f(1, "name", Type.STRING).f(2, "hostPort", Type.INT).f(3, "containerPort", Type.INT)
            .f(4, "protocol", Type.STRING).f(5, "hostIP", Type.STRING);
    private static final Message ENV_VAR = new Message("EnvVar").f(1, "name", Type.STRING).f(2, "value", Type.STRING);
    private static final Message RESOURCES = new Message("ResourceRequirements")
            .f(1, "limits", Type.QUANTITY).f(2, "requests", Type.QUANTITY);
    private static final Message CONTAINER = new Message("Container")
            .f(1, "name", Type.STRING).f(2, "image", Type.STRING).list(3, "command", Type.STRING)
            .list(4, "args", Type.STRING).f(5, "workingDir", Type.STRING).ms(6, "ports", CONTAINER_PORT)
            .ms(7, "env", ENV_VAR).m(8, "resources", RESOURCES).f(13, "terminationMessagePath", Type.STRING)
            .f(14, "imagePullPolicy", Type.STRING).f(16, "stdin", Type.BOOL).f(17, "stdinOnce", Type.BOOL)
            .f(18, "tty", Type.BOOL).f(20, "terminationMessagePolicy", Type.STRING);
    private static final Message POD_SPEC = new Message("PodSpec")
            .ms(2, "containers", CONTAINER).f(3, "restartPolicy", Type.STRING)
            .z(4, "terminationGracePeriodSeconds", Type.INT).f(6, "dnsPolicy", Type.STRING)
            .f(7, "nodeSelector", Type.MAP_STRING).f(8, "serviceAccountName", Type.STRING)
            .f(9, "serviceAccount", Type.STRING).f(10, "nodeName", Type.STRING).f(11, "hostNetwork", Type.BOOL)
            .f(12, "hostPID", Type.BOOL).f(13, "hostIPC", Type.BOOL).ms(15, "imagePullSecrets", LOCAL_OBJECT_REFERENCE)
            .f(16, "hostname", Type.STRING).f(17, "subdomain", Type.STRING).f(19, "schedulerName", Type.STRING)
            .ms(20, "initContainers", CONTAINER).f(24, "priorityClassName", Type.STRING);
    private static final Message POD_TEMPLATE = new Message("PodTemplateSpec")
            .m(1, "metadata", OBJECT_META).m(2, "spec", POD_SPEC);
    private static final Message DEPLOYMENT = new Message("Deployment")
            .m(1, "metadata", OBJECT_META)
            .m(2, "spec", new Message("DeploymentSpec").z(1, "replicas", Type.INT).m(2, "selector", LABEL_SELECTOR)
                    .m(3, "template", POD_TEMPLATE)
                    .m(4, "strategy", new Message("DeploymentStrategy").f(1, "type", Type.STRING))
                    .f(5, "minReadySeconds", Type.INT).z(6, "revisionHistoryLimit", Type.INT)
                    .f(7, "paused", Type.BOOL).z(9, "progressDeadlineSeconds", Type.INT))
            .m(3, "status", new Message("DeploymentStatus").serverOwned());

    private static final Message DELETE_OPTIONS = new Message("DeleteOptions")
            .z(1, "gracePeriodSeconds", Type.INT)
            .m(2, "preconditions", new Message("Preconditions").f(1, "uid", Type.STRING).f(2, "resourceVersion", Type.STRING))
            .z(3, "orphanDependents", Type.BOOL).f(4, "propagationPolicy", Type.STRING).list(5, "dryRun", Type.STRING);
    private static final Message EVICTION = new Message("Eviction")
            .m(1, "metadata", OBJECT_META).m(2, "deleteOptions", DELETE_OPTIONS);

    private static final Map<String, Message> KINDS = Map.of(
            "ConfigMap", CONFIG_MAP, "Secret", SECRET, "Namespace", NAMESPACE, "ServiceAccount", SERVICE_ACCOUNT,
            "Deployment", DEPLOYMENT, "Eviction", EVICTION, "DeleteOptions", DELETE_OPTIONS);

    // ---- decoding ----------------------------------------------------------------------------

    /** Decodes a Kubernetes protobuf envelope into the JSON form of the object. */
    static ObjectNode decode(byte[] body) throws ApiException {
        if (body.length < MAGIC.length || body[0] != MAGIC[0] || body[1] != MAGIC[1] || body[2] != MAGIC[2] || body[3] != MAGIC[3]) {
            throw ApiException.badRequest("the protobuf body does not start with the Kubernetes envelope prefix");
        }
        try {
            Reader envelope = new Reader(body, MAGIC.length, body.length);
            String apiVersion = "";
            String kind = "";
            byte[] raw = null;
            while (envelope.more()) {
                long tag = envelope.varint();
                int number = (int) (tag >>> 3);
                int wire = (int) (tag & 7);
                if (number == 1 && wire == 2) {
                    Reader typeMeta = envelope.sub();
                    while (typeMeta.more()) {
                        long t = typeMeta.varint();
                        if ((t >>> 3) == 1 && (t & 7) == 2) {
                            apiVersion = typeMeta.string();
                        } else if ((t >>> 3) == 2 && (t & 7) == 2) {
                            kind = typeMeta.string();
                        } else {
                            typeMeta.skip((int) (t & 7));
                        }
                    }
                } else if (number == 2 && wire == 2) {
                    raw = envelope.bytes();
                } else {
                    envelope.skip(wire);
                }
            }
            Message message = KINDS.get(kind);
            if (message == null || raw == null) {
                throw unsupported("protobuf bodies of kind \"" + kind + "\" are not understood");
            }
            ObjectNode object = NODES.objectNode();
            if (!apiVersion.isEmpty()) {
                object.put("apiVersion", apiVersion);
            }
            object.put("kind", kind);
            object.setAll(decodeMessage(message, new Reader(raw, 0, raw.length), 0));
            return object;
        } catch (IndexOutOfBoundsException | IllegalStateException e) {
            throw ApiException.badRequest("the protobuf body is malformed");
        }
    }

    private static ObjectNode decodeMessage(Message message, Reader in, int depth) throws ApiException {
        if (depth > MAX_DEPTH) {
            throw ApiException.badRequest("the protobuf body is nested too deeply");
        }
        ObjectNode out = NODES.objectNode();
        while (in.more()) {
            long tag = in.varint();
            int number = (int) (tag >>> 3);
            int wire = (int) (tag & 7);
            Field field = message.fields.get(number);
            if (field == null && message.skipUnknown) {
                in.skip(wire);
                continue;
            }
            if (field == null) {
                throw unsupported("field " + number + " of " + message.name + " in the protobuf body is not understood");
            }
            JsonNode value = readValue(field, wire, in, depth);
            if (value == null) {
                continue;
            }
            if (field.type() == Type.MAP_STRING || field.type() == Type.MAP_BYTES || field.type() == Type.QUANTITY) {
                ObjectNode map = out.get(field.name()) instanceof ObjectNode existing ? existing : out.putObject(field.name());
                map.setAll((ObjectNode) value);
            } else if (field.repeated()) {
                ArrayNode array = out.get(field.name()) instanceof ArrayNode existing ? existing : out.putArray(field.name());
                array.add(value);
            } else if (field.keepZero() || !isZero(value)) {
                out.set(field.name(), value);
            }
        }
        return out;
    }

    /** Go's omitempty: protobuf writes empty strings and zeros that JSON would leave out. */
    private static boolean isZero(JsonNode value) {
        return (value.isTextual() && value.asText().isEmpty()) || (value.isNumber() && value.asLong() == 0)
                || (value.isBoolean() && !value.asBoolean());
    }

    private static JsonNode readValue(Field field, int wire, Reader in, int depth) throws ApiException {
        switch (field.type()) {
            case STRING:
                expect(wire, 2, field);
                return NODES.textNode(in.string());
            case BYTES:
                expect(wire, 2, field);
                return NODES.textNode(Base64.getEncoder().encodeToString(in.bytes()));
            case INT:
                expect(wire, 0, field);
                return NODES.numberNode(in.varint());
            case BOOL:
                expect(wire, 0, field);
                return NODES.booleanNode(in.varint() != 0);
            case MESSAGE:
                expect(wire, 2, field);
                return decodeMessage(field.message(), in.sub(), depth + 1);
            case MAP_STRING:
            case MAP_BYTES:
            case QUANTITY: {
                expect(wire, 2, field);
                Reader entry = in.sub();
                String key = "";
                JsonNode value = NODES.textNode("");
                while (entry.more()) {
                    long t = entry.varint();
                    if ((t >>> 3) == 1 && (t & 7) == 2) {
                        key = entry.string();
                    } else if ((t >>> 3) == 2 && (t & 7) == 2) {
                        if (field.type() == Type.MAP_BYTES) {
                            value = NODES.textNode(Base64.getEncoder().encodeToString(entry.bytes()));
                        } else if (field.type() == Type.QUANTITY) {
                            Reader quantity = entry.sub();
                            String text = "";
                            while (quantity.more()) {
                                long q = quantity.varint();
                                if ((q >>> 3) == 1 && (q & 7) == 2) {
                                    text = quantity.string();
                                } else {
                                    quantity.skip((int) (q & 7));
                                }
                            }
                            value = NODES.textNode(text);
                        } else {
                            value = NODES.textNode(entry.string());
                        }
                    } else {
                        entry.skip((int) (t & 7));
                    }
                }
                ObjectNode single = NODES.objectNode();
                single.set(key, value);
                return single;
            }
            case TIME: {
                expect(wire, 2, field);
                Reader time = in.sub();
                long seconds = 0;
                long nanos = 0;
                while (time.more()) {
                    long t = time.varint();
                    if ((t >>> 3) == 1 && (t & 7) == 0) {
                        seconds = time.varint();
                    } else if ((t >>> 3) == 2 && (t & 7) == 0) {
                        nanos = time.varint();
                    } else {
                        time.skip((int) (t & 7));
                    }
                }
                if (seconds == 0 && nanos == 0) {
                    return null;
                }
                return NODES.textNode(KubeObjects.timestamp(Instant.ofEpochSecond(seconds, nanos)));
            }
            default:
                throw unsupported("field " + field.name() + " has an unsupported type");
        }
    }

    private static void expect(int wire, int expected, Field field) throws ApiException {
        if (wire != expected) {
            throw ApiException.badRequest("protobuf field " + field.name() + " has wire type " + wire + ", expected " + expected);
        }
    }

    private static ApiException unsupported(String why) {
        return ApiException.unsupportedMediaType(CONTENT_TYPE + " (" + why + ")", "application/json, application/yaml");
    }

    /** Protobuf wire-format reading over a byte range; every length is checked against the range. */
    private static final class Reader {
        private final byte[] buf;
        private int pos;
        private final int end;

        Reader(byte[] buf, int from, int to) {
            this.buf = buf;
            this.pos = from;
            this.end = to;
        }

        boolean more() {
            return pos < end;
        }

        long varint() {
            long result = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                if (pos >= end) {
                    throw new IllegalStateException("truncated varint");
                }
                byte b = buf[pos++];
                result |= (long) (b & 0x7f) << shift;
                if ((b & 0x80) == 0) {
                    return result;
                }
            }
            throw new IllegalStateException("varint too long");
        }

        private int length() {
            long n = varint();
            if (n < 0 || n > end - pos) {
                throw new IllegalStateException("length out of range");
            }
            return (int) n;
        }

        byte[] bytes() {
            int n = length();
            byte[] out = java.util.Arrays.copyOfRange(buf, pos, pos + n);
            pos += n;
            return out;
        }

        String string() {
            int n = length();
            String s = new String(buf, pos, n, StandardCharsets.UTF_8);
            pos += n;
            return s;
        }

        Reader sub() {
            int n = length();
            Reader r = new Reader(buf, pos, pos + n);
            pos += n;
            return r;
        }

        void skip(int wire) {
            switch (wire) {
                case 0:
                    varint();
                    break;
                case 1:
                    advance(8);
                    break;
                case 2:
                    advance(length());
                    break;
                case 5:
                    advance(4);
                    break;
                default:
                    throw new IllegalStateException("unsupported wire type " + wire);
            }
        }

        private void advance(int n) {
            if (n > end - pos) {
                throw new IllegalStateException("truncated field");
            }
            pos += n;
        }
    }
}
