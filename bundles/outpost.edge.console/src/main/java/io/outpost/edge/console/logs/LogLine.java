package io.outpost.edge.console.logs;

/**
 * One log event, rendered.
 *
 * @param seq increasing number, so a client can ask for what came after the last it saw
 * @param time milliseconds since the epoch
 * @param level TRACE, DEBUG, INFO, WARN, ERROR
 * @param logger the logger's name
 * @param message the message, with the first line of a throwable appended, at most
 *     {@link LogBuffer#MAX_MESSAGE} characters
 */
public record LogLine(long seq, long time, String level, String logger, String message) {
}
