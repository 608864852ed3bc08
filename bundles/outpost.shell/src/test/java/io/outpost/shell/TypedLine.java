package io.outpost.shell;

import java.util.Arrays;
import org.apache.karaf.shell.api.console.CommandLine;

/** What Karaf's console hands a completer: the words typed so far, the cursor at the end of the last one. */
final class TypedLine implements CommandLine {
    private final String[] words;

    private TypedLine(String[] words) {
        this.words = words;
    }

    /** @param words the command and its arguments; the last one is the word being completed */
    static CommandLine of(String... words) {
        return new TypedLine(words.clone());
    }

    @Override
    public int getCursorArgumentIndex() {
        return words.length - 1;
    }

    @Override
    public String getCursorArgument() {
        return words[words.length - 1];
    }

    @Override
    public int getArgumentPosition() {
        return getCursorArgument().length();
    }

    @Override
    public String[] getArguments() {
        return Arrays.copyOf(words, words.length);
    }

    @Override
    public int getBufferPosition() {
        return getBuffer().length();
    }

    @Override
    public String getBuffer() {
        return String.join(" ", words);
    }
}
