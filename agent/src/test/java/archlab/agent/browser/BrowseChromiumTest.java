package archlab.agent.browser;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import archlab.knowledge.store.Store;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The browser in a real browser: Debian's headless Chromium, driven by Selenium through Debian's
 * chromedriver (both by path, so Selenium Manager never downloads anything). Skips, saying why, when
 * they are not installed (scripts/install-chromium.sh installs them; .ci/run calls it).
 *
 * <p>Two campaigns are served at once: a native one, shaped like a short real run, and an imported
 * JSONL campaign of 2,000 experiments. Screenshots land in {@code target/browser-screenshots/}.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BrowseChromiumTest {
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    static final Path SHOTS = Path.of("target", "browser-screenshots");
    static final int IMPORTED = 2000;

    @TempDir
    static Path dir;
    static BrowseFixture.Native fx;
    static Store imported;
    static BrowseServer server;
    static WebDriver driver;
    static WebDriverWait wait;
    static String base;

    @BeforeAll
    static void start() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "SKIPPED browser tests: " + CHROMIUM + " and " + CHROMEDRIVER
                        + " are needed (Debian packages chromium and chromium-driver; scripts/install-chromium.sh)");
        fx = BrowseFixture.nativeCampaign(dir.resolve("native"));
        imported = BrowseFixture.importedCampaign(dir.resolve("imported"), IMPORTED);
        server = BrowseServer.builder().store(fx.store()).store(imported).port(0).pollMillis(250).build().start();
        base = "http://127.0.0.1:" + server.port();

        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1400,1000",
                "--user-data-dir=" + Files.createTempDirectory(dir, "chromium-profile"));
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
        driver = new ChromeDriver(service, options);
        wait = new WebDriverWait(driver, Duration.ofSeconds(20));
        Files.createDirectories(SHOTS);
    }

    @AfterAll
    static void stop() {
        if (driver != null) {
            driver.quit();
        }
        if (server != null) {
            server.close();
        }
        if (fx != null) {
            fx.store().close();
        }
        if (imported != null) {
            imported.close();
        }
    }

    static void open(String path) {
        driver.get(base + path);
        wait.until(d -> "complete".equals(((org.openqa.selenium.JavascriptExecutor) d).executeScript("return document.readyState")));
    }

    static void shot(String name) throws IOException {
        File f = ((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE);
        Files.copy(f.toPath(), SHOTS.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
    }

    static String importedId() {
        return server.campaigns().values().stream().filter(b -> b.campaign().name().equals("external")).findFirst()
                .orElseThrow().slug();
    }

    @Test
    @Order(1)
    void overviewTableFilterTreeAndExperimentOfANativeCampaign() throws IOException {
        String c = fx.campaignId();
        open("/");
        assertThat(driver.findElements(By.cssSelector("#campaigns tbody tr"))).hasSize(2);
        driver.findElement(By.linkText("fixture")).click();
        wait.until(ExpectedConditions.presenceOfElementLocated(By.id("pareto")));
        assertThat(driver.getTitle()).contains("fixture");
        assertThat(driver.findElements(By.cssSelector("#best-so-far svg circle"))).isNotEmpty();
        assertThat(driver.findElements(By.cssSelector("#pareto a.point"))).isNotEmpty();
        assertThat(driver.findElement(By.id("failure-counts")).getText()).contains("nan_loss");
        // Live updates are connected: the status badge turns green.
        wait.until(ExpectedConditions.attributeContains(By.id("live-status"), "class", "connected"));
        shot("overview");

        // A Pareto point opens its experiment.
        WebElement point = driver.findElements(By.cssSelector("#pareto a.point")).get(0);
        String href = point.getDomAttribute("href");
        ((org.openqa.selenium.JavascriptExecutor) driver).executeScript(
                "arguments[0].dispatchEvent(new MouseEvent('click', {bubbles: true}))", point);
        wait.until(ExpectedConditions.urlContains("/e/"));
        assertThat(driver.getCurrentUrl()).isEqualTo(base + href);

        // The table, sorted by fitness, then filtered to failures with the form.
        open("/c/" + c + "/experiments");
        assertThat(driver.findElements(By.cssSelector("#experiments tbody tr"))).hasSize(fx.ids().size());
        driver.findElement(By.cssSelector("th a[data-sort=fitness]")).click();
        wait.until(ExpectedConditions.urlContains("sort=fitness"));
        assertThat(driver.findElement(By.cssSelector("#experiments tbody tr")).getAttribute("data-id")).isEqualTo(fx.bestId());
        driver.findElement(By.cssSelector("input[name=status][value=failed]")).click();
        driver.findElement(By.id("apply-filters")).click();
        wait.until(ExpectedConditions.urlContains("status=failed"));
        List<WebElement> rows = driver.findElements(By.cssSelector("#experiments tbody tr"));
        assertThat(rows).hasSize(1);
        assertThat(rows.get(0).getAttribute("data-id")).isEqualTo(fx.failedId());
        shot("table-filtered");

        // Full-text search over hypotheses.
        open("/c/" + c + "/experiments");
        driver.findElement(By.name("q")).sendKeys("relu feature");
        driver.findElement(By.id("apply-filters")).click();
        wait.until(ExpectedConditions.urlContains("q=relu"));
        assertThat(driver.findElements(By.cssSelector("#experiments tbody tr"))).isNotEmpty()
                .allSatisfy(r -> assertThat(r.getText()).contains("relu"));

        // The tree: click a node, land on its experiment page, with its diff and curves.
        open("/c/" + c + "/tree");
        assertThat(driver.findElements(By.cssSelector("#search-tree g.node"))).hasSizeGreaterThan(3);
        shot("tree");
        WebElement node = driver.findElement(By.cssSelector("#search-tree g.node[data-id='" + fx.bestId() + "'] a.open"));
        ((org.openqa.selenium.JavascriptExecutor) driver).executeScript(
                "arguments[0].dispatchEvent(new MouseEvent('click', {bubbles: true}))", node);
        wait.until(ExpectedConditions.urlContains("/e/" + fx.bestId()));
        wait.until(ExpectedConditions.presenceOfElementLocated(By.id("diff")));
        assertThat(driver.findElements(By.cssSelector("#diff .add"))).isNotEmpty();
        assertThat(driver.findElements(By.cssSelector("#graph-diff li"))).isNotEmpty();
        // results lead: fitness against the baseline at each stage, then the held-out and loss curves
        assertThat(driver.findElement(By.cssSelector("main h2")).getText()).isEqualTo("Results");
        assertThat(driver.findElement(By.id("stage-scores")).getText()).contains("baseline at this stage", "verify");
        assertThat(driver.findElements(By.cssSelector("#held-out-curve svg path.series-line"))).hasSize(2);
        assertThat(driver.findElements(By.cssSelector("#loss-curve svg path.series-line"))).hasSize(2);
        // the log option redraws the curves on a log axis
        driver.findElement(By.id("log-scale")).click();
        wait.until(ExpectedConditions.urlContains("log=1"));
        assertThat(driver.findElement(By.id("held-out-curve")).getText()).contains("log scale");
        driver.findElement(By.id("linear-scale")).click();
        wait.until(ExpectedConditions.not(ExpectedConditions.urlContains("log=1")));
        // the architecture: blocks nested and folded; a closed box opens on a click
        WebElement outline = driver.findElement(By.id("block-outline"));
        assertThat(outline.getText()).contains("layer", "×2", "mixer");
        WebElement closed = outline.findElements(By.cssSelector("details.block:not([open])")).get(0);
        closed.findElement(By.tagName("summary")).click();
        assertThat(closed.getDomAttribute("open")).isNotNull();
        // every op as a graph, constants folded, behind a summary
        driver.findElement(By.cssSelector("#op-graph > summary")).click();
        assertThat(driver.findElements(By.cssSelector("#arch-graph g.op"))).hasSizeGreaterThan(10);
        assertThat(driver.findElement(By.id("llm-calls")).getText()).contains("qwen-test");
        assertThat(driver.findElement(By.id("definition")).findElements(By.cssSelector(".k"))).isNotEmpty();
        shot("experiment");

        // Zoom buttons change the diagram's view box.
        WebElement arch = driver.findElement(By.id("arch-graph"));
        String before = arch.getDomAttribute("viewBox");
        driver.findElement(By.cssSelector(".zoom-controls[data-target=arch-graph] button[data-zoom=in]")).click();
        assertThat(arch.getDomAttribute("viewBox")).isNotNull().isNotEqualTo(before);

        // The escaped hypothesis shows as text, and no script of it ran.
        open("/c/" + c + "/e/" + fx.xssId());
        assertThat(driver.findElement(By.id("hypothesis")).getText()).contains(BrowseFixture.XSS);
        assertThatThrownBy(() -> driver.switchTo().alert()).isInstanceOf(org.openqa.selenium.NoAlertPresentException.class);
    }

    @Test
    @Order(4)
    void experimentsTickedInTheTableOverlayAndCompare() throws IOException {
        String c = fx.campaignId();
        // the fixture's resized designs (all with curves), not the one the live test adds
        open("/c/" + c + "/experiments?sort=fitness&q=resize");
        List<WebElement> boxes = driver.findElements(By.cssSelector("#experiments input[name=e]"));
        boxes.get(0).click();
        boxes.get(1).click();
        driver.findElement(By.id("pair-picked")).click();
        wait.until(ExpectedConditions.urlContains("/pair?"));
        assertThat(driver.findElement(By.id("pair-table")).getText()).contains("fitness at", "against the baseline");
        assertThat(driver.findElements(By.cssSelector("#pair-curves-loss svg path.series-line"))).hasSize(2);
        assertThat(driver.findElements(By.cssSelector("#pair-diff .add, #pair-diff .del"))).isNotEmpty();
        shot("pair");

        // the fixture's resized designs (all with curves), not the one the live test adds
        open("/c/" + c + "/experiments?sort=fitness&q=resize");
        boxes = driver.findElements(By.cssSelector("#experiments input[name=e]"));
        for (int i = 0; i < 4; i++) {
            boxes.get(i).click();
        }
        driver.findElement(By.id("overlay-picked")).click();
        wait.until(ExpectedConditions.urlContains("/curves?"));
        assertThat(driver.findElement(By.tagName("h1")).getText()).isEqualTo("Curves of 4 experiments");
        assertThat(driver.findElements(By.cssSelector("#overlay-held-out svg path.series-line"))).hasSize(4);
        // smoothing and a log axis, redrawn from the form
        new org.openqa.selenium.support.ui.Select(driver.findElement(By.id("smooth"))).selectByValue("0.8");
        driver.findElement(By.id("log")).click();
        driver.findElement(By.id("redraw")).click();
        wait.until(ExpectedConditions.urlContains("smooth=0.8"));
        assertThat(driver.findElement(By.id("overlay-loss")).getText()).contains("smoothed 0.80", "log scale");
        assertThat(driver.findElements(By.cssSelector("#overlay-loss svg path.series-line"))).hasSize(4);
        shot("overlay");

        // the column chooser: add the primary metric and the design move, drop the hypothesis
        open("/c/" + c + "/experiments");
        driver.findElement(By.cssSelector("#column-chooser > summary")).click();
        driver.findElement(By.cssSelector("#column-chooser input[value=metric]")).click();
        driver.findElement(By.cssSelector("#column-chooser input[value=move]")).click();
        driver.findElement(By.cssSelector("#column-chooser input[value=hypothesis]")).click();
        driver.findElement(By.id("apply-filters")).click();
        wait.until(ExpectedConditions.urlContains("cols="));
        String head = driver.findElement(By.cssSelector("#experiments thead")).getText();
        assertThat(head).contains("primary metric", "design move").doesNotContain("hypothesis");
        // a sort keeps the chosen columns
        driver.findElement(By.cssSelector("#experiments thead a[data-sort=fitness]")).click();
        wait.until(ExpectedConditions.urlContains("sort=fitness"));
        assertThat(driver.findElement(By.cssSelector("#experiments thead")).getText()).contains("design move");
        shot("columns");

        // a tag and a note from the experiment page's form
        open("/c/" + c + "/e/" + fx.bestId());
        new org.openqa.selenium.support.ui.Select(driver.findElement(By.id("note-kind"))).selectByValue("tag");
        driver.findElement(By.id("note-text")).sendKeys("keep");
        driver.findElement(By.id("note-add")).click();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector("#notes .tags"), "keep"));
        driver.findElement(By.id("note-text")).sendKeys("recall jumps late; give it more steps");
        driver.findElement(By.id("note-add")).click();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector("#notes .note-list"),
                "recall jumps late"));
    }

    @Test
    @Order(3)
    void liveUpdatesAddANewExperimentToTheOpenTable() throws Exception {
        String c = fx.campaignId();
        open("/c/" + c + "/experiments?sort=created&dir=desc");
        wait.until(ExpectedConditions.attributeContains(By.id("live-status"), "class", "connected"));
        BrowseFixture.addExperiment(fx.store(), c, fx.bestId(), "fx-live-chromium", 0.7);
        wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#experiments tr[data-id='fx-live-chromium']")));
        assertThat(driver.findElement(By.id("live-status")).getText()).contains("experiments");
        shot("live-table");
    }

    @Test
    @Order(2)
    void anImportedCampaignOfTwoThousandExperimentsBrowsesLikeANativeOne() throws IOException {
        String c = importedId();
        open("/c/" + c);
        assertThat(driver.findElement(By.cssSelector(".card-value")).getText()).isEqualTo("imported");
        assertThat(driver.findElements(By.cssSelector("#pareto a.point"))).isNotEmpty();
        shot("imported-overview");

        open("/c/" + c + "/experiments?sort=fitness");
        assertThat(driver.findElement(By.id("match-count")).getText()).startsWith(IMPORTED + " of " + IMPORTED);
        driver.findElement(By.id("next-page")).click();
        wait.until(ExpectedConditions.urlContains("page=2"));
        assertThat(driver.findElements(By.cssSelector("#experiments tbody tr"))).hasSize(TableQuery.DEFAULT_SIZE);

        // A large tree stays small on screen: the best branches, with counts of the hidden ones.
        open("/c/" + c + "/tree");
        int shown = driver.findElements(By.cssSelector("#search-tree g.node")).size();
        assertThat(shown).isBetween(2, 600);
        assertThat(driver.findElements(By.cssSelector("#search-tree a.more-link"))).isNotEmpty();
        // Fold a branch in place, then focus on a node.
        WebElement fold = driver.findElement(By.cssSelector("#search-tree [data-fold]"));
        fold.click();
        assertThat(driver.findElements(By.cssSelector("#search-tree g.node.hidden"))).isNotEmpty();
        shot("imported-tree");
        WebElement focus = driver.findElements(By.cssSelector("#search-tree a.focus-link")).get(1);
        ((org.openqa.selenium.JavascriptExecutor) driver).executeScript(
                "arguments[0].dispatchEvent(new MouseEvent('click', {bubbles: true}))", focus);
        wait.until(ExpectedConditions.urlContains("focus="));
        assertThat(driver.findElements(By.cssSelector("#search-tree g.node.focus"))).hasSize(1);

        open("/c/" + c + "/e/ext-10");
        assertThat(driver.findElement(By.id("definition")).getText()).contains("class Net(nn.Module)");
        assertThat(driver.findElements(By.cssSelector("#curves svg path.series-line"))).isNotEmpty();
        assertThat(driver.findElement(By.id("family")).getText()).contains("parent");

        open("/compare?c=" + fx.campaignId() + "&c=" + c);
        assertThat(driver.findElements(By.cssSelector("#compare-chart path.series-step"))).hasSize(2);
        assertThat(driver.findElements(By.cssSelector(".leaderboard"))).hasSize(2);
        shot("compare");
    }
}
