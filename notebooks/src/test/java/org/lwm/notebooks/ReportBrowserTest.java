package org.lwm.notebooks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.lwm.core.lake.JobCounts;
import org.lwm.core.lake.Lake;
import org.lwm.core.testing.TestSpark;
import org.lwm.orchestration.report.RunReport;

/**
 * The run report of the demo lake in a real browser: headless Chromium loads it, a screenshot is taken
 * (target/notebooks-run/report.png), and the test fails on any console message or an image that does not decode.
 * A page with a broken image and a console error shows first that both checks catch what they look for.
 */
class ReportBrowserTest {
  static final String IMAGE_CHECK = "<script>window.addEventListener('load', () => {"
      + " const imgs = [...document.images];"
      + " const bad = imgs.filter(i => !i.complete || i.naturalWidth === 0).map(i => i.alt);"
      + " const out = document.createElement('pre'); out.id = 'imgcheck';"
      + " out.textContent = bad.length ? 'broken: ' + bad.join(' | ') : 'decoded ' + imgs.length + ' images';"
      + " document.body.appendChild(out); });</script>";

  @Test
  void theReportLoadsInChromiumWithEveryImageAndNoConsoleMessage() throws Exception {
    String chromium = DemoLake.tool("chromium", "chromium");
    Path work = Path.of(DemoLake.property("lwm.notebooks.work"));
    Files.createDirectories(work);

    // the checks themselves: a broken image and a console error are seen
    Path bad = work.resolve("broken.html");
    Files.writeString(bad, "<!DOCTYPE html><html><body><img alt=\"bad\" src=\"data:image/png;base64,iVBORw0KGgo=\">"
        + "<script>console.error('deliberate')</script></body></html>");
    assertTrue(imageCheck(chromium, bad, work).contains("broken: bad"), "the image check must see a broken image");
    assertFalse(consoleMessages(chromium, bad, work.resolve("broken.png"), work).isEmpty(), "the console check must see console.error");

    Path report = work.resolve("report.html");
    JobCounts c = RunReport.write(TestSpark.session(), Lake.of(DemoLake.lake().toString()), DemoLake.runDir(), report, 2);
    String html = Files.readString(report);
    int imgs = count(html, "<img ");
    assertEquals(c.get("images"), imgs);
    assertTrue(imgs >= 10, imgs + " images");
    assertEquals(2, c.get("frames"));
    for (String section : List.of("Tables", "Rejects by reason", "Packing", "Training", "Vision tokens decoded")) {
      assertTrue(html.contains("<h2>" + section + "</h2>"), section);
    }
    assertTrue(html.contains("Needle-in-a-haystack accuracy"), "the needle heatmap");
    // self-contained: nothing is fetched
    Matcher ref = Pattern.compile("(?:src|href)=\"(?!data:)([^\"]*)\"").matcher(html);
    assertFalse(ref.find(), () -> "the report refers to " + ref.group(1));

    assertTrue(imageCheck(chromium, report, work).contains("decoded " + imgs + " images"), "every image decodes in Chromium");
    Path png = work.resolve("report.png");
    List<String> console = consoleMessages(chromium, report, png, work);
    assertTrue(console.isEmpty(), "console messages: " + console);
    assertTrue(Files.size(png) > 100_000, "screenshot " + png + " has " + Files.size(png) + " bytes");
  }

  static int count(String s, String what) {
    int n = 0;
    for (int i = s.indexOf(what); i >= 0; i = s.indexOf(what, i + 1)) n++;
    return n;
  }

  static List<String> flags(Path work) throws Exception {
    return new ArrayList<>(List.of("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--user-data-dir=" + Files.createTempDirectory(work, "chromium-profile-")));
  }

  /** The page with a script added that reports, once loaded, which images did not decode (from the dumped DOM). */
  static String imageCheck(String chromium, Path page, Path work) throws Exception {
    Path checked = page.resolveSibling(page.getFileName().toString().replace(".html", "-checked.html"));
    Files.writeString(checked, Files.readString(page).replace("</body>", IMAGE_CHECK + "</body>"));
    List<String> cmd = new ArrayList<>(List.of(chromium));
    cmd.addAll(flags(work));
    cmd.addAll(List.of("--virtual-time-budget=10000", "--dump-dom", checked.toUri().toString()));
    DemoLake.Result r = DemoLake.run(cmd, Map.of(), work.resolve("chromium-dom.log"), 120);
    assertEquals(0, r.code(), r.output());
    Matcher m = Pattern.compile("<pre id=\"imgcheck\">([^<]*)</pre>").matcher(r.output());
    assertTrue(m.find(), "the check script did not run: " + DemoLake.tail(work.resolve("chromium-dom.log")));
    return m.group(1);
  }

  /** Screenshot of the page; the console messages Chromium logged while loading it. */
  static List<String> consoleMessages(String chromium, Path page, Path png, Path work) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(chromium));
    cmd.addAll(flags(work));
    cmd.addAll(List.of("--enable-logging=stderr", "--v=0", "--hide-scrollbars", "--window-size=1400,5200",
        "--screenshot=" + png, page.toUri().toString()));
    DemoLake.Result r = DemoLake.run(cmd, Map.of(), work.resolve("chromium-console.log"), 120);
    assertEquals(0, r.code(), r.output());
    assertTrue(Files.exists(png), "no screenshot: " + r.output());
    List<String> out = new ArrayList<>();
    for (String line : r.output().split("\n")) if (line.contains("CONSOLE") || line.contains("Failed to load resource")) out.add(line);
    return out;
  }
}
