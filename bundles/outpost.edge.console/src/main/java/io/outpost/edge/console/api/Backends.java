package io.outpost.edge.console.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.outpost.edge.console.config.ComponentDef;
import io.outpost.pod.api.ContainerLog;
import io.outpost.pod.api.EdgePods;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

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

        /**
         * Replaces the installed version of a feature by a newer one from the gateway's
         * repositories, in one resolution (Karaf's upgrade option).
         *
         * @param version the version wanted, or empty for the newest one available offline
         * @return the version installed now
         * @throws ApiException 409 with Karaf's reason when it is refused or fails (the old version
         *     stays), when the feature is not installed or nothing newer is available; 404 unknown
         */
        String update(String name, String version) throws ApiException;
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

    /** The devices of this gateway and their twins. */
    public interface Devices {
        ArrayNode list() throws ApiException;

        /**
         * @return {@code {id, namespace, name, model, protocol, state, reason, lastOnline, problems,
         *     twins: [{property, type, access, minimum?, maximum?, unit, desired?, reported?}]}}; 404
         *     when the device is not on this gateway
         */
        ObjectNode device(String namespace, String name) throws ApiException;

        /**
         * Sets a property's desired value, checked against the device's model first (a property
         * of the device, writable, of its type and in its range).
         *
         * @return the device document after the change
         * @throws ApiException 422 with the reason when the value is refused, 404 for an unknown
         *     device or property
         */
        ObjectNode setDesired(String namespace, String name, String property, String value) throws ApiException;

        /**
         * Calls the listener with {@code (namespace, name)} whenever a device's twins or state
         * change, on the twin's thread (the listener must not block).
         *
         * @return closes the subscription
         */
        AutoCloseable onChange(BiConsumer<String, String> listener);
    }

    /** The pods of this gateway (the pod manager, feature outpost-pods). */
    public interface Pods {
        /** @return {@code [{namespace, name, uid, ready, readyContainers, containers, status, restarts, created, ip}]} */
        ArrayNode list() throws ApiException;

        /** @return one pod: the list's fields plus {@code pod}, the whole Pod with the gateway's status; 404 if unknown */
        ObjectNode pod(String namespace, String name) throws ApiException;

        /**
         * Opens a container's log (see {@link EdgePods#log}).
         *
         * @throws ApiException 404 for an unknown pod, container or missing log, 400 when the pod
         *     has several containers and none is named
         */
        ContainerLog log(String namespace, String name, String container, boolean previous) throws ApiException;
    }

    /** The gateway's OTA agent (feature outpost-ota): the updates it ran and the one running. */
    public interface Ota {
        /**
         * @param limit most history entries returned, newest first
         * @return {@code {current: record|null, features: [{name, version, rollout, since, installed?}], history: [record],
         *     total}}; a record is {@code {rollout, revision, name, version, previousVersion, phase, terminal, reason, started,
         *     updated, millis}} (see docs/console-api.md)
         * @throws ApiException 503 when the OTA agent is not running
         */
        ObjectNode ota(int limit) throws ApiException;
    }
}
