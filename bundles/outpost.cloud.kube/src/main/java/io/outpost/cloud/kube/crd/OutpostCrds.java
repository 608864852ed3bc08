package io.outpost.cloud.kube.crd;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Installs the custom resource definitions that Outpost's cloud bundles ship (KubeEdge's device
 * and reliable-sync CRDs, Outpost's own) from a resource of the calling bundle. Every bundle
 * follows the same rule, so it lives here once: create the definition when it is missing; update
 * it only when Outpost installed it (label {@value #PART_OF}: {@value #OUTPOST}), so that a
 * definition installed by KubeEdge, a Helm chart or a cluster admin is never overwritten.
 */
public final class OutpostCrds {
    /** The label that marks a definition as installed by Outpost. */
    public static final String PART_OF = "app.kubernetes.io/part-of";
    public static final String OUTPOST = "outpost";
    private static final Logger LOG = LoggerFactory.getLogger(OutpostCrds.class);

    /** What {@link #apply} did. */
    public enum Outcome {
        /** The definition was missing and is now installed. */
        CREATED,
        /** Someone else created it between the check and the create (HTTP 409); left to them. */
        RACED,
        /** It was Outpost's and is now updated to the bundle's version. */
        UPDATED,
        /** It exists without Outpost's label; left as it is. */
        NOT_OURS
    }

    private OutpostCrds() {
    }

    /**
     * Installs or updates the definition in {@code resource} (YAML or JSON) of {@code loader}.
     *
     * @param loader the class loader of the bundle that ships the resource
     * @throws IllegalStateException when the resource is missing or unreadable
     * @throws KubernetesClientException when the API server refuses or cannot be reached
     */
    public static Outcome apply(KubernetesClient kube, ClassLoader loader, String resource) {
        CustomResourceDefinition crd;
        try (InputStream in = loader.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("bundle resource " + resource + " is missing");
            }
            crd = kube.getKubernetesSerialization().unmarshal(in, CustomResourceDefinition.class);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + resource + ": " + e.getMessage(), e);
        }
        String name = crd.getMetadata().getName();
        var crds = kube.apiextensions().v1().customResourceDefinitions();
        CustomResourceDefinition existing = crds.withName(name).get();
        if (existing == null) {
            try {
                crds.resource(crd).create();
                LOG.info("installed CRD {}", name);
                return Outcome.CREATED;
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409) {
                    throw e;
                }
                return Outcome.RACED;
            }
        }
        Map<String, String> labels = existing.getMetadata().getLabels();
        if (labels == null || !OUTPOST.equals(labels.get(PART_OF))) {
            LOG.info("CRD {} exists and is not Outpost's; left as it is", name);
            return Outcome.NOT_OURS;
        }
        crd.getMetadata().setResourceVersion(existing.getMetadata().getResourceVersion());
        crds.resource(crd).update();
        return Outcome.UPDATED;
    }
}
