package io.outpost.devapiserver;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.yaml.snakeyaml.LoaderOptions;

/**
 * Decoding and encoding of request and response bodies.
 *
 * <p>All decoders are capped: documents longer than {@code maxBytes}, nested deeper than
 * {@link #MAX_DEPTH}, or YAML with alias bombs are refused with a 400 before they can use much
 * memory. The body itself is already size-checked when it is read; these limits protect the
 * parsers against small documents that expand.
 */
final class Codec {
    /** Deep enough for CRD schemas (which nest a few dozen levels), far below a stack overflow. */
    static final int MAX_DEPTH = 200;

    private final ObjectMapper json;
    private final ObjectWriter asciiJson;
    private final ObjectReader strictJson;
    private final ObjectReader lenientJson;
    private final ObjectReader yaml;

    Codec(long maxBytes) {
        int cap = (int) Math.min(Integer.MAX_VALUE - 16, Math.max(1024, maxBytes));
        StreamReadConstraints limits = StreamReadConstraints.builder()
                .maxNestingDepth(MAX_DEPTH)
                .maxDocumentLength(cap)
                .maxStringLength(cap)
                .maxNumberLength(1000)
                .build();
        JsonFactory jsonFactory = JsonFactory.builder()
                .streamReadConstraints(limits)
                .enable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
                .build();
        json = new ObjectMapper(jsonFactory)
                .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
        lenientJson = json.reader();
        asciiJson = json.writer().with(JsonWriteFeature.ESCAPE_NON_ASCII);
        strictJson = json.reader().with(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

        LoaderOptions loader = new LoaderOptions();
        loader.setCodePointLimit(cap);
        loader.setMaxAliasesForCollections(20);
        loader.setNestingDepthLimit(MAX_DEPTH);
        loader.setAllowDuplicateKeys(false);
        YAMLFactory yamlFactory = YAMLFactory.builder()
                .loaderOptions(loader)
                .streamReadConstraints(limits)
                .build();
        yaml = new ObjectMapper(yamlFactory).reader();
    }

    /** Parses a JSON body; duplicate keys are an error when {@code strict} is set. */
    JsonNode readJson(byte[] body, boolean strict) throws ApiException {
        try {
            JsonNode node = (strict ? strictJson : lenientJson).readTree(body);
            if (node == null || node.isMissingNode()) {
                throw ApiException.badRequest("the request body is empty, a JSON document was expected");
            }
            return node;
        } catch (JsonProcessingException e) {
            throw ApiException.badRequest("the request body is not valid JSON: " + describe(e));
        } catch (IOException e) {
            throw ApiException.badRequest("the request body could not be read: " + e.getMessage());
        }
    }

    /** Parses a YAML (or JSON, which is YAML) body, as sent with {@code application/apply-patch+yaml}. */
    JsonNode readYaml(byte[] body) throws ApiException {
        try {
            JsonNode node = yaml.readTree(body);
            if (node == null || node.isMissingNode() || node.isNull()) {
                throw ApiException.badRequest("the request body is empty, a YAML document was expected");
            }
            return node;
        } catch (JsonProcessingException e) {
            throw ApiException.badRequest("the request body is not valid YAML: " + describe(e));
        } catch (IOException e) {
            throw ApiException.badRequest("the request body could not be read: " + e.getMessage());
        } catch (RuntimeException e) {
            // SnakeYAML signals some limits (aliases, code points) with unchecked exceptions.
            throw ApiException.badRequest("the request body is not acceptable YAML: " + e.getMessage());
        }
    }

    byte[] write(JsonNode node) {
        try {
            return json.writeValueAsBytes(node);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * One watch event as JSON in plain ASCII (anything else as a {@code \\u} escape, which is
     * the same JSON). fabric8's HTTP watch (7.4) decodes each received buffer on its own and
     * reads the decoder's whole backing array, so a multi-byte character in an event arrives as
     * NUL characters and stops the informer for good; the WebSocket watch it uses against a real
     * API server has no such problem, but this server cannot speak WebSocket (see WatchStreamer).
     */
    byte[] writeAscii(JsonNode node) {
        try {
            return asciiJson.writeValueAsBytes(node);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    byte[] writePretty(JsonNode node) {
        try {
            return json.writerWithDefaultPrettyPrinter().writeValueAsBytes(node);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    String writeString(JsonNode node) {
        try {
            return json.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    ObjectMapper mapper() {
        return json;
    }

    /** The parser's own message with its position, without the source excerpt or a stack. */
    private static String describe(JsonProcessingException e) {
        String message = e.getOriginalMessage();
        if (message != null && message.length() > 300) {
            message = message.substring(0, 300) + "...";
        }
        if (e.getLocation() != null) {
            message += " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")";
        }
        return message;
    }
}
