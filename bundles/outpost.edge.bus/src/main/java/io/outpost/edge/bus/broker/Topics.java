package io.outpost.edge.bus.broker;

/** MQTT topic names and filters (MQTT 3.1.1 §4.7, MQTT 5 §4.7). */
public final class Topics {
    /** Longest topic or filter accepted; far below MQTT's 65535 so a filter cannot eat memory. */
    public static final int MAX_LENGTH = 1024;

    private Topics() {
    }

    /** @return why this is not a valid topic name to publish to, or null when it is */
    public static String checkName(String topic) {
        if (topic == null || topic.isEmpty()) {
            return "the topic is empty";
        }
        if (topic.length() > MAX_LENGTH) {
            return "the topic is longer than " + MAX_LENGTH + " characters";
        }
        if (topic.indexOf('+') >= 0 || topic.indexOf('#') >= 0) {
            return "a topic to publish to must not contain the wildcards + or #";
        }
        if (topic.indexOf('\0') >= 0) {
            return "the topic contains a NUL character";
        }
        return null;
    }

    /** @return why this is not a valid subscription filter, or null when it is */
    public static String checkFilter(String filter) {
        if (filter == null || filter.isEmpty()) {
            return "the filter is empty";
        }
        if (filter.length() > MAX_LENGTH) {
            return "the filter is longer than " + MAX_LENGTH + " characters";
        }
        String[] levels = filter.split("/", -1);
        for (int i = 0; i < levels.length; i++) {
            String l = levels[i];
            if (l.contains("#") && (!l.equals("#") || i != levels.length - 1)) {
                return "# must be a whole level and the last one";
            }
            if (l.contains("+") && !l.equals("+")) {
                return "+ must be a whole level";
            }
        }
        return filter.indexOf('\0') >= 0 ? "the filter contains a NUL character" : null;
    }

    /**
     * @param filter a valid filter
     * @param topic a valid topic name
     * @return whether the filter matches; wildcards in the first level do not match topics
     *     starting with {@code $} (the spec reserves them for the server)
     */
    public static boolean matches(String filter, String topic) {
        if (topic.startsWith("$") && (filter.startsWith("+") || filter.startsWith("#"))) {
            return false;
        }
        int f = 0;
        int t = 0;
        int fl = filter.length();
        int tl = topic.length();
        while (f < fl) {
            int fe = filter.indexOf('/', f);
            if (fe < 0) {
                fe = fl;
            }
            String level = filter.substring(f, fe);
            if (level.equals("#")) {
                return true;
            }
            if (t > tl) {
                return false;
            }
            int te = topic.indexOf('/', t);
            if (te < 0) {
                te = tl;
            }
            if (!level.equals("+") && !level.equals(topic.substring(t, te))) {
                return false;
            }
            f = fe + 1;
            t = te + 1;
        }
        // The filter is used up; it matches when the topic is too ("a/#" matching "a" returned above).
        return t > tl;
    }
}
