package io.vswitch.control.api.metrics;

import java.math.BigDecimal;
import java.util.EnumSet;
import java.util.Set;

/**
 * Writes the Prometheus text exposition format, version 0.0.4
 * (https://prometheus.io/docs/instrumenting/exposition_formats/): a family's {@code # HELP} and
 * {@code # TYPE} once, before its samples, and samples whose labels are exactly the family's
 * declared ones, values escaped ({@code \\}, {@code \"}, {@code \n}). A histogram is written as
 * cumulative {@code _bucket{le=..}} series ending in {@code le="+Inf"}, then {@code _sum} and
 * {@code _count}. Mistakes in the switch's own use (a label that is not the family's, a family
 * written twice) throw, so tests catch them rather than a scraper.
 */
public final class Exposition {
  /** The Content-Type a scraper expects for this format. */
  public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  private final StringBuilder out;
  private final Set<MetricFamily> written = EnumSet.noneOf(MetricFamily.class);
  private MetricFamily current;

  public Exposition(StringBuilder out) {
    this.out = out;
  }

  /** The HELP and TYPE lines; a family's samples follow before any other family is begun. */
  public Exposition family(MetricFamily family) {
    if (!written.add(family)) {
      throw new IllegalStateException(family.metric() + " is written twice");
    }
    current = family;
    out.append("# HELP ").append(family.metric()).append(' ');
    escapeHelp(family.help());
    out.append('\n');
    out.append("# TYPE ").append(family.metric()).append(' ').append(family.type().text());
    out.append('\n');
    return this;
  }

  /** One sample of a counter or gauge; {@code labelValues} in the family's label order. */
  public Exposition sample(MetricFamily family, long value, String... labelValues) {
    requireLabels(family, labelValues, false);
    series(family.metric(), family, labelValues, null);
    out.append(' ').append(value).append('\n');
    return this;
  }

  /** As {@link #sample(MetricFamily, long, String...)}, for a value with a fraction. */
  public Exposition sample(MetricFamily family, double value, String... labelValues) {
    requireLabels(family, labelValues, false);
    series(family.metric(), family, labelValues, null);
    out.append(' ').append(number(value)).append('\n');
    return this;
  }

  /**
   * One histogram's series (one label set).
   *
   * @param upperBounds each bucket's upper bound, ascending, without +Inf
   * @param cumulative how many observations were at most each bound (same length)
   * @param count all observations (the +Inf bucket)
   * @param sum the sum of all observations, in the family's unit
   */
  public Exposition histogram(
      MetricFamily family,
      double[] upperBounds,
      long[] cumulative,
      long count,
      double sum,
      String... labelValues) {
    requireLabels(family, labelValues, true);
    if (upperBounds.length != cumulative.length) {
      throw new IllegalArgumentException("a bound per bucket");
    }
    String bucket = family.metric() + "_bucket";
    for (int b = 0; b < upperBounds.length; b++) {
      series(bucket, family, labelValues, plain(upperBounds[b]));
      out.append(' ').append(cumulative[b]).append('\n');
    }
    series(bucket, family, labelValues, "+Inf");
    out.append(' ').append(count).append('\n');
    series(family.metric() + "_sum", family, labelValues, null);
    out.append(' ').append(number(sum)).append('\n');
    series(family.metric() + "_count", family, labelValues, null);
    out.append(' ').append(count).append('\n');
    return this;
  }

  private void requireLabels(MetricFamily family, String[] values, boolean histogram) {
    if (family != current) {
      throw new IllegalStateException(
          family.metric() + ": its samples go right after its family() (the format groups them)");
    }
    if ((family.type() == MetricFamily.Type.HISTOGRAM) != histogram) {
      throw new IllegalArgumentException(family.metric() + " is a " + family.type().text());
    }
    if (values.length != family.labels().size()) {
      throw new IllegalArgumentException(
          family.metric() + " takes the labels " + family.labels() + ", not " + values.length);
    }
  }

  private void series(String name, MetricFamily family, String[] values, String le) {
    out.append(name);
    if (values.length == 0 && le == null) {
      return;
    }
    out.append('{');
    for (int i = 0; i < values.length; i++) {
      if (i > 0) {
        out.append(',');
      }
      out.append(family.labels().get(i)).append("=\"");
      escapeLabelValue(values[i]);
      out.append('"');
    }
    if (le != null) {
      out.append(values.length > 0 ? "," : "").append("le=\"").append(le).append('"');
    }
    out.append('}');
  }

  /** Label values: backslash, double quote and line feed escaped (the format's three). */
  private void escapeLabelValue(String value) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '\\' -> out.append("\\\\");
        case '"' -> out.append("\\\"");
        case '\n' -> out.append("\\n");
        default -> out.append(c);
      }
    }
  }

  /** HELP text: backslash and line feed escaped. */
  private void escapeHelp(String help) {
    for (int i = 0; i < help.length(); i++) {
      char c = help.charAt(i);
      switch (c) {
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        default -> out.append(c);
      }
    }
  }

  /** A sample value: integers without a fraction, the rest without an exponent where it fits. */
  static String number(double value) {
    if (Double.isNaN(value)) {
      return "NaN";
    }
    if (Double.isInfinite(value)) {
      return value > 0 ? "+Inf" : "-Inf";
    }
    if (value == Math.rint(value) && Math.abs(value) < 1e15) {
      return Long.toString((long) value);
    }
    double magnitude = Math.abs(value);
    // a timestamp reads 1796185597.667, not 1.796185597667E9 (both parse; one reads)
    return magnitude >= 1e-9 && magnitude < 1e15 ? plain(value) : Double.toString(value);
  }

  /** A bucket bound without an exponent ("0.000001024", not "1.024E-6"), easier to read. */
  static String plain(double bound) {
    return BigDecimal.valueOf(bound).stripTrailingZeros().toPlainString();
  }
}
