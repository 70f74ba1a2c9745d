package io.vswitch.perf.loop;

import io.vswitch.ffm.Eal;
import io.vswitch.ffm.EalOptions;
import io.vswitch.ffm.Mempool;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * The loop bench's generator process: its own EAL and two virtio-user ports attached to the
 * switch's vhost-user ports. Two modes, driven by scripts/latency.sh and scripts/rfc2544.sh:
 *
 * <pre>
 * latency  --tx DEVARGS --rx DEVARGS --out DIR [--core 0] [--frame-size 64] [--seconds 5]
 *          [--loads 0.1,0.5,0.9]
 * rfc2544  --tx DEVARGS --rx DEVARGS --out DIR [--core 0] [--sizes 64,128,...] [--trial-seconds 2]
 *          [--resolution 0.01] [--loss-steps 10]
 * </pre>
 */
public final class LoopMain {
  static final long DRAIN_NANOS = 200_000_000L;

  private LoopMain() {}

  public static void main(String[] args) throws IOException {
    if (args.length == 0 || !(args[0].equals("latency") || args[0].equals("rfc2544"))) {
      System.err.println("usage: LoopMain latency|rfc2544 --tx DEVARGS --rx DEVARGS --out DIR ...");
      System.exit(2);
    }
    Map<String, String> opt = new HashMap<>();
    for (int i = 1; i + 1 < args.length; i += 2) {
      opt.put(args[i].replaceFirst("^--", ""), args[i + 1]);
    }
    int core = Integer.parseInt(opt.getOrDefault("core", "0"));
    Path out = Files.createDirectories(Path.of(opt.getOrDefault("out", ".")));
    Eal eal =
        Eal.init(
            new EalOptions(
                    core,
                    Integer.parseInt(opt.getOrDefault("memory-mb", "512")),
                    !opt.getOrDefault("hugepages", "on").equals("off"),
                    false,
                    true,
                    "warning",
                    List.of("--single-file-segments", "--no-telemetry"))
                .toArguments());
    int code = 0;
    try (Mempool pool = Mempool.create("loop", 16383, 256, Mempool.DEFAULT_DATA_ROOM)) {
      LoopGenerator.prepareThread(core);
      try (LoopGenerator gen = new LoopGenerator(opt.get("tx"), opt.get("rx"), pool)) {
        waitForLink(gen);
        if (args[0].equals("latency")) {
          latency(gen, opt, out);
        } else {
          Rfc2544.run(gen, opt, out);
        }
      }
    } catch (RuntimeException e) {
      System.err.println("loop: error: " + e.getMessage());
      code = 1;
    } finally {
      eal.cleanup();
    }
    System.exit(code);
  }

  /** The vhost side takes a moment to bring the queues up: send until frames come back. */
  private static void waitForLink(LoopGenerator gen) {
    for (int i = 0; i < 50; i++) {
      LoopGenerator.Trial t = gen.run(64, 100_000, 100_000_000L, 100_000_000L, null);
      if (t.received() > 0) {
        return;
      }
    }
    throw new IllegalStateException(
        "no frame came back through the switch in 10 s: is it running and cross-connecting the"
            + " two vhost ports?");
  }

  static void latency(LoopGenerator gen, Map<String, String> opt, Path out) {
    int size = Integer.parseInt(opt.getOrDefault("frame-size", "64"));
    long nanos = (long) (Double.parseDouble(opt.getOrDefault("seconds", "5")) * 1e9);
    double[] loads =
        Arrays.stream(opt.getOrDefault("loads", "0.1,0.5,0.9").split(","))
            .mapToDouble(Double::parseDouble)
            .toArray();
    gen.run(size, 0, 1_000_000_000L, DRAIN_NANOS, null); // warm-up: JIT, rings, caches
    LoopGenerator.Trial max = gen.run(size, 0, nanos, DRAIN_NANOS, null);
    double maxPps = max.receivedMpps() * 1e6;
    System.out.printf(
        Locale.ROOT,
        "latency: %d-byte frames; most the loop delivers: %.3f Mpps (sent %.3f Mpps, lost %.4f%%)%n",
        size,
        max.receivedMpps(),
        max.sentMpps(),
        max.lossRatio() * 100);
    System.out.printf(
        Locale.ROOT,
        "%6s %10s %10s %9s %s%n",
        "load",
        "offered",
        "received",
        "loss %",
        LatencySummary.header());
    List<String> lines = new ArrayList<>();
    for (double load : loads) {
      Histogram h = LatencySummary.newHistogram();
      LoopGenerator.Trial t = gen.run(size, maxPps * load, nanos, DRAIN_NANOS, h);
      LatencySummary s = LatencySummary.of(h);
      String line =
          String.format(
              Locale.ROOT,
              "%5.0f%% %10.3f %10.3f %9.4f %s",
              load * 100,
              t.sentMpps(),
              t.receivedMpps(),
              t.lossRatio() * 100,
              s.row());
      System.out.println(line);
      lines.add(line);
      LatencySummary.saveHgrm(
          h,
          out.resolve(String.format(Locale.ROOT, "latency-%db-load%03.0f.hgrm", size, load * 100)));
    }
    try {
      Files.writeString(
          out.resolve("latency.txt"),
          String.format(
                  Locale.ROOT,
                  "max %.3f Mpps at %d bytes%n%6s %10s %10s %9s %s%n",
                  max.receivedMpps(),
                  size,
                  "load",
                  "offered",
                  "received",
                  "loss %",
                  LatencySummary.header())
              + String.join("\n", lines)
              + "\n");
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    System.out.println("latency: .hgrm histograms (values in us) in " + out);
  }
}
