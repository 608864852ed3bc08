package io.outpost.edge.console.logs;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The last {@code capacity} log lines in memory, and the listeners that follow new ones live.
 * Listeners are called on the logging thread: they must only hand the line on (the console's
 * event streams write to Netty, which queues).
 */
public final class LogBuffer {
    public static final int MAX_MESSAGE = 2000;
    private final ArrayDeque<LogLine> lines = new ArrayDeque<>();
    private final List<Consumer<LogLine>> listeners = new CopyOnWriteArrayList<>();
    private final int capacity;
    private long seq;

    public LogBuffer(int capacity) {
        this.capacity = capacity;
    }

    public void add(long time, String level, String logger, String message) {
        String m = message == null ? "" : message;
        if (m.length() > MAX_MESSAGE) {
            m = m.substring(0, MAX_MESSAGE) + "…";
        }
        LogLine l;
        synchronized (this) {
            l = new LogLine(++seq, time, level, logger, m);
            lines.addLast(l);
            while (lines.size() > capacity) {
                lines.removeFirst();
            }
        }
        for (Consumer<LogLine> c : listeners) {
            try {
                c.accept(l);
            } catch (RuntimeException e) {
                listeners.remove(c); // a broken listener must not break logging
            }
        }
    }

    /** @return up to {@code max} most recent lines at or above {@code minLevel}, oldest first */
    public synchronized List<LogLine> recent(int max, String minLevel) {
        int min = rank(minLevel);
        List<LogLine> out = new ArrayList<>();
        var it = lines.descendingIterator();
        while (it.hasNext() && out.size() < max) {
            LogLine l = it.next();
            if (rank(l.level()) >= min) {
                out.add(0, l);
            }
        }
        return out;
    }

    /** @return a handle that stops the listener */
    public AutoCloseable follow(Consumer<LogLine> listener) {
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    public static int rank(String level) {
        if (level == null) {
            return 0;
        }
        return switch (level.toUpperCase(java.util.Locale.ROOT)) {
            case "TRACE" -> 0;
            case "DEBUG" -> 1;
            case "INFO" -> 2;
            case "WARN", "WARNING" -> 3;
            case "ERROR", "FATAL" -> 4;
            default -> 0;
        };
    }
}
