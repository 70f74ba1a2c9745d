// Raw FFM bindings to the few libc functions the data plane needs, in jextract's shape.
package io.vswitch.ffm.raw;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/** sched_setaffinity(2), sched_getaffinity(2) and gettid(2) from the C library. */
public final class libc_h {

  libc_h() {}

  static final SymbolLookup SYMBOL_LOOKUP = Linker.nativeLinker().defaultLookup();

  /** glibc's cpu_set_t: 1024 CPUs, one bit each. */
  public static final long CPU_SET_T_SIZE = 128;

  static MemorySegment findOrThrow(String symbol) {
    return SYMBOL_LOOKUP
        .find(symbol)
        .orElseThrow(() -> new UnsatisfiedLinkError("unresolved libc symbol: " + symbol));
  }

  private static final class sched_setaffinity {
    static final FunctionDescriptor DESC =
        FunctionDescriptor.of(
            ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS);
    static final MethodHandle HANDLE =
        Linker.nativeLinker().downcallHandle(findOrThrow("sched_setaffinity"), DESC);
  }

  /** Sets the CPU mask of thread {@code pid} (0: the calling thread). */
  public static int sched_setaffinity(int pid, long cpusetsize, MemorySegment mask) {
    try {
      return (int) sched_setaffinity.HANDLE.invokeExact(pid, cpusetsize, mask);
    } catch (Throwable ex$) {
      throw new AssertionError("should not reach here", ex$);
    }
  }

  private static final class sched_getaffinity {
    static final FunctionDescriptor DESC =
        FunctionDescriptor.of(
            ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS);
    static final MethodHandle HANDLE =
        Linker.nativeLinker().downcallHandle(findOrThrow("sched_getaffinity"), DESC);
  }

  /** Reads the CPU mask of thread {@code pid} (0: the calling thread). */
  public static int sched_getaffinity(int pid, long cpusetsize, MemorySegment mask) {
    try {
      return (int) sched_getaffinity.HANDLE.invokeExact(pid, cpusetsize, mask);
    } catch (Throwable ex$) {
      throw new AssertionError("should not reach here", ex$);
    }
  }

  private static final class gettid {
    static final FunctionDescriptor DESC = FunctionDescriptor.of(ValueLayout.JAVA_INT);
    static final MethodHandle HANDLE =
        Linker.nativeLinker().downcallHandle(findOrThrow("gettid"), DESC);
  }

  /** The kernel's id of the calling thread. */
  public static int gettid() {
    try {
      return (int) gettid.HANDLE.invokeExact();
    } catch (Throwable ex$) {
      throw new AssertionError("should not reach here", ex$);
    }
  }
}
