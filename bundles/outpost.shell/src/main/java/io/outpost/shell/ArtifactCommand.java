package io.outpost.shell;

import io.outpost.ota.api.Artifact;
import io.outpost.ota.api.ArtifactRepository;
import io.outpost.ota.api.ArtifactSignature;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.completers.FileCompleter;
import org.apache.karaf.shell.support.completers.StringsCompleter;
import org.apache.karaf.shell.support.table.ShellTable;

/** The cloud's OTA artifact repository: publish, list, delete; and signing keys. */
@Service
@Command(scope = "outpost", name = "artifact", description = "Publishes, lists and deletes OTA artifacts, and creates signing keys (on the cloud).")
public class ArtifactCommand implements Action {
    @Argument(index = 0, name = "action", description = "publish <file> <feature> <version> | list | delete <feature> <version> | keygen <file>", required = true)
    @Completion(value = StringsCompleter.class, values = {"publish", "list", "delete", "keygen"})
    String action;

    @Argument(index = 1, name = "args", description = "the action's arguments", required = false, multiValued = true)
    @Completion(FileCompleter.class)
    java.util.List<String> args = new java.util.ArrayList<>();

    @Option(name = "--key", description = "PEM Ed25519 private key to sign with (default: signingKey of pid io.outpost.cloud.ota)")
    String key;

    @Option(name = "--unsigned", description = "publish without a signature (gateways refuse it; for tests)")
    boolean unsigned;

    @Reference(optional = true)
    ArtifactRepository repository;

    @Override
    public Object execute() throws Exception {
        takeOptionsFromArguments();
        if ("keygen".equals(action)) {
            keygen();
            return null;
        }
        if (repository == null) {
            throw new IllegalArgumentException("this command runs on the cloud (the ArtifactRepository service is not available here)");
        }
        switch (action) {
            case "publish" -> {
                if (args.size() != 3) {
                    throw new IllegalArgumentException("usage: outpost:artifact publish <file.kar> <feature> <version> [--key <pem>] [--unsigned]");
                }
                Artifact a = repository.publish(Path.of(args.get(0)), args.get(1), args.get(2), key == null ? null : Path.of(key), unsigned);
                System.out.println("published " + a.name() + " " + a.version() + " at " + a.path());
                System.out.println("sha256    " + a.sha256());
                System.out.println("size      " + a.size());
                System.out.println("signature " + (a.signature().isEmpty() ? "(unsigned)" : a.signature()) + (a.keyId().isEmpty() ? "" : " (key " + a.keyId() + ")"));
            }
            case "list" -> {
                ShellTable t = new ShellTable();
                t.column("Feature");
                t.column("Version");
                t.column("Size");
                t.column("SHA-256");
                t.column("Signed");
                t.column("Published");
                for (Artifact a : repository.list()) {
                    t.addRow().addContent(a.name(), a.version(), a.size(), a.sha256().substring(0, 16) + "…",
                            a.signature().isEmpty() ? "no" : a.keyId().isEmpty() ? "yes" : "key " + a.keyId(), a.published().toString());
                }
                t.print(System.out);
            }
            case "delete" -> {
                if (args.size() != 2) {
                    throw new IllegalArgumentException("usage: outpost:artifact delete <feature> <version>");
                }
                System.out.println(repository.delete(args.get(0), args.get(1)) ? "deleted " + args.get(0) + " " + args.get(1)
                        : "no artifact " + args.get(0) + " " + args.get(1) + "; see outpost:artifact list");
            }
            default -> throw new IllegalArgumentException("unknown action '" + action + "': use publish, list, delete or keygen");
        }
        return null;
    }

    /** Karaf takes options only before the arguments; accept them after the file too, where users type them. */
    private void takeOptionsFromArguments() {
        java.util.List<String> rest = new java.util.ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if ("--unsigned".equals(a)) {
                unsigned = true;
            } else if ("--key".equals(a) && i + 1 < args.size()) {
                key = args.get(++i);
            } else if (a.startsWith("--key=")) {
                key = a.substring("--key=".length());
            } else {
                rest.add(a);
            }
        }
        args = rest;
    }

    /** Writes a new Ed25519 key pair: the private key (owner-only) and <file>.pub, to copy to the gateways. */
    private void keygen() throws Exception {
        if (args.size() != 1) {
            throw new IllegalArgumentException("usage: outpost:artifact keygen <private-key-file> (the public key goes to <file>.pub)");
        }
        Path priv = Path.of(args.get(0));
        Path pub = priv.resolveSibling(priv.getFileName() + ".pub");
        if (Files.exists(priv)) {
            throw new IllegalArgumentException(priv + " exists; a signing key is never overwritten (delete it first if you mean it)");
        }
        KeyPair k = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        if (priv.getParent() != null) {
            Files.createDirectories(priv.getParent());
        }
        Files.writeString(priv, "", StandardOpenOption.CREATE_NEW);
        try {
            Files.setPosixFilePermissions(priv, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system
        }
        Files.writeString(priv, ArtifactSignature.toPem(k.getPrivate()), StandardCharsets.US_ASCII);
        Files.writeString(pub, ArtifactSignature.toPem(k.getPublic()), StandardCharsets.US_ASCII);
        System.out.println("private key " + priv + " (keep it on the cloud), public key " + pub + ", key id " + ArtifactSignature.keyId(k.getPublic()));
        System.out.println("On each gateway: copy " + pub.getFileName() + " into etc/outpost-ota-trusted/ (or add it to trustedKeys of pid io.outpost.edge.ota)");
        System.out.print(ArtifactSignature.toPem(k.getPublic()));
    }
}
