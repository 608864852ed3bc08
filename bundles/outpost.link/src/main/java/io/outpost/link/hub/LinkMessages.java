package io.outpost.link.hub;

/** Joins the messages of an exception chain, for errors shown to users. */
final class LinkMessages {
    private LinkMessages() {
    }

    static String all(Throwable t) {
        StringBuilder sb = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            String m = c.getMessage();
            if (m != null && sb.indexOf(m) < 0) {
                if (sb.length() > 0) {
                    sb.append(": ");
                }
                sb.append(m);
            }
        }
        return sb.length() == 0 ? t.getClass().getSimpleName() : sb.toString();
    }
}
