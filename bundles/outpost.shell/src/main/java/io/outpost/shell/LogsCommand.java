package io.outpost.shell;

import io.outpost.pod.api.ContainerLog;
import io.outpost.pod.api.EdgePods;
import io.outpost.pod.api.LogLine;
import io.outpost.pod.api.PodException;
import java.io.PrintStream;
import java.util.List;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

/** A container's log, read on the gateway itself: works while the cloud is away. */
@Service
@Command(scope = "outpost", name = "logs", description = "Prints the log of a pod's container on this gateway, as kubectl logs does; "
        + "-f follows it until Ctrl-C, in the interactive shell (on the gateway, feature outpost-pods).")
public class LogsCommand implements Action {
    /** How often a followed log is read again. */
    static final long FOLLOW_MILLIS = 300;

    @Argument(index = 0, name = "pod", required = true, description = "<namespace>/<name>, or <name> in namespace default")
    @Completion(PodCompleter.class)
    String pod;

    @Option(name = "--container", aliases = "-c", description = "the container; needed when the pod has several")
    String container;

    @Option(name = "--tail", description = "how many of the last lines (default 100; 1 to 100000)")
    int tail = 100;

    @Option(name = "--follow", aliases = "-f", description = "keep printing new lines until Ctrl-C")
    boolean follow;

    @Option(name = "--previous", aliases = "-p", description = "the run before the last restart")
    boolean previous;

    @Option(name = "--timestamps", description = "start each line with the time the runtime wrote it")
    boolean timestamps;

    @Reference(optional = true)
    EdgePods pods;

    @Override
    public Object execute() throws InterruptedException {
        if (pods == null) {
            throw new IllegalArgumentException(Pods.NOT_RUNNING);
        }
        if (tail < 1 || tail > 100_000) {
            throw new IllegalArgumentException("--tail must be from 1 to 100000, was " + tail);
        }
        String[] ns = Pods.split(pod);
        PrintStream out = System.out;
        try (ContainerLog log = pods.log(ns[0], ns[1], container, previous)) {
            print(out, log.tail(tail));
            // Ctrl-C interrupts the command's thread; a client that went away shows as an output error
            while (follow && !Thread.currentThread().isInterrupted() && !out.checkError()) {
                Thread.sleep(FOLLOW_MILLIS);
                print(out, log.poll());
            }
        } catch (PodException e) {
            throw new IllegalArgumentException(e.getMessage());
        }
        return null;
    }

    private void print(PrintStream out, List<LogLine> lines) {
        for (LogLine l : lines) {
            out.println(timestamps ? l.time() + " " + l.content() : l.content());
        }
        out.flush();
    }
}
