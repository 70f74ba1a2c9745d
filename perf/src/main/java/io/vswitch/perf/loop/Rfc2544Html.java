package io.vswitch.perf.loop;

import java.util.List;
import java.util.Locale;

/** The RFC 2544 report as one HTML file with inline SVG plots: no scripts, no external files. */
public final class Rfc2544Html {
  private static final int W = 640;
  private static final int H = 320;
  private static final int PAD = 50;
  private static final String[] COLORS = {
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2"
  };

  private Rfc2544Html() {}

  public static String render(List<Rfc2544.SizeResult> results, String table) {
    StringBuilder b = new StringBuilder();
    b.append("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>vswitch RFC 2544</title>")
        .append("<style>body{font-family:sans-serif;margin:2em}pre{background:#f6f6f6;")
        .append("padding:1em}svg{border:1px solid #ccc;margin:1em 0}</style></head><body>")
        .append("<h1>vswitch RFC 2544</h1>")
        .append("<p>Generator: a Java DPDK process on virtio-user ports; the switch between its")
        .append(" two vhost-user ports. Zero-loss throughput by binary search.</p>");
    b.append("<h2>Throughput (zero loss)</h2>").append(throughputChart(results));
    b.append("<h2>Frame loss rate against offered load</h2>").append(lossChart(results));
    b.append("<h2>Table</h2><pre>").append(escape(table)).append("</pre></body></html>\n");
    return b.toString();
  }

  static String throughputChart(List<Rfc2544.SizeResult> results) {
    double max = results.stream().mapToDouble(Rfc2544.SizeResult::generatorMpps).max().orElse(1);
    max = max <= 0 ? 1 : max;
    StringBuilder s = svgStart("frame size (bytes)", "Mpps");
    int n = results.size();
    double slot = (W - 2.0 * PAD) / Math.max(1, n);
    for (int i = 0; i < n; i++) {
      Rfc2544.SizeResult r = results.get(i);
      double x = PAD + i * slot + slot * 0.15;
      double gh = (H - 2.0 * PAD) * r.generatorMpps() / max;
      double th = (H - 2.0 * PAD) * r.throughputMpps() / max;
      s.append(rect(x, H - PAD - gh, slot * 0.35, gh, "#ccc"));
      s.append(rect(x + slot * 0.35, H - PAD - th, slot * 0.35, th, COLORS[0]));
      s.append(text(x + slot * 0.35, H - PAD + 15, Integer.toString(r.frameSize())));
      s.append(
          text(
              x + slot * 0.5,
              H - PAD - th - 4,
              String.format(Locale.ROOT, "%.2f", r.throughputMpps())));
    }
    s.append(text(W - PAD - 120, PAD - 20, "grey: generator max"));
    s.append(text(W - PAD - 120, PAD - 6, "blue: zero-loss"));
    axis(s, max);
    return s.append("</svg>").toString();
  }

  static String lossChart(List<Rfc2544.SizeResult> results) {
    double maxLoss = 1;
    for (Rfc2544.SizeResult r : results) {
      for (double l : r.lossPercent()) {
        maxLoss = Math.max(maxLoss, l);
      }
    }
    StringBuilder s = svgStart("offered load (% of generator max)", "loss %");
    for (int k = 0; k < results.size(); k++) {
      Rfc2544.SizeResult r = results.get(k);
      double[] loss = r.lossPercent();
      StringBuilder points = new StringBuilder();
      for (int i = 0; i < loss.length; i++) {
        double x = PAD + (W - 2.0 * PAD) * (i + 1) / loss.length;
        double y = H - PAD - (H - 2.0 * PAD) * loss[i] / maxLoss;
        points.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
      }
      String color = COLORS[k % COLORS.length];
      s.append("<polyline fill=\"none\" stroke=\"")
          .append(color)
          .append("\" stroke-width=\"2\" points=\"")
          .append(points)
          .append("\"/>");
      s.append(
          "<text x=\""
              + (W - PAD + 5)
              + "\" y=\""
              + (PAD + 14 * k)
              + "\" font-size=\"11\" fill=\""
              + color
              + "\">"
              + r.frameSize()
              + " B</text>");
    }
    axis(s, maxLoss);
    return s.append("</svg>").toString();
  }

  private static StringBuilder svgStart(String xLabel, String yLabel) {
    StringBuilder s = new StringBuilder();
    s.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"")
        .append(W + 40)
        .append("\" height=\"")
        .append(H)
        .append("\">");
    s.append(line(PAD, H - PAD, W - PAD, H - PAD)).append(line(PAD, PAD, PAD, H - PAD));
    s.append(text(W / 2.0 - 60, H - 12, xLabel)).append(text(4, PAD - 10, yLabel));
    return s;
  }

  private static void axis(StringBuilder s, double max) {
    for (int i = 0; i <= 4; i++) {
      double y = H - PAD - (H - 2.0 * PAD) * i / 4;
      s.append(text(4, y + 4, String.format(Locale.ROOT, "%.2f", max * i / 4)));
    }
  }

  private static String rect(double x, double y, double w, double h, String fill) {
    return String.format(
        Locale.ROOT,
        "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"/>",
        x,
        y,
        w,
        Math.max(0, h),
        fill);
  }

  private static String line(double x1, double y1, double x2, double y2) {
    return String.format(
        Locale.ROOT,
        "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#333\"/>",
        x1,
        y1,
        x2,
        y2);
  }

  private static String text(double x, double y, String t) {
    return String.format(
        Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\">%s</text>", x, y, escape(t));
  }

  static String escape(String t) {
    return t.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }
}
