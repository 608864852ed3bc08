package io.outpost.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.outpost.hub.api.JoinTokens;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.karaf.shell.api.console.CommandLine;
import org.junit.jupiter.api.Test;

class TokenIdCompleterTest {
    private static JoinTokens tokens(JoinTokens.Token... ts) {
        return new JoinTokens() {
            @Override
            public Token create(Duration ttl, String description) {
                throw new UnsupportedOperationException();
            }

            @Override
            public List<Token> list() {
                return List.of(ts);
            }

            @Override
            public boolean revoke(String id) {
                return false;
            }
        };
    }

    private static CommandLine typed(String word) {
        return TypedLine.of("outpost:token", "revoke", word);
    }

    @Test
    void offersTheIdsOfValidTokensOnly() {
        TokenIdCompleter c = new TokenIdCompleter();
        c.tokens = tokens(new JoinTokens.Token("abc123", "t", Instant.now().plusSeconds(60), false, ""),
                new JoinTokens.Token("abd999", "t", Instant.now().plusSeconds(60), true, "revoked"),
                new JoinTokens.Token("xyz000", "t", Instant.now().plusSeconds(60), false, ""));
        List<String> candidates = new ArrayList<>();
        c.complete(null, typed("ab"), candidates);
        assertEquals(List.of("abc123"), candidates.stream().map(String::trim).toList());
    }

    @Test
    void offersNothingWhereThereAreNoTokens() {
        List<String> candidates = new ArrayList<>();
        new TokenIdCompleter().complete(null, typed(""), candidates);
        assertEquals(List.of(), candidates);
    }
}
