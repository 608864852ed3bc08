package io.outpost.cloud.device;

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
 * Installs KubeEdge's device API (the {@code devices.kubeedge.io} Device and DeviceModel CRDs)
 * into the cluster, so that KubeEdge's Device manifests apply unchanged. An existing definition
 * is updated only when it was installed by Outpost (label {@code app.kubernetes.io/part-of:
 * outpost}); one installed by KubeEdge or an operator is left alone.
 */
@Component(configurationPid = DeviceCrdInstaller.PID, immediate = true, service = {})
@Designate(ocd = DeviceCrdInstaller.Cfg.class)
public class DeviceCrdInstaller {
    static final String PID = "io.outpost.cloud.device";
    static final List<String> CRDS = List.of("crds/devices.kubeedge.io_devicemodels.yaml", "crds/devices.kubeedge.io_devices.yaml");
    private static final Logger LOG = LoggerFactory.getLogger(DeviceCrdInstaller.class);

    @ObjectClassDefinition(name = "Outpost cloud: device API", description = "KubeEdge's device custom resources.")
    public @interface Cfg {
        @AttributeDefinition(description = "Install or update the devices.kubeedge.io CRDs at start (turn off where a cluster admin manages them).")
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
                OutpostCrds.apply(kube, DeviceCrdInstaller.class.getClassLoader(), resource);
            }
        }).whenComplete((v, e) -> {
            if (e == null || stopped) {
                return;
            }
            Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            LOG.warn("device CRDs not installed yet (attempt {}): {}; retrying in 5 s", attempt, cause.getMessage());
            CompletableFuture.delayedExecutor(5, TimeUnit.SECONDS).execute(() -> {
                if (!stopped) {
                    install(attempt + 1);
                }
            });
        });
    }
}
