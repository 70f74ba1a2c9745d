package io.vswitch.control.testing;

import io.vswitch.dataplane.stats.CounterFile;
import io.vswitch.dataplane.stats.PortCounter;
import io.vswitch.dataplane.testing.Await;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The real switch as a child process (its own JVM and EAL), started the way scripts/vswitch starts
 * it. Output goes to a file so that a test can show it when it fails.
 */
public final class SwitchProcess implements AutoCloseable {
  /**
   * How often a switch is started again when the kernel refused an afpacket port's fanout group:
   * the group is pid xor ifindex (DPDK 22.11), so two switches of one test can meet by chance, and
   * a new pid picks another group. Retried on the switch's own refusal (FanoutGroups), and on
   * DPDK's when the group was free at the switch's probe but another switch, starting at the same
   * moment, took it before this one's DPDK opened the port.
   */
  private static final int FANOUT_RETRIES = 3;

  private static final List<String> FANOUT_REFUSALS =
      List.of("another process holds that group", "could not set PACKET_FANOUT");

  private final List<String> command;
  private final Path output;
  private final Path counters;
  private Process process;

  private SwitchProcess(List<String> command, Path output, Path counters) {
    this.command = command;
    this.output = output;
    this.counters = counters;
    this.process = launch();
  }

  private Process launch() {
    try {
      return new ProcessBuilder(command)
          .redirectErrorStream(true)
          .redirectOutput(output.toFile())
          .start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Starts {@code vswitch --config FILE} plus {@code extraArgs}; does not wait. */
  public static SwitchProcess start(Path dir, String configYaml, String... extraArgs) {
    return start(dir, configYaml.getBytes(java.nio.charset.StandardCharsets.UTF_8), extraArgs);
  }

  /** As {@link #start(Path, String, String...)}, with the config file's exact bytes. */
  public static SwitchProcess start(Path dir, byte[] configBytes, String... extraArgs) {
    try {
      Path config = dir.resolve("switch.yaml");
      Files.write(config, configBytes);
      Path output = dir.resolve("switch.log");
      Path counters = dir.resolve("counters");
      List<String> command = new ArrayList<>();
      command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      // The test JVM's own flags (surefire's argLine): native access.
      command.addAll(
          java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
              .filter(a -> a.startsWith("--"))
              .toList());
      command.add("-cp");
      command.add(System.getProperty("java.class.path"));
      command.add("io.vswitch.control.VswitchMain");
      command.addAll(List.of("--config", config.toString(), "--counters", counters.toString()));
      command.addAll(List.of(extraArgs));
      return new SwitchProcess(List.copyOf(command), output, counters);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Waits until the switch reports it is forwarding. */
  public SwitchProcess awaitRunning() {
    for (int attempt = 1; ; attempt++) {
      Await.until(
          "the switch to start; output:\n" + output(),
          Duration.ofSeconds(60),
          () -> output().contains("vswitch: running") || !process.isAlive());
      if (process.isAlive()) {
        return this;
      }
      String log = output();
      if (attempt > FANOUT_RETRIES || FANOUT_REFUSALS.stream().noneMatch(log::contains)) {
        throw new AssertionError("switch exited at start:\n" + log);
      }
      System.err.println("switch refused a fanout group that another switch holds; starting again");
      process = launch();
    }
  }

  /** Stops the switch (SIGTERM, so it cleans up) and starts it again, with a new pid. */
  public SwitchProcess restart() {
    stop();
    process = launch();
    return awaitRunning();
  }

  /** Sum over workers of one counter of one port, read live from the shared counter file. */
  public long counter(int port, PortCounter counter) {
    try (CounterFile file = CounterFile.open(counters)) {
      return file.sum(port, counter);
    }
  }

  /** Sum over workers of one drop reason of one port, read live from the counter file. */
  public long drops(int port, io.vswitch.dataplane.stats.DropReason reason) {
    try (CounterFile file = CounterFile.open(counters)) {
      return file.sum(port, reason);
    }
  }

  /** The switch's process id (of the current launch). */
  public long pid() {
    return process.pid();
  }

  /** SIGKILL: no cleanup, as a crash. */
  public void kill() {
    process.destroyForcibly();
    waitForExit();
    // What a switch removes at a clean exit and a killed one cannot: its EAL runtime dir (the
    // default --file-prefix vswitch-PID) and the counters it keeps in /dev/shm without a state dir.
    long pid = process.pid();
    Commands.deleteTree(java.nio.file.Path.of("/var/run/dpdk", "vswitch-" + pid));
    try {
      java.nio.file.Files.deleteIfExists(
          java.nio.file.Path.of("/dev/shm", "vswitch-" + pid + ".counters"));
    } catch (java.io.IOException e) {
      // not there or not ours: nothing to clean
    }
  }

  /** SIGTERM, then the exit code. */
  public int stop() {
    process.destroy();
    return waitForExit();
  }

  public int waitForExit() {
    try {
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new AssertionError("switch did not exit within 60 s:\n" + output());
      }
      return process.exitValue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  public String output() {
    try {
      return Files.exists(output) ? Files.readString(output) : "";
    } catch (IOException e) {
      return "(unreadable: " + e + ")";
    }
  }

  /** Lines that are the switch's own errors. */
  public List<String> errorLines() {
    return output().lines().filter(l -> l.startsWith("vswitch: error:")).toList();
  }

  /** Stops the switch if a test left it running: SIGTERM first, so it cleans up after itself. */
  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroy();
      try {
        process.waitFor(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      process.destroyForcibly();
    }
  }
}
