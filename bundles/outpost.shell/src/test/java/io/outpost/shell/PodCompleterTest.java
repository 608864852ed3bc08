package io.outpost.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.outpost.pod.api.ContainerLog;
import io.outpost.pod.api.EdgePods;
import io.outpost.pod.api.PodSummary;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.karaf.shell.api.console.CommandLine;
import org.junit.jupiter.api.Test;

class PodCompleterTest {
    private static PodSummary pod(String ns, String name) {
        return new PodSummary(ns, name, "uid-" + name, 1, List.of("main"), "Running", 0, null, "", JsonNodeFactory.instance.objectNode());
    }

    private static EdgePods pods(PodSummary... ps) {
        return new EdgePods() {
            @Override
            public List<PodSummary> pods() {
                return List.of(ps);
            }

            @Override
            public Optional<PodSummary> pod(String namespace, String name) {
                return Optional.empty();
            }

            @Override
            public ContainerLog log(String namespace, String name, String container, boolean previous) {
                throw new UnsupportedOperationException();
            }
        };
    }

    private static CommandLine typed(String word) {
        return TypedLine.of("outpost:logs", word);
    }

    @Test
    void offersThePodsOfThisGatewayAsNamespaceSlashName() {
        PodCompleter c = new PodCompleter();
        c.pods = pods(pod("default", "busybox"), pod("default", "ticker"), pod("apps", "web"));
        List<String> candidates = new ArrayList<>();
        c.complete(null, typed("default/b"), candidates);
        assertEquals(List.of("default/busybox"), candidates.stream().map(String::trim).toList());
    }

    @Test
    void offersNothingWithoutThePodManager() {
        List<String> candidates = new ArrayList<>();
        new PodCompleter().complete(null, typed(""), candidates);
        assertEquals(List.of(), candidates);
    }
}
