package io.outpost.cloud.kube.crd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.outpost.devapiserver.DevApiServer;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class OutpostCrdsTest {
    private static final String RESOURCE = "crds/widgets.test.outpost.io.yaml";
    private static final String NAME = "widgets.test.outpost.io";
    private DevApiServer server;
    private KubernetesClient kube;

    @BeforeEach
    void start() throws Exception {
        server = DevApiServer.start("--port", "0");
        Config config = new ConfigBuilder().withMasterUrl(server.url()).withRequestTimeout(10_000).build();
        kube = new KubernetesClientBuilder().withConfig(config).build();
    }

    @AfterEach
    void stop() {
        kube.close();
        server.close();
    }

    private CustomResourceDefinition stored() {
        return kube.apiextensions().v1().customResourceDefinitions().withName(NAME).get();
    }

    private ClassLoader loader() {
        return OutpostCrdsTest.class.getClassLoader();
    }

    @Test
    void createsAMissingDefinitionAndUpdatesOutpostsOwn() {
        assertEquals(OutpostCrds.Outcome.CREATED, OutpostCrds.apply(kube, loader(), RESOURCE));
        assertEquals("outpost", stored().getMetadata().getLabels().get(OutpostCrds.PART_OF));
        assertEquals(OutpostCrds.Outcome.UPDATED, OutpostCrds.apply(kube, loader(), RESOURCE));
        assertEquals("Widget", stored().getSpec().getNames().getKind());
    }

    @Test
    void leavesADefinitionSomeoneElseInstalled() {
        CustomResourceDefinition theirs = kube.getKubernetesSerialization().unmarshal(loader().getResourceAsStream(RESOURCE),
                CustomResourceDefinition.class);
        theirs.getMetadata().setLabels(null);
        theirs.getSpec().getVersions().get(0).setServed(false);
        kube.apiextensions().v1().customResourceDefinitions().resource(theirs).create();

        assertEquals(OutpostCrds.Outcome.NOT_OURS, OutpostCrds.apply(kube, loader(), RESOURCE));
        CustomResourceDefinition after = stored();
        assertTrue(after.getMetadata().getLabels() == null || !after.getMetadata().getLabels().containsKey(OutpostCrds.PART_OF));
        assertEquals(false, after.getSpec().getVersions().get(0).getServed());
    }

    @Test
    void installsInTheBackground() throws Exception {
        try (OutpostCrds.Installation i = OutpostCrds.installInBackground(kube, loader(), List.of(RESOURCE), "test CRD")) {
            i.installed().get(30, TimeUnit.SECONDS);
        }
        assertEquals("Widget", stored().getSpec().getNames().getKind());
    }

    @Test
    void aMissingResourceSaysWhichOne() {
        var e = assertThrows(IllegalStateException.class, () -> OutpostCrds.apply(kube, loader(), "crds/nope.yaml"));
        assertEquals("bundle resource crds/nope.yaml is missing", e.getMessage());
        assertNull(stored());
    }
}
