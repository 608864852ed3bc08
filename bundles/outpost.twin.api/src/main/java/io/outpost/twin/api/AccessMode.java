package io.outpost.twin.api;

/**
 * Whether a property can be written ({@code spec.properties[].accessMode} of a DeviceModel).
 *
 * @since 0.2
 */
public enum AccessMode {
    READ_ONLY, READ_WRITE;

    /** @return READ_ONLY for KubeEdge's {@code ReadOnly}, READ_WRITE otherwise (KubeEdge's default) */
    public static AccessMode parse(String mode) {
        return "ReadOnly".equalsIgnoreCase(mode) ? READ_ONLY : READ_WRITE;
    }
}
