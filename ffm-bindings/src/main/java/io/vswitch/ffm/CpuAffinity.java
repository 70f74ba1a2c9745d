package io.vswitch.ffm;

import io.vswitch.ffm.raw.libc_h;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.BitSet;

/** The calling thread's CPU mask, through sched_getaffinity(2) / sched_setaffinity(2). */
public final class CpuAffinity {
  private CpuAffinity() {}

  /** The CPUs the calling thread may run on. */
  public static BitSet current() {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment mask = arena.allocate(libc_h.CPU_SET_T_SIZE);
      if (libc_h.sched_getaffinity(0, libc_h.CPU_SET_T_SIZE, mask) != 0) {
        throw new IllegalStateException("sched_getaffinity failed");
      }
      return BitSet.valueOf(mask.asByteBuffer());
    }
  }

  /** Restricts the calling thread to {@code cpus}. */
  public static void set(BitSet cpus) {
    setThread(0, cpus);
  }

  /** Restricts kernel thread {@code tid} (0: the calling thread) to {@code cpus}. */
  public static void setThread(int tid, BitSet cpus) {
    if (cpus.isEmpty() || cpus.length() > libc_h.CPU_SET_T_SIZE * 8) {
      throw new IllegalArgumentException("bad CPU set " + cpus);
    }
    try (Arena arena = Arena.ofConfined()) {
      byte[] bits = cpus.toByteArray();
      MemorySegment mask = arena.allocate(libc_h.CPU_SET_T_SIZE);
      MemorySegment.copy(MemorySegment.ofArray(bits), 0, mask, 0, bits.length);
      if (libc_h.sched_setaffinity(tid, libc_h.CPU_SET_T_SIZE, mask) != 0) {
        throw new IllegalStateException(
            "cannot pin thread to CPUs "
                + cpus
                + ": sched_setaffinity failed (is each CPU online and in this process's cpuset?"
                + " see `taskset -p $$` and `nproc`)");
      }
    }
  }

  /** Pins the calling thread to one CPU. */
  public static void pin(int cpu) {
    BitSet one = new BitSet();
    one.set(cpu);
    set(one);
  }

  /** The kernel thread id of the calling thread, as ps and taskset show it. */
  public static int threadId() {
    return libc_h.gettid();
  }

  /** Number of CPUs the process may use. */
  public static int onlineCpus() {
    return Runtime.getRuntime().availableProcessors();
  }
}
