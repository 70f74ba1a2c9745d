package io.vswitch.ffm;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Memory for the data plane's big tables (the FDB, conntrack), backed by transparent huge pages
 * where the host allows them. A lookup in a 1M-connection table lands on a random 4 KiB page among
 * 160 MB, so with small pages nearly every lookup also walks the page tables; with 2 MiB pages the
 * TLB covers far more of the table.
 *
 * <p>The pages must be advised ({@code madvise(2)} MADV_HUGEPAGE) before they are first touched,
 * which {@code Arena.allocate} cannot do (it zeroes the memory at once), so tables of 2 MiB or more
 * are mapped here (anonymous {@code mmap}, zeroed by the kernel, 2 MiB-aligned) and unmapped when
 * the arena closes. Without mmap or with THP "never" this is plain memory, just as fast as before.
 */
public final class LargeTables {
  private static final long HUGE_PAGE = 2L << 20;
  private static final int PROT_READ_WRITE = 3;
  private static final int MAP_PRIVATE_ANONYMOUS = 0x22;
  private static final int MADV_HUGEPAGE = 14;

  private static final Linker LINKER = Linker.nativeLinker();
  private static final MethodHandle MMAP =
      handle(
          "mmap",
          FunctionDescriptor.of(
              ValueLayout.JAVA_LONG,
              ValueLayout.JAVA_LONG,
              ValueLayout.JAVA_LONG,
              ValueLayout.JAVA_INT,
              ValueLayout.JAVA_INT,
              ValueLayout.JAVA_INT,
              ValueLayout.JAVA_LONG));
  private static final MethodHandle MADVISE =
      handle(
          "madvise",
          FunctionDescriptor.of(
              ValueLayout.JAVA_INT,
              ValueLayout.JAVA_LONG,
              ValueLayout.JAVA_LONG,
              ValueLayout.JAVA_INT));
  private static final MethodHandle MUNMAP =
      handle(
          "munmap",
          FunctionDescriptor.of(
              ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG));

  private LargeTables() {}

  private static MethodHandle handle(String name, FunctionDescriptor descriptor) {
    return LINKER
        .defaultLookup()
        .find(name)
        .map(a -> LINKER.downcallHandle(a, descriptor))
        .orElse(null);
  }

  /** {@code bytes} of zeroed memory, 64-byte aligned at least, freed when {@code arena} closes. */
  public static MemorySegment allocate(Arena arena, long bytes) {
    if (bytes < HUGE_PAGE || MMAP == null || MADVISE == null || MUNMAP == null) {
      return arena.allocate(bytes, 64);
    }
    long length = bytes + HUGE_PAGE; // room to start on a huge-page boundary
    long base;
    try {
      base = (long) MMAP.invokeExact(0L, length, PROT_READ_WRITE, MAP_PRIVATE_ANONYMOUS, -1, 0L);
    } catch (Throwable e) {
      return arena.allocate(bytes, 64);
    }
    if (base == -1L) {
      return arena.allocate(bytes, 64);
    }
    long start = (base + HUGE_PAGE - 1) & -HUGE_PAGE;
    try {
      int ignored = (int) MADVISE.invokeExact(start, bytes, MADV_HUGEPAGE); // a hint only
    } catch (Throwable e) {
      // no advice: small pages
    }
    return MemorySegment.ofAddress(start).reinterpret(bytes, arena, s -> unmap(base, length));
  }

  private static void unmap(long base, long length) {
    try {
      int ignored = (int) MUNMAP.invokeExact(base, length);
    } catch (Throwable e) {
      throw new IllegalStateException("munmap failed", e);
    }
  }
}
