package io.outpost.runtime.api;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a pod sandbox is created from (CRI {@code PodSandboxConfig}). The metadata (name, uid,
 * namespace, attempt) identifies the sandbox; the runtime names it after them.
 *
 * @param name the pod's name; not blank
 * @param uid the pod's uid; not blank
 * @param namespace the pod's namespace; not blank
 * @param attempt how many sandboxes were created for this pod before, from 0
 * @param hostname the hostname inside the pod; empty for the runtime's default (ignored with
 *     host network)
 * @param logDirectory absolute host directory for the containers' logs ({@code
 *     /var/log/pods/<ns>_<name>_<uid>} in a kubelet); empty for no logs
 * @param dns resolver configuration for the pod, or {@code null} for the host's
 * @param portMappings host ports forwarded into the pod
 * @param labels labels to find the sandbox by (the pod manager's own keys)
 * @param annotations opaque values returned unchanged in the status
 * @param hostNetwork run in the host's network namespace instead of a pod network
 * @since 0.1.0
 */
public record PodSandboxConfig(
        String name,
        String uid,
        String namespace,
        int attempt,
        String hostname,
        String logDirectory,
        Dns dns,
        List<PortMapping> portMappings,
        Map<String, String> labels,
        Map<String, String> annotations,
        boolean hostNetwork) {

    public PodSandboxConfig {
        Copies.require(name, "name");
        Copies.require(uid, "uid");
        Copies.require(namespace, "namespace");
        if (attempt < 0) {
            throw new IllegalArgumentException("attempt must be >= 0, was " + attempt);
        }
        hostname = Copies.orEmpty(hostname);
        logDirectory = Copies.orEmpty(logDirectory);
        portMappings = Copies.list(portMappings);
        labels = Copies.map(labels);
        annotations = Copies.map(annotations);
    }

    /**
     * A sandbox with only its metadata set: pod network, runtime's hostname and DNS, no logs.
     *
     * @param name the pod's name
     * @param uid the pod's uid
     * @param namespace the pod's namespace
     * @return the configuration
     */
    public static PodSandboxConfig of(String name, String uid, String namespace) {
        return new PodSandboxConfig(name, uid, namespace, 0, "", "", null, List.of(), Map.of(), Map.of(), false);
    }

    /**
     * Resolver configuration ({@code resolv.conf}) of a pod.
     *
     * @param servers name server addresses
     * @param searches search domains
     * @param options resolver options such as {@code ndots:5}
     */
    public record Dns(List<String> servers, List<String> searches, List<String> options) {
        public Dns {
            servers = Copies.list(servers);
            searches = Copies.list(searches);
            options = Copies.list(options);
        }
    }

    /** Transport protocol of a port mapping. */
    public enum Protocol { TCP, UDP, SCTP }

    /**
     * A host port forwarded to a port of the pod.
     *
     * @param protocol the protocol; not {@code null}
     * @param containerPort the pod's port, 1..65535
     * @param hostPort the host's port, 1..65535
     * @param hostIp the host address to bind, empty for all
     */
    public record PortMapping(Protocol protocol, int containerPort, int hostPort, String hostIp) {
        public PortMapping {
            Objects.requireNonNull(protocol, "protocol");
            if (containerPort < 1 || containerPort > 65535 || hostPort < 1 || hostPort > 65535) {
                throw new IllegalArgumentException(
                        "ports must be 1..65535, were container " + containerPort + ", host " + hostPort);
            }
            hostIp = Copies.orEmpty(hostIp);
        }
    }
}
