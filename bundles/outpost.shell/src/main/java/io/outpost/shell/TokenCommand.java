package io.outpost.shell;

import io.outpost.hub.api.JoinTokens;
import io.outpost.hub.api.LinkException;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.List;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.completers.StringsCompleter;
import org.apache.karaf.shell.support.table.ShellTable;

/** Join tokens on the cloud: create, list, revoke. */
@Service
@Command(scope = "outpost", name = "token", description = "Creates, lists and revokes join tokens for gateways (on the cloud).")
public class TokenCommand implements Action {
    @Argument(index = 0, name = "action", description = "create, list or revoke", required = false)
    @Completion(value = StringsCompleter.class, values = {"create", "list", "revoke"})
    String action = "create";

    @Argument(index = 1, name = "id", description = "the token id, for revoke", required = false)
    @Completion(TokenIdCompleter.class)
    String id;

    @Option(name = "--ttl", description = "lifetime of a new token, e.g. 24h, 30m, 7d (default 24h)")
    String ttl = "24h";

    @Option(name = "--description", aliases = "-d", description = "free text shown by 'list'")
    String description = "";

    @Option(name = "--quiet", aliases = "-q", description = "print only the token (for scripts)")
    boolean quiet;

    // Optional: Karaf holds back every command of a bundle until all its references are
    // satisfied, and this bundle serves both roles.
    @Reference(optional = true)
    JoinTokens tokens;

    @Override
    public Object execute() throws Exception {
        if (tokens == null) {
            throw new IllegalArgumentException("this command runs on the cloud (the JoinTokens service is not available here)");
        }
        try {
            switch (action) {
                case "create" -> {
                    JoinTokens.Token t = tokens.create(parseDuration(ttl), description);
                    if (quiet) {
                        System.out.println(t.token());
                    } else {
                        System.out.println(t.token());
                        System.out.println("id " + t.id() + ", expires " + t.expires()
                                + ". On a gateway: outpost:join <cloud-address> <token>");
                    }
                }
                case "list" -> {
                    List<JoinTokens.Token> all = tokens.list();
                    ShellTable table = new ShellTable();
                    table.column("Id");
                    table.column("Expires");
                    table.column("State");
                    table.column("Description");
                    for (JoinTokens.Token t : all) {
                        table.addRow().addContent(t.id(), t.expires().toString(), t.revoked() ? "revoked" : "valid", t.description());
                    }
                    table.print(System.out);
                }
                case "revoke" -> {
                    if (id == null || id.isBlank()) {
                        throw new IllegalArgumentException("say which token: outpost:token revoke <id> (ids are in 'outpost:token list')");
                    }
                    System.out.println(tokens.revoke(id) ? "revoked " + id : "no token with id " + id + "; see 'outpost:token list'");
                }
                default -> throw new IllegalArgumentException("unknown action '" + action + "': use create, list or revoke");
            }
        } catch (LinkException e) {
            throw new IllegalArgumentException(e.getMessage());
        }
        return null;
    }

    static Duration parseDuration(String s) {
        String v = s.trim().toLowerCase(java.util.Locale.ROOT);
        try {
            if (v.endsWith("d")) {
                return Duration.ofDays(Long.parseLong(v.substring(0, v.length() - 1)));
            }
            if (v.endsWith("h")) {
                return Duration.ofHours(Long.parseLong(v.substring(0, v.length() - 1)));
            }
            if (v.endsWith("m")) {
                return Duration.ofMinutes(Long.parseLong(v.substring(0, v.length() - 1)));
            }
            if (v.endsWith("s")) {
                return Duration.ofSeconds(Long.parseLong(v.substring(0, v.length() - 1)));
            }
            return Duration.parse(s);
        } catch (NumberFormatException | DateTimeParseException e) {
            throw new IllegalArgumentException("cannot read the duration '" + s + "': use e.g. 24h, 30m, 7d");
        }
    }
}
