package io.outpost.cloud.ota;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.outpost.cloud.kube.crd.OutpostCrds;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Installs the {@code gatewayrollouts.outpost.io} CRD, as the device bundle installs KubeEdge's
 * device CRDs. An existing definition
 * is updated only when it was installed by Outpost (label {@code app.kubernetes.io/part-of:
 * outpost}); one installed by KubeEdge or an operator is left alone.
 */
@Component(configurationPid = RolloutCrdInstaller.PID, immediate = true, service = {})
@Designate(ocd = RolloutCrdInstaller.Cfg.class)
public class RolloutCrdInstaller {
    static final String PID = "io.outpost.cloud.ota.crd";
    static final List<String> CRDS = List.of("crds/outpost.io_gatewayrollouts.yaml");
    private static final Logger LOG = LoggerFactory.getLogger(RolloutCrdInstaller.class);

    @ObjectClassDefinition(name = "Outpost cloud: GatewayRollout CRD", description = "The OTA rollout custom resource.")
    public @interface Cfg {
        @AttributeDefinition(description = "Install or update the gatewayrollouts.outpost.io CRD at start (turn off where a cluster admin manages them).")
        boolean installCrds() default true;
    }

    @Reference
    private KubernetesClient kube;

    private volatile boolean stopped;

    @Activate
    void activate(Cfg cfg) {
        if (cfg.installCrds()) {
            install(1);
        }
    }

    @Deactivate
    void deactivate() {
        stopped = true;
    }

    /** Off the activation thread, retried while the API server is not reachable. */
    private void install(int attempt) {
        CompletableFuture.runAsync(() -> {
            for (String resource : CRDS) {
                OutpostCrds.apply(kube, RolloutCrdInstaller.class.getClassLoader(), resource);
            }
        }).whenComplete((v, e) -> {
            if (e == null || stopped) {
                return;
            }
            Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            LOG.warn("GatewayRollout CRD not installed yet (attempt {}): {}; retrying in 5 s", attempt, cause.getMessage());
            CompletableFuture.delayedExecutor(5, TimeUnit.SECONDS).execute(() -> {
                if (!stopped) {
                    install(attempt + 1);
                }
            });
        });
    }
}
