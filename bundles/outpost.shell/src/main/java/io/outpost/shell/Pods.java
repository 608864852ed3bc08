package io.outpost.shell;

import java.time.Duration;

/** What the pod commands share. */
final class Pods {
    static final String NOT_RUNNING = "no pod manager here: pods run on a gateway with the feature outpost-pods "
            + "(feature:install outpost-pods, and containerd configured in etc/io.outpost.runtime.cri.cfg)";

    private Pods() {
    }

    /** An age as kubectl prints it: 45s, 12m, 5h, 3d. */
    static String age(Duration d) {
        long s = Math.max(0, d.getSeconds());
        if (s < 120) {
            return s + "s";
        }
        if (s < 7200) {
            return s / 60 + "m";
        }
        if (s < 2 * 86400) {
            return s / 3600 + "h";
        }
        return s / 86400 + "d";
    }

    /** @return {namespace, name} of {@code <namespace>/<name>}, or of {@code <name>} in namespace default */
    static String[] split(String pod) {
        int slash = pod.indexOf('/');
        if (slash == 0 || slash == pod.length() - 1 || pod.indexOf('/', slash + 1) >= 0) {
            throw new IllegalArgumentException("'" + pod + "' is not a pod: use <namespace>/<name> or <name> (namespace default); "
                    + "outpost:pods lists them");
        }
        return slash < 0 ? new String[] {"default", pod} : new String[] {pod.substring(0, slash), pod.substring(slash + 1)};
    }
}
