package io.vswitch.control.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** This host's memory, so that an absurd {@code eal.memory-mb} is refused before DPDK tries. */
public final class HostMemory {
  private HostMemory() {}

  /** MemTotal of /proc/meminfo in MiB; Integer.MAX_VALUE when it cannot be read. */
  public static long totalMb() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
        if (line.startsWith("MemTotal:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
        }
      }
    } catch (IOException | NumberFormatException e) {
      return Integer.MAX_VALUE; // cannot tell: let DPDK say
    }
    return Integer.MAX_VALUE;
  }
}
