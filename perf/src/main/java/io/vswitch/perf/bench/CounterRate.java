package io.vswitch.perf.bench;

import io.vswitch.dataplane.stats.CounterFile;
import io.vswitch.dataplane.stats.PortCounter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Reads a running switch's counter file and prints one port's rate: {@code CounterRate COUNTERS
 * PORT [WARMUP_S] [SECONDS] [rx|tx]}. Two readings a known interval apart, after the warm-up.
 */
public final class CounterRate {
  private CounterRate() {}

  public static void main(String[] args) throws InterruptedException {
    if (args.length < 2) {
      System.err.println("usage: CounterRate COUNTERS PORT [WARMUP_S] [SECONDS] [rx|tx]");
      System.exit(2);
    }
    Path path = Path.of(args[0]);
    int warmup = args.length > 2 ? Integer.parseInt(args[2]) : 3;
    int seconds = args.length > 3 ? Integer.parseInt(args[3]) : 5;
    PortCounter counter =
        args.length > 4 && args[4].equals("rx") ? PortCounter.RX_PACKETS : PortCounter.TX_PACKETS;
    for (int i = 0; i < 300 && !Files.exists(path); i++) {
      Thread.sleep(100);
    }
    try (CounterFile file = CounterFile.open(path)) {
      int port = file.portNames().indexOf(args[1]);
      if (port < 0) {
        System.err.println("no port '" + args[1] + "' in " + file.portNames());
        System.exit(2);
      }
      Thread.sleep(warmup * 1000L);
      long t0 = System.nanoTime();
      long p0 = file.sum(port, counter);
      Thread.sleep(seconds * 1000L);
      long p1 = file.sum(port, counter);
      long t1 = System.nanoTime();
      System.out.printf(
          Locale.ROOT,
          "%s %s: %.3f Mpps over %d s (%d packets)%n",
          args[1],
          counter.label(),
          (p1 - p0) * 1e3 / (t1 - t0),
          seconds,
          p1 - p0);
    }
  }
}
