package io.outpost.devapiserver;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A request failure that is reported to the client as a Kubernetes {@code Status} object.
 *
 * <p>Every error path of the server ends up here, so that clients (kubectl, client-go, fabric8)
 * always get a decodable {@code Status} with the HTTP code and {@code reason} they switch on,
 * never an HTML page or a stack trace.
 */
final class ApiException extends Exception {
    private static final long serialVersionUID = 1L;

    private final int code;
    private final String reason;
    private final transient ObjectNode details;

    ApiException(int code, String reason, String message) {
        this(code, reason, message, null);
    }

    ApiException(int code, String reason, String message, ObjectNode details) {
        super(message, null, false, false);
        this.code = code;
        this.reason = reason;
        this.details = details;
    }

    int code() {
        return code;
    }

    String reason() {
        return reason;
    }

    ObjectNode details() {
        return details;
    }

    /** The {@code Status} object a real API server would send for this failure. */
    ObjectNode toStatus() {
        ObjectNode status = JsonNodeFactory.instance.objectNode();
        status.put("kind", "Status");
        status.put("apiVersion", "v1");
        status.putObject("metadata");
        status.put("status", "Failure");
        status.put("message", getMessage());
        status.put("reason", reason);
        if (details != null) {
            status.set("details", details);
        }
        status.put("code", code);
        return status;
    }

    // ---- the failures clients know by reason -------------------------------------------------

    static ApiException notFound(String qualifiedResource, String name) {
        return new ApiException(404, "NotFound",
                qualifiedResource + " \"" + name + "\" not found", details(qualifiedResource, name));
    }

    static ApiException pathNotFound() {
        return new ApiException(404, "NotFound", "the server could not find the requested resource");
    }

    static ApiException alreadyExists(String qualifiedResource, String name) {
        return new ApiException(409, "AlreadyExists",
                qualifiedResource + " \"" + name + "\" already exists", details(qualifiedResource, name));
    }

    static ApiException conflict(String qualifiedResource, String name, String why) {
        return new ApiException(409, "Conflict",
                "Operation cannot be fulfilled on " + qualifiedResource + " \"" + name + "\": " + why,
                details(qualifiedResource, name));
    }

    static ApiException staleResourceVersion(String qualifiedResource, String name) {
        return conflict(qualifiedResource, name,
                "the object has been modified; please apply your changes to the latest version and try again");
    }

    static ApiException badRequest(String message) {
        return new ApiException(400, "BadRequest", message);
    }

    /** 422 with one field cause, in the shape {@code kubectl} prints ("X is invalid: field: reason"). */
    static ApiException invalid(String kind, String name, String field, String causeType, String causeMessage) {
        ObjectNode details = JsonNodeFactory.instance.objectNode();
        details.put("name", name == null ? "" : name);
        details.put("kind", kind);
        ObjectNode cause = details.putArray("causes").addObject();
        cause.put("reason", causeReason(causeType));
        cause.put("message", causeType + ": " + causeMessage);
        cause.put("field", field);
        String message = kind + " \"" + (name == null ? "" : name) + "\" is invalid: " + field + ": "
                + causeType + ": " + causeMessage;
        return new ApiException(422, "Invalid", message, details);
    }

    /** Kubernetes' machine-readable cause reasons for the field error types used here. */
    private static String causeReason(String causeType) {
        switch (causeType) {
            case "Required value":
                return "FieldValueRequired";
            case "Unsupported value":
                return "FieldValueNotSupported";
            case "Forbidden":
                return "FieldValueForbidden";
            default:
                return "FieldValueInvalid";
        }
    }

    static ApiException unprocessable(String message) {
        return new ApiException(422, "Invalid", message);
    }

    static ApiException methodNotAllowed() {
        return new ApiException(405, "MethodNotAllowed", "the server does not allow this method on the requested resource");
    }

    static ApiException tooLarge(long limit) {
        return new ApiException(413, "RequestEntityTooLarge",
                "the request body is larger than the server accepts (" + limit + " bytes)");
    }

    static ApiException unsupportedMediaType(String contentType, String accepted) {
        return new ApiException(415, "UnsupportedMediaType",
                "the body of the request was in an unknown format (" + contentType
                        + ") - accepted media types include: " + accepted);
    }

    static ApiException notAcceptable(String accepted) {
        return new ApiException(406, "NotAcceptable",
                "only the following media types are accepted: " + accepted);
    }

    static ApiException expired(String message) {
        return new ApiException(410, "Expired", message);
    }

    static ApiException forbidden(String message) {
        return new ApiException(403, "Forbidden", message);
    }

    private static ObjectNode details(String qualifiedResource, String name) {
        ObjectNode details = JsonNodeFactory.instance.objectNode();
        details.put("name", name);
        int dot = qualifiedResource.indexOf('.');
        if (dot > 0) {
            details.put("group", qualifiedResource.substring(dot + 1));
            details.put("kind", qualifiedResource.substring(0, dot));
        } else {
            details.put("kind", qualifiedResource);
        }
        return details;
    }
}
