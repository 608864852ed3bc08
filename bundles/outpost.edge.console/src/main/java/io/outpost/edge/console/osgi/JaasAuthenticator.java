package io.outpost.edge.console.osgi;

import io.outpost.edge.console.auth.Authenticator;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Supplier;
import javax.security.auth.Subject;
import javax.security.auth.callback.NameCallback;
import javax.security.auth.callback.PasswordCallback;
import javax.security.auth.callback.UnsupportedCallbackException;
import javax.security.auth.login.AppConfigurationEntry;
import javax.security.auth.login.LoginContext;
import javax.security.auth.login.LoginException;
import org.apache.karaf.jaas.boot.ProxyLoginModule;
import org.apache.karaf.jaas.boot.principal.RolePrincipal;
import org.apache.karaf.jaas.config.JaasRealm;
import org.apache.karaf.jaas.modules.BackingEngine;
import org.apache.karaf.jaas.modules.BackingEngineFactory;
import org.apache.karaf.jaas.modules.BackingEngineService;

/**
 * Logs in against a Karaf JAAS realm (by default "karaf": etc/users.properties) and changes
 * passwords through the realm's own backing engines — the same path as Karaf's {@code jaas:*}
 * commands — so that SSH and every other login of the realm see the new password.
 */
final class JaasAuthenticator implements Authenticator {
    private static final String PUBLICKEY_MODULE = "org.apache.karaf.jaas.modules.publickey.PublickeyLoginModule";

    private final String realm;
    private final String requiredRole;
    private final Supplier<List<JaasRealm>> realms;
    private final Supplier<List<BackingEngineFactory>> engines;

    JaasAuthenticator(String realm, String requiredRole, Supplier<List<JaasRealm>> realms, Supplier<List<BackingEngineFactory>> engines) {
        this.realm = realm;
        this.requiredRole = requiredRole;
        this.realms = realms;
        this.engines = engines;
    }

    @Override
    public void authenticate(String username, char[] password) throws AuthException {
        Subject subject = new Subject();
        Thread t = Thread.currentThread();
        ClassLoader old = t.getContextClassLoader();
        // LoginContext loads the configured module (Karaf's ProxyLoginModule, on the boot class
        // path) through the context class loader.
        t.setContextClassLoader(ProxyLoginModule.class.getClassLoader());
        try {
            LoginContext lc = new LoginContext(realm, subject, callbacks -> {
                for (var cb : callbacks) {
                    if (cb instanceof NameCallback n) {
                        n.setName(username);
                    } else if (cb instanceof PasswordCallback p) {
                        p.setPassword(password);
                    } else {
                        throw new UnsupportedCallbackException(cb, "the console only supplies a user name and a password");
                    }
                }
            });
            lc.login();
            boolean allowed = requiredRole.isBlank() || subject.getPrincipals(RolePrincipal.class).stream().anyMatch(r -> r.getName().equals(requiredRole));
            lc.logout();
            if (!allowed) {
                throw new AuthException("user " + username + " lacks the role '" + requiredRole + "'", true);
            }
        } catch (LoginException e) {
            if (e.getMessage() != null && e.getMessage().contains("No LoginModules configured")) {
                throw new AuthException("the JAAS realm '" + realm + "' does not exist (is the 'jaas' feature running?)", false);
            }
            throw new AuthException(String.valueOf(e.getMessage()), true);
        } finally {
            t.setContextClassLoader(old);
        }
    }

    @Override
    public void changePassword(String username, char[] newPassword) throws AuthException {
        JaasRealm r = realms.get().stream().filter(x -> realm.equals(x.getName())).max(Comparator.comparingInt(JaasRealm::getRank))
                .orElseThrow(() -> new AuthException("the JAAS realm '" + realm + "' is not registered", false));
        BackingEngineService service = new BackingEngineService();
        service.setEngineFactories(new ArrayList<>(engines.get()));
        int changed = 0;
        for (AppConfigurationEntry entry : r.getEntries()) {
            // the key login module shares user names with the password module; never write a password there
            if (PUBLICKEY_MODULE.equals(entry.getOptions().get(ProxyLoginModule.PROPERTY_MODULE))) {
                continue;
            }
            BackingEngine engine = service.get(entry);
            if (engine != null && engine.lookupUser(username) != null) {
                engine.addUser(username, new String(newPassword)); // an existing user keeps their groups and roles
                changed++;
            }
        }
        if (changed == 0) {
            throw new AuthException("no login module of realm '" + realm + "' can store a password for " + username
                    + " (the console writes through Karaf's JAAS backing engines, e.g. etc/users.properties)", false);
        }
    }
}
