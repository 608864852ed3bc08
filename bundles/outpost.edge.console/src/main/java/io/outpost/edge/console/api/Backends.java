package io.outpost.edge.console.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.outpost.edge.console.config.ComponentDef;
import java.util.List;
import java.util.Map;

/**
 * What the console's API reads and changes, behind interfaces so that the HTTP side has no OSGi
 * imports and can be tested on its own. Every method may throw {@link ApiException}, typically
 * 503 when the service behind it is not running.
 */
public final class Backends {
    private Backends() {
    }

    /** Node, link and system status. */
    public interface Status {
        /** @return the status document (see docs/console-api.md); never fails, parts may carry an "error" */
        ObjectNode status();
    }

    /** The OSGi framework's bundles. */
    public interface Bundles {
        ArrayNode list() throws ApiException;

        void start(long id) throws ApiException;

        void stop(long id) throws ApiException;
    }

    /** Karaf's features. */
    public interface Features {
        ArrayNode list() throws ApiException;

        void install(String name, String version) throws ApiException;

        void uninstall(String name, String version) throws ApiException;
    }

    /** Configurable components: Metatype definitions and ConfigAdmin values. */
    public interface Settings {
        /** @return every pid with a Metatype OCD, sorted by pid */
        List<ComponentDef> components() throws ApiException;

        /** @return the current configuration of the pid, or an empty map when it has none */
        Map<String, Object> values(String pid) throws ApiException;

        /**
         * Changes settings of a pid: each entry replaces the key; a null value removes it.
         * Keys not named are left as they are.
         */
        void apply(String pid, Map<String, Object> changes) throws ApiException;
    }

    /** The devices of this gateway. */
    public interface Devices {
        ArrayNode list() throws ApiException;
    }
}
