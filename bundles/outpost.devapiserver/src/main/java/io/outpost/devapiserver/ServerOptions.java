package io.outpost.devapiserver;

import java.nio.file.Path;
import java.util.List;

/**
 * Command line settings.
 *
 * @param port              TCP port; 0 picks a free one
 * @param bind              address to listen on (loopback by default: there is no authentication)
 * @param kubeconfig        where to write a kubeconfig for this server, or null
 * @param state             JSON file to load at start and save to after changes, or null
 * @param maxBodyBytes      largest accepted request body
 * @param watchHistory      how many recent changes are kept for watch resumption
 * @param watchHistoryBytes approximate memory budget of that history
 * @param watchQueue        events buffered per watcher before a slow watcher is disconnected
 * @param watchTimeoutSeconds default watch duration when the client sets no timeoutSeconds
 * @param bookmarkSeconds   interval of BOOKMARK events for watchers that allow them
 * @param threads           most concurrent requests (each watch holds one)
 * @param logRequests       log one line per request to stderr
 */
record ServerOptions(int port, String bind, Path kubeconfig, Path state, long maxBodyBytes, int watchHistory,
        long watchHistoryBytes, int watchQueue, long watchTimeoutSeconds, long bookmarkSeconds, int threads,
        boolean logRequests) {

    static final String USAGE = String.join("\n",
            "usage: java -cp 'outpost.devapiserver.jar:lib/*' io.outpost.devapiserver.DevApiServer [options]",
            "",
            "A development-only, in-memory Kubernetes API server (plain HTTP, no authentication).",
            "",
            "  --port N              port to listen on (default 6443; 0 = any free port)",
            "  --bind ADDRESS        address to listen on (default 127.0.0.1)",
            "  --kubeconfig PATH     write a kubeconfig (context outpost-dev) for this server, mode 0600",
            "  --state PATH          load objects from PATH at start, save them there after changes",
            "  --max-body-bytes N    largest request body accepted (default 3145728); larger gets 413",
            "  --watch-history N     changes kept for resuming watches (default 10000)",
            "  --watch-timeout N     default watch duration in seconds (default 1800)",
            "  --bookmark-interval N seconds between watch bookmarks (default 30)",
            "  --threads N           most concurrent requests, watches included (default 256)",
            "  --log-requests        log every request to stderr",
            "  --help                show this help");

    static ServerOptions defaults() {
        return new ServerOptions(6443, "127.0.0.1", null, null, 3L * 1024 * 1024, 10_000, 16L * 1024 * 1024, 1024,
                1800, 30, 256, false);
    }

    ServerOptions withPort(int value) {
        return new ServerOptions(value, bind, kubeconfig, state, maxBodyBytes, watchHistory, watchHistoryBytes,
                watchQueue, watchTimeoutSeconds, bookmarkSeconds, threads, logRequests);
    }

    ServerOptions withKubeconfig(Path value) {
        return new ServerOptions(port, bind, value, state, maxBodyBytes, watchHistory, watchHistoryBytes,
                watchQueue, watchTimeoutSeconds, bookmarkSeconds, threads, logRequests);
    }

    ServerOptions withState(Path value) {
        return new ServerOptions(port, bind, kubeconfig, value, maxBodyBytes, watchHistory, watchHistoryBytes,
                watchQueue, watchTimeoutSeconds, bookmarkSeconds, threads, logRequests);
    }

    ServerOptions withMaxBodyBytes(long value) {
        return new ServerOptions(port, bind, kubeconfig, state, value, watchHistory, watchHistoryBytes,
                watchQueue, watchTimeoutSeconds, bookmarkSeconds, threads, logRequests);
    }

    ServerOptions withWatchHistory(int value) {
        return new ServerOptions(port, bind, kubeconfig, state, maxBodyBytes, value, watchHistoryBytes,
                watchQueue, watchTimeoutSeconds, bookmarkSeconds, threads, logRequests);
    }

    ServerOptions withBookmarkSeconds(long value) {
        return new ServerOptions(port, bind, kubeconfig, state, maxBodyBytes, watchHistory, watchHistoryBytes,
                watchQueue, watchTimeoutSeconds, value, threads, logRequests);
    }

    /** Parses the command line; throws IllegalArgumentException with a message for bad input. */
    static ServerOptions parse(List<String> args) {
        ServerOptions o = defaults();
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            String value = null;
            int eq = arg.indexOf('=');
            if (arg.startsWith("--") && eq > 0) {
                value = arg.substring(eq + 1);
                arg = arg.substring(0, eq);
            }
            switch (arg) {
                case "--log-requests":
                    o = new ServerOptions(o.port, o.bind, o.kubeconfig, o.state, o.maxBodyBytes, o.watchHistory,
                            o.watchHistoryBytes, o.watchQueue, o.watchTimeoutSeconds, o.bookmarkSeconds, o.threads, true);
                    continue;
                case "--help":
                case "-h":
                    throw new IllegalArgumentException("");
                default:
                    break;
            }
            if (value == null) {
                if (i + 1 >= args.size()) {
                    throw new IllegalArgumentException("missing value for " + arg);
                }
                value = args.get(++i);
            }
            switch (arg) {
                case "--port":
                    o = o.withPort((int) number(arg, value, 0, 65535));
                    break;
                case "--bind":
                    o = new ServerOptions(o.port, value, o.kubeconfig, o.state, o.maxBodyBytes, o.watchHistory,
                            o.watchHistoryBytes, o.watchQueue, o.watchTimeoutSeconds, o.bookmarkSeconds, o.threads, o.logRequests);
                    break;
                case "--kubeconfig":
                    o = o.withKubeconfig(Path.of(value));
                    break;
                case "--state":
                    o = o.withState(Path.of(value));
                    break;
                case "--max-body-bytes":
                    o = o.withMaxBodyBytes(number(arg, value, 1024, Integer.MAX_VALUE - 16));
                    break;
                case "--watch-history":
                    o = o.withWatchHistory((int) number(arg, value, 1, 10_000_000));
                    break;
                case "--watch-timeout":
                    o = new ServerOptions(o.port, o.bind, o.kubeconfig, o.state, o.maxBodyBytes, o.watchHistory,
                            o.watchHistoryBytes, o.watchQueue, number(arg, value, 1, 86_400), o.bookmarkSeconds, o.threads,
                            o.logRequests);
                    break;
                case "--bookmark-interval":
                    o = o.withBookmarkSeconds(number(arg, value, 1, 3600));
                    break;
                case "--threads":
                    o = new ServerOptions(o.port, o.bind, o.kubeconfig, o.state, o.maxBodyBytes, o.watchHistory,
                            o.watchHistoryBytes, o.watchQueue, o.watchTimeoutSeconds, o.bookmarkSeconds,
                            (int) number(arg, value, 4, 10_000), o.logRequests);
                    break;
                default:
                    throw new IllegalArgumentException("unknown option " + arg);
            }
        }
        return o;
    }

    private static long number(String option, String value, long min, long max) {
        try {
            long n = Long.parseLong(value.trim());
            if (n < min || n > max) {
                throw new IllegalArgumentException(option + " must be between " + min + " and " + max);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " needs a number, got \"" + value + "\"");
        }
    }
}
