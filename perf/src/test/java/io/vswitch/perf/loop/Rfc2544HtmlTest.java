package io.vswitch.perf.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class Rfc2544HtmlTest {
  private static Rfc2544.SizeResult result(int size, double tput) {
    return new Rfc2544.SizeResult(
        size,
        tput * 2,
        tput,
        7,
        new LatencySummary(10, 1, 2, 3, 4, 5),
        new double[] {1, 2},
        new double[] {0, 0.5},
        512);
  }

  @Test
  void gigabitsCountTheWholeFrame() {
    assertEquals(14.88 * 64 * 8 / 1000, result(64, 14.88).throughputGbps(), 1e-9);
  }

  @Test
  void reportIsSelfContainedHtmlWithBothPlots() {
    List<Rfc2544.SizeResult> rs = List.of(result(64, 10), result(1518, 0.8));
    String html = Rfc2544Html.render(rs, Rfc2544.table(rs));
    assertTrue(html.startsWith("<!DOCTYPE html>"));
    assertEquals(2, html.split("<svg ", -1).length - 1);
    assertTrue(html.contains("<polyline"));
    assertTrue(!html.contains("<script") && !html.contains("src=\"http"));
    assertTrue(html.contains("1518"));
  }

  @Test
  void escapesMarkup() {
    assertEquals("a &lt;b&gt; &amp;", Rfc2544Html.escape("a <b> &"));
  }
}
