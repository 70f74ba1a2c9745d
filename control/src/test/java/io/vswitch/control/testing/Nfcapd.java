package io.vswitch.control.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Debian's nfdump collector ({@code nfcapd}) on a loopback UDP port with a directory of its own,
 * for tests of the IPFIX export: {@link #stop} makes it write what it has, {@link #flows} reads it
 * back with {@code nfdump -o csv}, one map of column name to value per flow record.
 */
public final class Nfcapd implements AutoCloseable {
  private final Process process;
  private final Path dir;

  private Nfcapd(Process process, Path dir) {
    this.process = process;
    this.dir = dir;
  }

  public static boolean available() {
    return Files.isExecutable(Path.of("/usr/bin/nfcapd"))
        && Files.isExecutable(Path.of("/usr/bin/nfdump"));
  }

  /** Starts nfcapd on 127.0.0.1:{@code port}, writing into {@code dir} (created). */
  public static Nfcapd start(Path dir, int port) throws IOException {
    Files.createDirectories(dir);
    Process p =
        new ProcessBuilder(
                "nfcapd",
                "-b",
                "127.0.0.1",
                "-p",
                String.valueOf(port),
                "-w",
                dir.toString(),
                "-t",
                "3600")
            .redirectErrorStream(true)
            .redirectOutput(dir.resolveSibling(dir.getFileName() + ".log").toFile())
            .start();
    Nfcapd n = new Nfcapd(p, dir);
    // nfcapd binds at once; give it a moment, and make sure it did not exit (port taken).
    try {
      Thread.sleep(500);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (!p.isAlive()) {
      throw new IllegalStateException("nfcapd exited: " + n.log());
    }
    return n;
  }

  public String log() {
    try {
      return Files.readString(dir.resolveSibling(dir.getFileName() + ".log"));
    } catch (IOException e) {
      return e.toString();
    }
  }

  /** SIGTERM: nfcapd closes its current file (as a rotation would) and exits. */
  public void stop() {
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor();
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  /** Every flow record in the directory, as nfdump's csv columns (ts, te, sa, da, sp, ...). */
  public List<Map<String, String>> flows() throws IOException, InterruptedException {
    Process p =
        new ProcessBuilder("nfdump", "-R", dir.toString(), "-o", "csv", "-N")
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes());
    if (p.waitFor() != 0) {
      throw new IllegalStateException("nfdump failed: " + out);
    }
    List<Map<String, String>> flows = new ArrayList<>();
    String[] header = null;
    for (String line : out.split("\n")) {
      if (line.isBlank()) {
        continue;
      }
      String[] cells = line.split(",", -1);
      if (header == null) {
        if (!line.startsWith("ts,")) {
          continue;
        }
        header = cells;
        continue;
      }
      if (cells.length < header.length - 1
          || line.startsWith("ts,")
          || line.startsWith("Summary")) {
        continue;
      }
      Map<String, String> flow = new HashMap<>();
      for (int i = 0; i < Math.min(header.length, cells.length); i++) {
        flow.put(header[i], cells[i].trim());
      }
      flows.add(flow);
    }
    if (header == null && !out.isBlank() && !out.contains("No matching")) {
      throw new IllegalStateException(
          "nfdump csv without a header: " + out + " " + Arrays.toString(dir.toFile().list()));
    }
    return flows;
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      stop();
    }
  }
}
