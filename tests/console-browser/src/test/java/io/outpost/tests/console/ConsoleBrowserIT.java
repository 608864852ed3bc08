package io.outpost.tests.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The gateway's web console in Debian's chromium, as a technician uses it: log in with the
 * generated password, be made to choose a new one, see the status with the cloud link, change a
 * setting (and see a wrong value refused next to its field), install a feature, read the logs,
 * set a device's desired value and see the reported one follow, install the pod manager and
 * follow a pod's log.
 * Each page is photographed into docs/screenshots/. The steps depend on each other, so they run
 * in order against one browser.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsoleBrowserIT {
    private static final String URL = required("console.url");
    private static final String USER = System.getProperty("console.user", "karaf");
    private static ChromeDriver browser;
    private static WebDriverWait wait;
    private static Path shots;

    private static String required(String name) {
        String v = System.getProperty(name);
        if (v == null || v.isBlank() || v.startsWith("${")) {
            throw new IllegalStateException("-D" + name + " is required: run karaf-assembly/src/test/e2e/console.sh");
        }
        return v;
    }

    @BeforeAll
    static void openBrowser() throws Exception {
        shots = Path.of(required("console.screenshots"));
        Files.createDirectories(shots);
        // Debian's chromedriver and chromium; nothing is downloaded (Selenium Manager stays unused)
        System.setProperty("webdriver.chrome.driver", "/usr/bin/chromedriver");
        ChromeOptions o = new ChromeOptions();
        o.setBinary("/usr/bin/chromium");
        Path profile = Files.createTempDirectory("console-chromium");
        o.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage", "--user-data-dir=" + profile,
                "--window-size=1280,900");
        o.setAcceptInsecureCerts(true); // the console's certificate is self-signed
        browser = new ChromeDriver(ChromeDriverService.createDefaultService(), o);
        wait = new WebDriverWait(browser, Duration.ofSeconds(30));
    }

    @AfterAll
    static void closeBrowser() {
        if (browser != null) {
            browser.quit();
        }
    }

    private static WebElement visible(String id) {
        return wait.until(ExpectedConditions.visibilityOfElementLocated(By.id(id)));
    }

    private static void textIn(String id, String text) {
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id(id), text));
    }

    private static void type(String id, String text) {
        WebElement e = visible(id);
        e.clear();
        e.sendKeys(text);
    }

    private static void shot(String name) throws Exception {
        Thread.sleep(300); // let the last layout settle; the screenshot is documentation, not an assertion
        Path tmp = browser.getScreenshotAs(OutputType.FILE).toPath();
        Files.copy(tmp, shots.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
    }

    @Test
    @Order(1)
    void aWrongPasswordIsRefusedOnTheLoginPage() throws Exception {
        browser.get(URL);
        type("username", USER);
        type("password", "not-the-password");
        visible("login-submit").click();
        textIn("login-error", "wrong user name or password");
        shot("login");
    }

    @Test
    @Order(2)
    void theFirstLoginForcesANewPassword() throws Exception {
        type("password", required("console.password"));
        visible("login-submit").click();
        visible("password-form");
        type("current-password", required("console.password"));
        type("new-password", "short");
        type("confirm-password", "short");
        visible("password-submit").click();
        textIn("new-password-error", "at least 10 characters");
        shot("change-password");
        String fresh = required("console.newPassword");
        type("new-password", fresh);
        type("confirm-password", fresh);
        visible("password-submit").click();
        visible("status-node");
        assertTrue(browser.findElement(By.id("nav")).isDisplayed(), "the menu appears once the password is changed");
    }

    @Test
    @Order(3)
    void theStatusPageShowsTheNodeAndItsCloudLinkLive() throws Exception {
        textIn("status-link-state", "CONNECTED");
        assertTrue(!visible("status-node").getText().isBlank());
        textIn("status-updated", "live");
        assertTrue(visible("status-latency").getText().matches("[0-9]+ ms"), "the link's round trip: " + visible("status-latency").getText());
        assertTrue(visible("status-memory").getText().contains("free of"));
        assertTrue(visible("status-disk").getText().contains("free of"));
        assertTrue(visible("status-cpu").getText().contains("load"), visible("status-cpu").getText());
        assertTrue(visible("status-uptime").getText().matches("system .*, gateway .*"), visible("status-uptime").getText());
        assertTrue(visible("status-link-cert").getText().contains("days"), "the node certificate's expiry");
        assertTrue(visible("status-console-cert").getText().contains("self-signed"));
        String first = visible("status-updated").getText();
        wait.until(d -> !d.findElement(By.id("status-updated")).getText().equals(first)); // server-sent events update the page
        shot("status");
        browser.manage().window().setSize(new Dimension(412, 915)); // a phone
        Thread.sleep(500);
        assertTrue(visible("status-link-state").isDisplayed());
        shot("status-phone");
        browser.manage().window().setSize(new Dimension(1280, 900));
    }

    @Test
    @Order(4)
    void aSettingIsChangedAndAWrongValueIsRefusedNextToItsField() throws Exception {
        visible("nav-config").click();
        wait.until(ExpectedConditions.elementToBeClickable(By.cssSelector("a[data-pid='io.outpost.edge.node']")));
        shot("configuration");
        browser.findElement(By.cssSelector("a[data-pid='io.outpost.edge.node']")).click();
        type("field-statusUpdateSeconds", "0");
        visible("config-apply").click();
        textIn("error-statusUpdateSeconds", "must be at least 1");
        assertTrue(visible("field-statusUpdateSeconds").getAttribute("class").contains("invalid"));
        type("field-statusUpdateSeconds", "ten");
        visible("config-apply").click();
        textIn("error-statusUpdateSeconds", "must be a whole number, not 'ten'");
        browser.executeScript("arguments[0].scrollIntoView({block: 'center'})", visible("field-statusUpdateSeconds"));
        shot("configuration-invalid");
        type("field-statusUpdateSeconds", "7");
        visible("config-apply").click();
        textIn("config-message", "Applied.");
        assertEquals("", browser.findElement(By.id("error-statusUpdateSeconds")).getText(), "the error is gone");
        browser.navigate().refresh();
        wait.until(d -> "7".equals(d.findElement(By.id("field-statusUpdateSeconds")).getAttribute("value")));
        browser.executeScript("window.scrollTo(0, 0)");
        shot("configuration-form");

        // a snapshot by hand, another change, and a rollback to the snapshot
        visible("nav-config").click();
        visible("snapshot-take").click();
        textIn("snapshot-message", "taken");
        String current = String.valueOf(browser.executeAsyncScript("const done = arguments[arguments.length - 1];"
                + "fetch('/api/snapshots/current', {credentials: 'same-origin'}).then(r => r.text()).then(done, e => done('failed ' + e));"));
        assertTrue(current.contains("io.outpost.edge.node") && current.contains("statusUpdateSeconds"), "the download: " + current);
        browser.findElement(By.cssSelector("a[data-pid='io.outpost.edge.node']")).click();
        type("field-statusUpdateSeconds", "8");
        visible("config-apply").click();
        textIn("config-message", "Applied.");
        visible("nav-config").click();
        By byHand = By.xpath("//li[contains(., 'taken by hand')]/button[@data-snapshot]");
        wait.until(ExpectedConditions.elementToBeClickable(byHand)).click();
        wait.until(ExpectedConditions.alertIsPresent()).accept();
        textIn("snapshot-message", "Rolled back");
        browser.findElement(By.cssSelector("a[data-pid='io.outpost.edge.node']")).click();
        wait.until(d -> "7".equals(d.findElement(By.id("field-statusUpdateSeconds")).getAttribute("value")));
    }

    @Test
    @Order(5)
    void aFeatureIsInstalledFromTheGatewaysRepository() throws Exception {
        visible("nav-bundles").click();
        type("feature-filter", "instance");
        visible("feature-install-instance").click();
        textIn("features-message", "instance installed");
        visible("feature-uninstall-instance").click();
        textIn("features-message", "instance uninstalled");
        visible("feature-install-instance").click();
        textIn("features-message", "instance installed");
        visible("feature-uninstall-instance");
        shot("bundles-features");
    }

    @Test
    @Order(6)
    void theLogPageShowsRecentLinesAndFollowsNewOnes() throws Exception {
        visible("nav-logs").click();
        wait.until(d -> d.findElements(By.cssSelector("#log-lines div")).size() > 3);
        assertTrue(visible("log-lines").getText().contains("instance"), "the feature installation just done is in the log");
        shot("logs");
    }

    @Test
    @Order(7)
    void theDevicesPageShowsTwinsLiveAndSetsADesiredValueCheckedAgainstTheModel() throws Exception {
        visible("nav-devices").click();
        textIn("device-default-thermometer-1", "thermometer-1");
        textIn("device-state-default-thermometer-1", "online");
        String temp = "reported-default-thermometer-1-temperature";
        wait.until(d -> d.findElement(By.id(temp)).getText().matches("(?s)-?[0-9.]+.*"));
        String first = visible(temp).findElement(By.className("value")).getText();
        wait.until(d -> !d.findElement(By.id(temp)).findElement(By.className("value")).getText().equals(first)); // live, no reload
        assertTrue(browser.findElements(By.id("desired-input-default-thermometer-1-temperature")).isEmpty(), "a ReadOnly property has no input");

        type("desired-input-default-thermometer-1-setpoint", "99");
        visible("desired-set-default-thermometer-1-setpoint").click();
        textIn("desired-error-default-thermometer-1-setpoint", "99 is outside the model's range [5, 30]");
        assertTrue(visible("desired-input-default-thermometer-1-setpoint").getAttribute("class").contains("invalid"));
        shot("devices-invalid");

        type("desired-input-default-thermometer-1-setpoint", "24.5");
        visible("desired-set-default-thermometer-1-setpoint").click();
        textIn("desired-default-thermometer-1-setpoint", "24.5");
        assertEquals("", browser.findElement(By.id("desired-error-default-thermometer-1-setpoint")).getText(), "the error is gone");
        // the simulated mapper writes it to the device and reads it back: the reported value follows, live
        textIn("reported-default-thermometer-1-setpoint", "24.5");
        shot("devices");
    }

    @Test
    @Order(8)
    void withoutThePodManagerThePodsPageSaysHowToInstallItAndItIsInstalledFromTheConsole() throws Exception {
        visible("nav-pods").click();
        textIn("pods-message", "feature:install outpost-pods");
        shot("pods-not-installed");
        visible("pods-install").click();
        type("feature-filter", "outpost-pods");
        visible("feature-install-outpost-pods").click();
        new WebDriverWait(browser, Duration.ofSeconds(120)).until(ExpectedConditions.textToBePresentInElementLocated(By.id("features-message"),
                "outpost-pods installed"));
    }

    @Test
    @Order(9)
    void thePodsPageListsTheRunningPodAndFollowsItsLog() throws Exception {
        visible("nav-pods").click();
        By status = By.cssSelector("tr[data-pod='default/ticker'] td[data-status]");
        // the pod manager starts, asks the cloud for its pods, runs the pod: the list updates itself
        new WebDriverWait(browser, Duration.ofSeconds(120)).until(ExpectedConditions.textToBePresentInElementLocated(status, "Running"));
        assertTrue(browser.findElement(By.cssSelector("tr[data-pod='default/ticker']")).getText().matches("(?s).*1/1.*10\\.88\\..*"),
                browser.findElement(By.cssSelector("tr[data-pod='default/ticker']")).getText());
        shot("pods");
        browser.manage().window().setSize(new Dimension(412, 915)); // a phone
        Thread.sleep(500);
        assertTrue(browser.findElement(status).isDisplayed());
        shot("pods-phone");
        browser.manage().window().setSize(new Dimension(1280, 900));

        visible("pod-link-default-ticker").click();
        textIn("pod-status", "Running");
        textIn("pod-log-lines", "tick");
        int before = browser.findElements(By.cssSelector("#pod-log-lines div")).size();
        wait.until(d -> d.findElements(By.cssSelector("#pod-log-lines div")).size() >= before + 2); // followed live
        textIn("pod-log-message", "Following");
        shot("pod-logs");
    }

    @Test
    @Order(10)
    void theOtaPageShowsTheHistoryAndFollowsARolloutLive() throws Exception {
        visible("nav-ota").click();
        By first = By.cssSelector("tr[data-rollout='default/console-hello-v1'][data-phase='Succeeded']");
        wait.until(ExpectedConditions.visibilityOfElementLocated(first)); // console.sh ran this one before
        textIn("ota-current-idle", "No update in progress");
        // a marker that a reload would lose: the rollout below must reach the page through its event stream
        browser.executeScript("window.otaMarker = 'still here';");
        Process kubectl = new ProcessBuilder("kubectl", "--request-timeout=10s", "apply", "--validate=false", "-f", required("console.otaRollout"))
                .redirectErrorStream(true).start();
        String out = new String(kubectl.getInputStream().readAllBytes());
        assertEquals(0, kubectl.waitFor(), "kubectl apply of the rollout: " + out);
        By second = By.cssSelector("tr[data-rollout='default/console-hello-v2'][data-phase='Succeeded']");
        new WebDriverWait(browser, Duration.ofSeconds(120)).until(ExpectedConditions.visibilityOfElementLocated(second));
        assertEquals("still here", browser.executeScript("return window.otaMarker;"), "the page was updated live, not reloaded");
        String feature = visible("ota-features-body").getText();
        assertTrue(feature.matches("(?s).*ota-hello.*1\\.1\\.0.*yes.*"), feature);
        assertTrue(browser.findElement(second).getText().contains("1.0.0"), "the previous version is shown");
        textIn("ota-current-idle", "No update in progress");
        shot("ota");
        browser.manage().window().setSize(new Dimension(412, 915)); // a phone
        Thread.sleep(500);
        assertTrue(browser.findElement(second).isDisplayed());
        assertTrue(visible("nav-ota").isDisplayed());
        shot("ota-phone");
        browser.manage().window().setSize(new Dimension(1280, 900));
    }

    @Test
    @Order(11)
    void anInstalledFeatureIsUpdatedToTheNewerVersionInTheGatewaysRepository() throws Exception {
        // ota-hello 1.1.0 came with the rollout above; console.sh put 1.2.0 into the gateway's system/
        visible("nav-bundles").click();
        type("feature-filter", "ota-hello");
        textIn("feature-newer-ota-hello", "1.2.0 available");
        WebElement update = visible("feature-update-ota-hello");
        assertEquals("Update to 1.2.0", update.getText());
        assertTrue(browser.findElement(By.cssSelector("tr[data-feature='ota-hello'][data-version='1.1.0']")).getText().contains("installed"));
        shot("bundles-update");
        update.click();
        new WebDriverWait(browser, Duration.ofSeconds(120)).until(ExpectedConditions.textToBePresentInElementLocated(By.id("features-message"),
                "ota-hello updated to 1.2.0"));
        By updated = By.cssSelector("tr[data-feature='ota-hello'][data-version='1.2.0']");
        wait.until(ExpectedConditions.textToBePresentInElementLocated(updated, "installed"));
        assertTrue(browser.findElements(By.id("feature-update-ota-hello")).isEmpty(), "nothing newer is offered any more");
        String old = browser.findElement(By.cssSelector("tr[data-feature='ota-hello'][data-version='1.1.0']")).getText();
        assertTrue(old.contains("available") && !old.contains("installed"), "the old version was replaced, not kept: " + old);
    }

    @Test
    @Order(12)
    void loggingOutEndsTheSession() {
        visible("logout").click();
        visible("login-form");
        browser.get(URL + "#/status");
        visible("login-form");
    }
}
