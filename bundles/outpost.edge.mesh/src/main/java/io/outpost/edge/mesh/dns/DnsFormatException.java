package io.outpost.edge.mesh.dns;

/** A DNS query that cannot be answered as asked; the message says why. */
public final class DnsFormatException extends Exception {
    private static final long serialVersionUID = 1L;
    private final int id;

    public DnsFormatException(int id, String message) {
        super(message);
        this.id = id;
    }

    /** @return the query's transaction id, or -1 when even the header was unreadable */
    public int id() {
        return id;
    }
}
