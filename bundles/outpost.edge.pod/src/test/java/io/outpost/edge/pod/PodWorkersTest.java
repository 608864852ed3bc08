package io.outpost.edge.pod;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class PodWorkersTest {
    /** An executor that keeps tasks until the test runs them, so the order is the test's. */
    static final class Manual implements java.util.concurrent.Executor {
        final List<Runnable> tasks = new ArrayList<>();

        @Override
        public void execute(Runnable r) {
            tasks.add(r);
        }

        void runFirst() {
            tasks.remove(0).run();
        }
    }

    @Test
    void differentPodsSyncInParallelUpToTheBound() {
        Manual ex = new Manual();
        PodWorkers w = new PodWorkers(ex, 2);
        List<String> ran = new ArrayList<>();
        w.sync("a", () -> ran.add("a"));
        w.sync("b", () -> ran.add("b"));
        w.sync("c", () -> ran.add("c"));
        assertEquals(2, ex.tasks.size(), "a and b start at once, c waits for a slot");
        ex.runFirst();
        assertEquals(2, ex.tasks.size(), "a's end frees the slot for c");
        ex.runFirst();
        ex.runFirst();
        assertEquals(List.of("a", "b", "c"), ran);
        assertEquals(0, w.busy());
    }

    @Test
    void aSyncAskedForWhileThePodSyncsRunsAfterItOnceWithTheLatest() {
        Manual ex = new Manual();
        PodWorkers w = new PodWorkers(ex, 4);
        List<String> ran = new ArrayList<>();
        w.sync("a", () -> ran.add("a1"));
        w.sync("a", () -> ran.add("a2"));
        w.sync("a", () -> ran.add("a3"));
        assertEquals(1, ex.tasks.size(), "one pod has one sync at a time");
        ex.runFirst();
        assertEquals(1, ex.tasks.size(), "what was asked for meanwhile runs after");
        ex.runFirst();
        assertEquals(List.of("a1", "a3"), ran, "the latest replaces the one that had not started");
        assertTrue(ex.tasks.isEmpty());
    }

    @Test
    void podsWaitingForASlotStartInTheOrderTheyAsked() {
        Manual ex = new Manual();
        PodWorkers w = new PodWorkers(ex, 1);
        List<String> ran = new ArrayList<>();
        w.sync("a", () -> ran.add("a"));
        w.sync("b", () -> ran.add("b"));
        w.sync("c", () -> ran.add("c"));
        w.sync("a", () -> ran.add("a again")); // a is running: goes behind b and c
        while (!ex.tasks.isEmpty()) {
            ex.runFirst();
        }
        assertEquals(List.of("a", "b", "c", "a again"), ran);
    }

    @Test
    void aFailingSyncDoesNotWedgeThePodsWorker() {
        Manual ex = new Manual();
        PodWorkers w = new PodWorkers(ex, 1);
        List<String> ran = new ArrayList<>();
        w.sync("a", () -> {
            throw new IllegalStateException("boom");
        });
        ex.runFirst();
        w.sync("a", () -> ran.add("a"));
        ex.runFirst();
        assertEquals(List.of("a"), ran);
        assertEquals(0, w.busy());
    }

    @Test
    void aStoppedExecutorEndsTheWorkersQuietly() {
        ExecutorService ex = Executors.newSingleThreadExecutor();
        ex.shutdownNow();
        PodWorkers w = new PodWorkers(ex, 2);
        w.sync("a", () -> { });
        assertEquals(0, w.busy());
        assertThrows(IllegalArgumentException.class, () -> new PodWorkers(Runnable::run, 0));
    }

    @Test
    void inlineExecutionRunsEverySyncBeforeReturning() {
        PodWorkers w = new PodWorkers(Runnable::run, 1);
        List<String> ran = new ArrayList<>();
        w.sync("a", () -> {
            ran.add("a");
            w.sync("a", () -> ran.add("a from inside")); // asked for by its own sync: after it
            w.sync("b", () -> ran.add("b"));
        });
        assertEquals(List.of("a", "b", "a from inside"), ran);
    }

    /** Many threads ask for syncs of a few pods on a real pool: never one pod twice at once, never over the bound. */
    @Test
    void underLoadOnePodNeverSyncsWithItselfAndTheBoundHolds() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            PodWorkers w = new PodWorkers(pool, 3);
            Map<String, AtomicInteger> inPod = new ConcurrentHashMap<>();
            AtomicInteger inAll = new AtomicInteger();
            AtomicInteger maxAll = new AtomicInteger();
            AtomicInteger overlaps = new AtomicInteger();
            Map<String, AtomicInteger> done = new ConcurrentHashMap<>();
            Map<String, AtomicInteger> lastAsked = new ConcurrentHashMap<>();
            Map<String, AtomicInteger> lastRan = new ConcurrentHashMap<>();
            int callers = 4;
            int perCaller = 300;
            CountDownLatch go = new CountDownLatch(1);
            List<Thread> threads = new ArrayList<>();
            AtomicInteger seq = new AtomicInteger();
            Object[] locks = {new Object(), new Object(), new Object(), new Object(), new Object()};
            for (int t = 0; t < callers; t++) {
                Thread th = new Thread(() -> {
                    try {
                        go.await();
                    } catch (InterruptedException e) {
                        return;
                    }
                    for (int i = 0; i < perCaller; i++) {
                        String pod = "pod-" + (i % 5);
                        // Numbered and asked for in one step, so "the latest" is well defined across callers.
                        synchronized (locks[i % 5]) {
                        int n = seq.incrementAndGet();
                        lastAsked.computeIfAbsent(pod, k -> new AtomicInteger()).accumulateAndGet(n, Math::max);
                        w.sync(pod, () -> {
                            if (inPod.computeIfAbsent(pod, k -> new AtomicInteger()).incrementAndGet() > 1) {
                                overlaps.incrementAndGet();
                            }
                            maxAll.accumulateAndGet(inAll.incrementAndGet(), Math::max);
                            Thread.onSpinWait();
                            lastRan.computeIfAbsent(pod, k -> new AtomicInteger()).accumulateAndGet(n, Math::max);
                            done.computeIfAbsent(pod, k -> new AtomicInteger()).incrementAndGet();
                            inAll.decrementAndGet();
                            inPod.get(pod).decrementAndGet();
                        });
                        }
                    }
                });
                th.start();
                threads.add(th);
            }
            go.countDown();
            for (Thread th : threads) {
                th.join(10_000);
            }
            long deadline = System.currentTimeMillis() + 10_000;
            while (w.busy() > 0 && System.currentTimeMillis() < deadline) {
                Thread.sleep(5);
            }
            assertEquals(0, w.busy(), "every worker ended");
            assertEquals(0, overlaps.get(), "one pod's syncs never overlapped");
            assertTrue(maxAll.get() <= 3, "at most 3 pods at once, was " + maxAll.get());
            for (int p = 0; p < 5; p++) {
                String pod = "pod-" + p;
                assertEquals(lastAsked.get(pod).get(), lastRan.get(pod).get(), pod + ": the last sync asked for ran");
            }
        } finally {
            pool.shutdownNow();
            pool.awaitTermination(5, TimeUnit.SECONDS);
        }
    }
}
