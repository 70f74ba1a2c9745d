package io.vswitch.ffm;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Whether this machine has hugepages EAL can use: a hugetlbfs mount and free pages. */
public final class Hugepages {
  private Hugepages() {}

  /** Free hugepages of the default size, from /proc/meminfo. */
  public static long freePages() {
    return meminfo("HugePages_Free:");
  }

  /** Size of a default hugepage in bytes. */
  public static long pageSizeBytes() {
    return meminfo("Hugepagesize:") * 1024;
  }

  public static boolean hugetlbfsMounted() {
    return lines(Path.of("/proc/mounts")).stream()
        .anyMatch(line -> line.split(" ").length > 2 && line.split(" ")[2].equals("hugetlbfs"));
  }

  /** True when EAL can get at least {@code memoryMb} from hugepages. */
  public static boolean usable(int memoryMb) {
    return hugetlbfsMounted() && freePages() * pageSizeBytes() >= (long) memoryMb << 20;
  }

  private static long meminfo(String key) {
    for (String line : lines(Path.of("/proc/meminfo"))) {
      if (line.startsWith(key)) {
        return Long.parseLong(line.substring(key.length()).trim().split("\\s+")[0]);
      }
    }
    return 0;
  }

  private static List<String> lines(Path file) {
    try {
      return Files.readAllLines(file);
    } catch (IOException e) {
      return List.of();
    }
  }
}
