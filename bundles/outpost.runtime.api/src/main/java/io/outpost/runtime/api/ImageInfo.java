package io.outpost.runtime.api;

import java.util.List;
import java.util.Objects;

/**
 * An image present on the runtime (CRI {@code Image}).
 *
 * @param id the runtime's id of the image (for containerd the config digest, {@code sha256:...})
 * @param repoTags the references it is known by, such as {@code registry/app:1.2}
 * @param repoDigests the digested references it is known by
 * @param sizeBytes its size in bytes
 * @since 0.1.0
 */
public record ImageInfo(String id, List<String> repoTags, List<String> repoDigests, long sizeBytes) {
    public ImageInfo {
        Objects.requireNonNull(id, "id");
        repoTags = Copies.list(repoTags);
        repoDigests = Copies.list(repoDigests);
    }
}
