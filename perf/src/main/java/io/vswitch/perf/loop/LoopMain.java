package io.vswitch.perf.loop;

import io.vswitch.ffm.Eal;
import io.vswitch.ffm.EalOptions;
import io.vswitch.ffm.Mempool;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The loop bench's generator process: its own EAL and two virtio-user ports attached to the
 * switch's vhost-user ports. Two modes, driven by scripts/latency.sh and scripts/rfc2544.sh:
 *
 * <pre>
 * latency  --tx DEVARGS --rx DEVARGS --out DIR [--core 0] [--frame-size 64] [--seconds 5]
 *          [--loads 0.1,0.5,0.9] [--worker-core N --main-core N] (the switch's, for the table)
 *          [--safepoint-log F] [--switch-safepoint-log F] (both JVMs' -Xlog:safepoint files)
 *          [--api-socket S --scrape-ms 100] (the switch's API, for its worker-stall histogram)
 *          [--gap-us 5] (generator loop gaps at least this long are kept)
 *          [--online-cores N] [--switch-pid P] (the machine's cores; the switch, for its worker's
 *          schedstat)
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
    new LatencyBench(gen, opt, out).run();
  }
}
