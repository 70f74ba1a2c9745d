package io.vswitch.perf.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Checks where OVS's threads may run, from {@code /proc/PID/task/TID/status}'s Cpus_allowed_list:
 * the PMD threads on the worker core only, every other thread (main, handlers, revalidators, urcu,
 * EAL's interrupt and telemetry threads) on the main core only, as the switch's own threads are.
 */
final class ThreadAffinity {
  private ThreadAffinity() {}

  /** Null when pid's threads are placed as described, else which are not. */
  static String problem(long pid, int mainCore, int workerCore) {
    return problem(ThreadCpu.PROC, pid, mainCore, workerCore);
  }

  static String problem(Path proc, long pid, int mainCore, int workerCore) {
    TreeMap<String, String> wrong = new TreeMap<>();
    int pmds = 0;
    try (Stream<Path> tasks = Files.list(proc.resolve(Long.toString(pid)).resolve("task"))) {
      for (Path task : (Iterable<Path>) tasks::iterator) {
        String comm;
        String cpus;
        try {
          comm = Files.readString(task.resolve("comm")).strip();
          cpus = allowed(Files.readAllLines(task.resolve("status")));
        } catch (IOException e) {
          continue; // ended meanwhile
        }
        boolean pmd = ThreadCpu.OVS_PMDS.test(comm);
        pmds += pmd ? 1 : 0;
        String want = Integer.toString(pmd ? workerCore : mainCore);
        if (!want.equals(cpus)) {
          wrong.put(comm + "/" + task.getFileName(), cpus);
        }
      }
    } catch (IOException e) {
      return "cannot read " + proc.resolve(Long.toString(pid)) + ": " + e.getMessage();
    }
    List<String> out = new ArrayList<>();
    if (pmds == 0) {
      out.add("no PMD thread");
    }
    wrong.forEach((thread, cpus) -> out.add(thread + " on cpus " + cpus));
    return out.isEmpty() ? null : String.join(", ", out);
  }

  private static String allowed(List<String> status) {
    for (String line : status) {
      if (line.startsWith("Cpus_allowed_list:")) {
        return line.substring("Cpus_allowed_list:".length()).strip();
      }
    }
    return "?";
  }
}
