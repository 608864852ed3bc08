package io.outpost.edge.console.osgi;

import io.outpost.edge.console.logs.LogBuffer;
import org.ops4j.pax.logging.spi.PaxAppender;
import org.ops4j.pax.logging.spi.PaxLoggingEvent;

/**
 * Receives every log event through Pax Logging's OSGi appender (Karaf's default configuration
 * routes the root logger to all PaxAppender services) and keeps it in the console's buffer.
 */
final class PaxLogAppender implements PaxAppender {
    private final LogBuffer buffer;

    PaxLogAppender(LogBuffer buffer) {
        this.buffer = buffer;
    }

    @Override
    public void doAppend(PaxLoggingEvent e) {
        String msg = e.getRenderedMessage();
        String[] thrown = e.getThrowableStrRep();
        if (thrown != null && thrown.length > 0) {
            msg = msg + " — " + thrown[0];
        }
        buffer.add(e.getTimeStamp(), level(e.getLevel() == null ? 6 : e.getLevel().getSyslogEquivalent()), e.getLoggerName(), msg);
    }

    static String level(int syslog) {
        if (syslog <= 3) {
            return "ERROR";
        }
        return switch (syslog) {
            case 4 -> "WARN";
            case 5, 6 -> "INFO";
            default -> "DEBUG";
        };
    }
}
