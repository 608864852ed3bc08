package io.outpost.edge.pod;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Per-pod workers, the kubelet's pod workers on a shared executor: pods sync in parallel, but one
 * pod's syncs never overlap — a sync asked for while that pod's worker runs is kept (the latest
 * replaces an earlier one that has not started) and runs right after. At most {@code parallelism}
 * pods sync at once; the others wait for a slot in the order they asked (first come, first
 * served, so a burst of new pods starts in creation order and a busy pod cannot starve a quiet
 * one). No threads of its own: each sync is one task on the executor it is given. Thread-safe.
 * No OSGi.
 */
final class PodWorkers {
    private static final Logger LOG = LoggerFactory.getLogger(PodWorkers.class);

    /** One pod's worker: the sync waiting to run, and whether one runs or waits for a slot now. */
    private static final class Worker {
        Runnable pending;
        boolean running;
        boolean queued;
    }

    private final Executor executor;
    private final int parallelism;
    /** Guarded by this. Only pods with a sync running or waiting have an entry. */
    private final Map<String, Worker> workers = new HashMap<>();
    /** Pods waiting for a slot, in the order they asked. Guarded by this. */
    private final ArrayDeque<String> waiting = new ArrayDeque<>();
    private int running;

    /**
     * @param executor runs each sync as one task (the component's scheduler; {@code Runnable::run} in tests)
     * @param parallelism most pods syncing at once, at least 1
     */
    PodWorkers(Executor executor, int parallelism) {
        if (parallelism < 1) {
            throw new IllegalArgumentException("parallelism must be at least 1, not " + parallelism);
        }
        this.executor = executor;
        this.parallelism = parallelism;
    }

    /**
     * Asks for a sync of one pod. Returns at once unless the executor runs tasks in the caller.
     *
     * @param pod the pod's key (its UID): syncs with the same key never run at the same time
     * @param sync reads the pod's latest desired state itself, so only the latest one asked for
     *     needs to run
     */
    void sync(String pod, Runnable sync) {
        synchronized (this) {
            Worker w = workers.computeIfAbsent(pod, k -> new Worker());
            w.pending = sync;
            if (w.running || w.queued) {
                return; // runs after the current one, or when its slot comes
            }
            w.queued = true;
            waiting.add(pod);
        }
        dispatch();
    }

    /** @return pods with a sync running or waiting (for tests and the log) */
    synchronized int busy() {
        return workers.size();
    }

    /** Starts waiting syncs while slots are free; never calls the executor while holding the lock. */
    private void dispatch() {
        while (true) {
            String pod;
            Runnable task;
            synchronized (this) {
                if (running >= parallelism || waiting.isEmpty()) {
                    return;
                }
                pod = waiting.poll();
                Worker w = workers.get(pod);
                w.queued = false;
                w.running = true;
                task = w.pending;
                w.pending = null;
                running++;
            }
            try {
                executor.execute(() -> run(pod, task));
            } catch (RejectedExecutionException e) {
                // The component is stopping: nothing more runs.
                synchronized (this) {
                    running--;
                    workers.remove(pod);
                }
                return;
            }
        }
    }

    private void run(String pod, Runnable task) {
        try {
            task.run();
        } catch (RuntimeException e) {
            // The next sync retries; a failure must not leave the pod's worker marked running.
            LOG.warn("pod {}: sync failed: {}", pod, e.toString());
        } finally {
            synchronized (this) {
                running--;
                Worker w = workers.get(pod);
                w.running = false;
                if (w.pending != null) {
                    w.queued = true;
                    waiting.add(pod); // behind the pods that waited meanwhile
                } else {
                    workers.remove(pod);
                }
            }
            dispatch();
        }
    }
}
