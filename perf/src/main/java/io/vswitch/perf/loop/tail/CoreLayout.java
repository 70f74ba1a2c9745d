package io.vswitch.perf.loop.tail;

import java.util.Locale;

/**
 * Which core runs what in a loop bench: the generator's pinned thread, the switch's worker, and the
 * switch's main thread, where HousekeepingAffinity also confines every other thread of the switch's
 * JVM (GC, JIT, the API). The generator's JVM keeps its own other threads on the main core too
 * (scripts start it under taskset). The latency target (p99.9 under 20 us at half the loop's most)
 * assumes a generator core of its own; the table says when there was none.
 */
public record CoreLayout(int generator, int worker, int main, int online) {

  /** True when the generator's thread has no core of its own among the switch's. */
  public boolean generatorShares() {
    return generator == worker || generator == main;
  }

  public String describe() {
    String cores =
        String.format(
            Locale.ROOT,
            "cores (%d online): generator %d; switch worker %d; switch main thread + JVM"
                + " housekeeping (GC, JIT, API: HousekeepingAffinity) %d; generator JVM's other"
                + " threads %d",
            online,
            generator,
            worker,
            main,
            main);
    if (generator == worker) {
      return cores
          + String.format(
              Locale.ROOT,
              "%n  the generator SHARES core %d with the switch's busy-polling worker: the kernel"
                  + " time-slices the two",
              worker);
    }
    if (generator == main) {
      return cores
          + String.format(
              Locale.ROOT,
              "%n  the generator SHARES core %d with the switch's main thread and JVM housekeeping"
                  + "%s",
              main,
              online < 3 ? " (this machine has no third core to give it)" : "");
    }
    return cores
        + String.format(
            Locale.ROOT,
            "%n  the generator has core %d to itself (other processes of the machine may still run"
                + " there unless it is isolated)",
            generator);
  }
}
