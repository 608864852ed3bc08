package io.outpost.cloud.kube.crd;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
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
     * {@link #apply}s each of {@code resources} off the caller's thread (a component's activation
     * must not wait for the API server), and again every 5 s until all are in or the returned
     * installation is closed: the cloud may start before the API server is reachable.
     *
     * @param what names the definitions in the log, for example "device CRDs"
     */
    public static Installation installInBackground(KubernetesClient kube, ClassLoader loader, List<String> resources, String what) {
        Installation installation = new Installation(kube, loader, List.copyOf(resources), what);
        installation.attempt(1);
        return installation;
    }

    /** A background installation; {@link #close} stops its retries. */
    public static final class Installation implements AutoCloseable {
        private final KubernetesClient kube;
        private final ClassLoader loader;
        private final List<String> resources;
        private final String what;
        private final CompletableFuture<Void> installed = new CompletableFuture<>();
        private volatile boolean stopped;

        private Installation(KubernetesClient kube, ClassLoader loader, List<String> resources, String what) {
            this.kube = kube;
            this.loader = loader;
            this.resources = resources;
            this.what = what;
        }

        /** @return completes when every definition has been applied */
        public CompletableFuture<Void> installed() {
            return installed.copy();
        }

        @Override
        public void close() {
            stopped = true;
        }

        // The common pool and its delayed executor: one short task per attempt needs no thread of its own.
        private void attempt(int attempt) {
            CompletableFuture.runAsync(() -> {
                for (String resource : resources) {
                    apply(kube, loader, resource);
                }
            }).whenComplete((v, e) -> {
                if (e == null) {
                    installed.complete(null);
                    return;
                }
                if (stopped) {
                    return;
                }
                Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
                LOG.warn("{} not installed yet (attempt {}): {}; retrying in 5 s", what, attempt, cause.getMessage());
                CompletableFuture.delayedExecutor(5, TimeUnit.SECONDS).execute(() -> {
                    if (!stopped) {
                        attempt(attempt + 1);
                    }
                });
            });
        }
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
