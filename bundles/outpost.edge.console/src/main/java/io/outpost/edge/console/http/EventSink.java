package io.outpost.edge.console.http;

/** The open end of a server-sent event stream. Thread-safe; sending after close does nothing. */
public interface EventSink {
    /**
     * Sends one event.
     *
     * @param event the event name
     * @param data one line of data (JSON); must not contain line breaks
     */
    void send(String event, String data);

    /** @return false once the client has gone */
    boolean isOpen();

    /** Ends the stream (and its connection). */
    void close();

    /** Runs the action once the client has gone (or at once if it has). */
    void onClose(Runnable action);
}
