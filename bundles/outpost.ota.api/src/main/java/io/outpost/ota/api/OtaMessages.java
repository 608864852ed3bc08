package io.outpost.ota.api;

/**
 * The cloud–edge messages of OTA (group {@code ota}, an Outpost extension of KubeEdge's
 * protocol). The cloud sends {@code update <namespace>/gatewayrollout/<name>} with content
 * {@code {uid, generation, allowDowngrade, artifacts: [{name, version, sha256, size, signature,
 * url}]}}; the gateway answers progress with {@code update <namespace>/gatewayrolloutstatus/<name>}
 * and content {@code {uid, generation, phase, reason, name, version, previousVersion, millis}}.
 *
 * @since 0.1
 */
public final class OtaMessages {
    /** Resource type of a rollout command to a gateway. */
    public static final String ROLLOUT = "gatewayrollout";
    /** Resource type of a gateway's progress report. */
    public static final String STATUS = "gatewayrolloutstatus";
    /** Module name on the wire: the cloud's rollout controller. */
    public static final String CONTROLLER = "rolloutcontroller";
    /** Module name on the wire: the gateway's agent. */
    public static final String AGENT = "otaagent";

    private OtaMessages() {
    }
}
