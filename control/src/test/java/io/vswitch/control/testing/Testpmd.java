package io.vswitch.control.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A dpdk-testpmd child process as a vNIC peer: the process a VM would be, on the other end of a
 * vhost-user socket. It forwards until stopped (stdin stays open, so it does not quit by itself).
 */
public final class Testpmd implements AutoCloseable {
  private final Process process;
  private final String filePrefix;
  private final Path log;

  private Testpmd(Process process, Path log, String filePrefix) {
    this.filePrefix = filePrefix;
    this.process = process;
    this.log = log;
  }

  /**
   * Starts testpmd on {@code vdev} in {@code forwardMode}; with {@code hugepages} (a virtio-user
   * peer needs them to share its memory) in single-file segments, else with --no-huge.
   */
  public static Testpmd start(
      Path dir, String name, String vdev, String forwardMode, boolean hugepages) {
    return start(dir, name, vdev, forwardMode, hugepages, 1);
  }

  /** As above, with {@code queues} queue pairs (the vdev must offer as many). */
  public static Testpmd start(
      Path dir, String name, String vdev, String forwardMode, boolean hugepages, int queues) {
    String filePrefix = "vswitch-test-" + name + "-" + ProcessHandle.current().pid();
    List<String> command =
        new ArrayList<>(
            List.of(
                "dpdk-testpmd",
                "-l",
                "0,1",
                "-m",
                "128",
                "--no-pci",
                "--file-prefix=" + filePrefix,
                "--vdev=" + vdev));
    command.addAll(
        hugepages ? List.of("--in-memory", "--single-file-segments") : List.of("--no-huge"));
    command.addAll(
        List.of(
            "--",
            "--forward-mode=" + forwardMode,
            "--total-num-mbufs=4096",
            "--txq=" + queues,
            "--rxq=" + queues));
    try {
      Path log = dir.resolve("testpmd-" + name + ".log");
      Process process =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(log.toFile())
              .start();
      return new Testpmd(process, log, filePrefix);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  public String output() {
    try {
      return Files.exists(log) ? Files.readString(log) : "";
    } catch (IOException e) {
      return "(unreadable: " + e + ")";
    }
  }

  /** SIGTERM (testpmd stops its ports and exits), SIGKILL if it hangs. */
  @Override
  public void close() {
    try {
      stopProcess();
    } finally {
      // testpmd leaves its runtime directory behind; the test made it, the test removes it.
      Commands.deleteTree(Path.of("/var/run/dpdk", filePrefix));
    }
  }

  private void stopProcess() {
    if (!process.isAlive()) {
      return;
    }
    process.destroy();
    try {
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }

  /** True when dpdk-testpmd is installed and {@code pages} 2 MiB hugepages are free and mounted. */
  public static boolean available(int pages) {
    try {
      boolean installed =
          new ProcessBuilder("sh", "-c", "command -v dpdk-testpmd").start().waitFor() == 0;
      boolean mounted =
          Files.readAllLines(Path.of("/proc/mounts")).stream()
              .anyMatch(l -> l.contains(" hugetlbfs "));
      long free =
          Files.readAllLines(Path.of("/proc/meminfo")).stream()
              .filter(l -> l.startsWith("HugePages_Free:"))
              .mapToLong(l -> Long.parseLong(l.replaceAll("\\D", "")))
              .findFirst()
              .orElse(0);
      return installed && mounted && free >= pages;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
