// Raw FFM bindings to vswitch_shim.h, in the shape jextract generates (one holder class per
// function with DESC, ADDR and HANDLE; one static method per function).
//
// Written by hand because jextract is not reachable from this project's build machines;
// scripts/jextract.sh regenerates it where jextract (the JDK 22 build, see that script) is
// installed. Two deliberate differences from jextract's output:
//   - symbols are found with find(..).orElseThrow(), not SymbolLookup.findOrThrow, which only
//     exists from JDK 23 while this module compiles with --release 22;
//   - fast-path functions are linked with Linker.Option.critical(false): they neither block nor
//     call back into Java, and the option removes the thread-state transition (about 10 ns down
//     to about 3 ns per call). jextract has no switch for this; re-apply after regenerating.
package io.vswitch.ffm.raw;

import java.lang.foreign.AddressLayout;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/** Raw bindings to the vswitch C shim. Unsigned C types arrive as Java's signed ones. */
@SuppressWarnings("unused")
public final class vswitch_shim_h {

  vswitch_shim_h() {}

  static final Arena LIBRARY_ARENA = Arena.ofAuto();
  static final SymbolLookup SYMBOL_LOOKUP = ShimLibrary.load(LIBRARY_ARENA);

  public static final ValueLayout.OfByte C_CHAR = ValueLayout.JAVA_BYTE;
  public static final ValueLayout.OfShort C_SHORT = ValueLayout.JAVA_SHORT;
  public static final ValueLayout.OfInt C_INT = ValueLayout.JAVA_INT;
  public static final ValueLayout.OfLong C_LONG_LONG = ValueLayout.JAVA_LONG;
  public static final AddressLayout C_POINTER =
      ValueLayout.ADDRESS.withTargetLayout(
          java.lang.foreign.MemoryLayout.sequenceLayout(Long.MAX_VALUE, ValueLayout.JAVA_BYTE));

  /** API version this raw layer was written for; must match vs_api_version(). */
  public static final int VS_SHIM_API_VERSION = 1;

  public static final int VS_STRUCT_PORT_STATS = 0;
  public static final int VS_STRUCT_LINK_INFO = 1;
  public static final int VS_STRUCT_PORT_INFO = 2;

  static MemorySegment findOrThrow(String symbol) {
    return SYMBOL_LOOKUP
        .find(symbol)
        .orElseThrow(() -> new UnsatisfiedLinkError("unresolved symbol: " + symbol));
  }

  static MethodHandle downcall(MemorySegment address, FunctionDescriptor desc, boolean critical) {
    return critical
        ? Linker.nativeLinker().downcallHandle(address, desc, Linker.Option.critical(false))
        : Linker.nativeLinker().downcallHandle(address, desc);
  }

  private static final class vs_api_version {
    static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT);
    static final MemorySegment ADDR = findOrThrow("vs_api_version");
    static final MethodHandle HANDLE = downcall(ADDR, DESC, false);
  }

  public static FunctionDescriptor vs_api_version$descriptor() {
    return vs_api_version.DESC;
  }

  public static MethodHandle vs_api_version$handle() {
    return vs_api_version.HANDLE;
  }

  public static MemorySegment vs_api_version$address() {
    return vs_api_version.ADDR;
  }

  public static int vs_api_version() {
    var mh$ = vs_api_version.HANDLE;
    try {
      return (int) mh$.invokeExact();
    } catch (Throwable ex$) {
      throw new AssertionError("should not reach here", ex$);
    }
  }

  private static final class vs_strerror {
    static final FunctionDescriptor DESC = FunctionDescriptor.of(C_POINTER, C_INT);
    static final MemorySegment ADDR = findOrThrow("vs_strerror");
    static final MethodHandle HANDLE = downcall(ADDR, DESC, false);
  }

  public static FunctionDescriptor vs_strerror$descriptor() {
    return vs_strerror.DESC;
  }

  public static MethodHandle vs_strerror$handle() {
    return vs_strerror.HANDLE;
  }

  public static MemorySegment vs_strerror$address() {
    return vs_strerror.ADDR;
  }

  public static MemorySegment vs_strerror(int errnum) {
    var mh$ = vs_strerror.HANDLE;
    try {
      return (MemorySegment) mh$.invokeExact(errnum);
    } catch (Throwable ex$) {
      throw new AssertionError("should not reach here", ex$);
    }
  }

  private static final class vs_mbuf_layout {
    static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_POINTER, C_INT);
    static final MemorySegment ADDR = findOrThrow("vs_mbuf_layout");
    static final MethodHandle HANDLE = downcall(ADDR, DESC, false);
  }

  public static FunctionDescriptor vs_mbuf_layout$descriptor() {
    return vs_mbuf_layout.DESC;
  }

  public static MethodHandle vs_mbuf_layout$handle() {
    return vs_mbuf_layout.HANDLE;
  }

  public static MemorySegment vs_mbuf_layout$address() {
    return vs_mbuf_layout.ADDR;
  }

  public static int vs_mbuf_layout(MemorySegment out, int n) {
    var mh$ = vs_mbuf_layout.HANDLE;
    try {
      return (int) mh$.invokeExact(out, n);
    } catch (Throwable ex$) {
      throw new AssertionError("should not reach here", ex$);
    }
  }

  private static final class vs_struct_layout {
    static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_INT, C_POINTER, C_INT);
    static final MemorySegment ADDR = findOrThrow("vs_struct_layout");
    static final MethodHandle HANDLE = downcall(ADDR, DESC, false);
  }

  public static FunctionDescriptor vs_struct_layout$descriptor() {
    return vs_struct_layout.DESC;
  }

  public static MethodHandle vs_struct_layout$handle() {
    return vs_struct_layout.HANDLE;
  }

  public static MemorySegment vs_struct_layout$address() {
    return vs_struct_layout.ADDR;
  }

  public static int vs_struct_layout(int kind, MemorySegment out, int n) {
    var mh$ = vs_struct_layout.HANDLE;
    try {
      return (int) mh$.invokeExact(kind, out, n);
    } catch (Throwable ex$) {
      throw new AssertionError("should not reach here", ex$);
    }
  }

  private static final class vs_eal_init {
    static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_INT, C_POINTER);
    static final MemorySegment ADDR = findOrThrow("vs_eal_init");
    static final MethodHandle HANDLE = downcall(ADDR, DESC, false);
  }

  public static FunctionDescriptor vs_eal_init$descriptor() {
    return vs_eal_init.DESC;
  }

  public static MethodHandle vs_eal_init$handle() {
    return vs_eal_init.HANDLE;
  }

  public static MemorySegment vs_eal_init$address() {
    return vs_eal_init.ADDR;
  }

  public static int vs_eal_init(int argc, MemorySegment argv) {
    var mh$ = vs_eal_init.HANDLE;
    try {
      return (int) mh$.invokeExact(argc, argv);
    } catch (Throwable ex$) {
      throw new AssertionError("should not reach here", ex$);
    }
  }

  private static final class vs_eal_cleanup {
    static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT);
    static final MemorySegment ADDR = findOrThrow("vs_eal_cleanup");
    static final MethodHandle HANDLE = downcall(ADDR, DESC, false);
  }

  public static FunctionDescriptor vs_eal_cleanup$descriptor() {
    return vs_eal_cleanup.DESC;
  }

  public static MethodHandle vs_eal_cleanup$handle() {
    return vs_eal_cleanup.HANDLE;
  }

  public static MemorySegment vs_eal_cleanup$address() {
    return vs_eal_cleanup.ADDR;
  }

  public static int vs_eal_cleanup() {
    var mh$ = vs_eal_cleanup.HANDLE;
    try {
      return (int) mh$.invokeExact();
    } catch (Throwable ex$) {
      throw new AssertionError("should not reach here", ex$);
    }
  }

  private static final class vs_thread_register {
    static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT);
    static final MemorySegment ADDR = findOrThrow("vs_thread_register");
    static final MethodHandle HANDLE = downcall(ADDR, DESC, false);
  }

  public static FunctionDescriptor vs_thread_register$descriptor() {
    return vs_thread_register.DESC;
  }

  public static MethodHandle vs_thread_register$handle() {
    return vs_thread_register.HANDLE;
  }

  public static MemorySegment vs_thread_register$address() {
    return vs_thread_register.ADDR;
  }

  public static int vs_thread_register() {
    var mh$ = vs_thread_register.HANDLE;
    try {
      return (int) mh$.invokeExact();
    } catch (Throwable ex$) {
      throw new AssertionError("should not reach here", ex$);
    }
  }

  private static final class vs_thread_unregister {
    static final FunctionDescriptor DESC = FunctionDescriptor.ofVoid();
    static final MemorySegment ADDR = findOrThrow("vs_thread_unregister");
    static final MethodHandle HANDLE = downcall(ADDR, DESC, false);
  }

  public static FunctionDescriptor vs_thread_unregister$descriptor() {
    return vs_thread_unregister.DESC;
  }

  public static MethodHandle vs_thread_unregister$handle() {
    return vs_thread_unregister.HANDLE;
  }

  public static MemorySegment vs_thread_unregister$address() {
    return vs_thread_unregister.ADDR;
  }

  public static void vs_thread_unregister() {
    var mh$ = vs_thread_unregister.HANDLE;
    try {
      mh$.invokeExact();
    } catch (Throwable ex$) {
      throw new AssertionError("should not reach here", ex$);
    }
  }

  private static final class vs_lcore_id {
    static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT);
    static final MemorySegment ADDR = findOrThrow("vs_lcore_id");
    static final MethodHandle HANDLE = downcall(ADDR, DESC, true);
  }

  public static FunctionDescriptor vs_lcore_id$descriptor() {
    return vs_lcore_id.DESC;
  }

  public static MethodHandle vs_lcore_id$handle() {
    return vs_lcore_id.HANDLE;
  }

  public static MemorySegment vs_lcore_id$address() {
    return vs_lcore_id.ADDR;
  }

  public static int vs_lcore_id() {
    var mh$ = vs_lcore_id.HANDLE;
    try {
      return (int) mh$.invokeExact();
    } catch (Throwable ex$) {
      throw new AssertionError("should not reach here", ex$);
    }
  }

  private static final class vs_tsc_hz {
    static final FunctionDescriptor DESC = FunctionDescriptor.of(C_LONG_LONG);
    static final MemorySegment ADDR = findOrThrow("vs_tsc_hz");
    static final MethodHandle HANDLE = downcall(ADDR, DESC, false);
  }

  public static FunctionDescriptor vs_tsc_hz$descriptor() {
    return vs_tsc_hz.DESC;
  }

  public static MethodHandle vs_tsc_hz$handle() {
    return vs_tsc_hz.HANDLE;
  }

  public static MemorySegment vs_tsc_hz$address() {
    return vs_tsc_hz.ADDR;
  }

  public static long vs_tsc_hz() {
    var mh$ = vs_tsc_hz.HANDLE;
    try {
      return (long) mh$.invokeExact();
    } catch (Throwable ex$) {
      throw new AssertionError("should not reach here", ex$);
    }
  }

  private static final class vs_rdtsc {
    static final FunctionDescriptor DESC = FunctionDescriptor.of(C_LONG_LONG);
    static final MemorySegment ADDR = findOrThrow("vs_rdtsc");
    static final MethodHandle HANDLE = downcall(ADDR, DESC, true);
  }

  public static FunctionDescriptor vs_rdtsc$descriptor() {
    return vs_rdtsc.DESC;
  }

  public static MethodHandle vs_rdtsc$handle() {
    return vs_rdtsc.HANDLE;
  }

  public static MemorySegment vs_rdtsc$address() {
    return vs_rdtsc.ADDR;
  }

  public static long vs_rdtsc() {
    var mh$ = vs_rdtsc.HANDLE;
    try {
      return (long) mh$.invokeExact();
    } catch (Throwable ex$) {
      throw new AssertionError("should not reach here", ex$);
    }
  }

  private static final class vs_pktmbuf_pool_create {
    static final FunctionDescriptor DESC =
        FunctionDescriptor.of(C_POINTER, C_POINTER, C_INT, C_INT, C_SHORT, C_INT);
    static final MemorySegment ADDR = findOrThrow("vs_pktmbuf_pool_create");
    static final MethodHandle HANDLE = downcall(ADDR, DESC, false);
  }

  public static FunctionDescriptor vs_pktmbuf_pool_create$descriptor() {
    return vs_pktmbuf_pool_create.DESC;
  }

  public static MethodHandle vs_pktmbuf_pool_create$handle() {
    return vs_pktmbuf_pool_create.HANDLE;
  }

  public static MemorySegment vs_pktmbuf_pool_create$address() {
    return vs_pktmbuf_pool_create.ADDR;
  }

  public static MemorySegment vs_pktmbuf_pool_create(
      MemorySegment name, int n, int cache_size, short data_room, int socket_id) {
    var mh$ = vs_pktmbuf_pool_create.HANDLE;
    try {
      return (MemorySegment) mh$.invokeExact(name, n, cache_size, data_room, socket_id);
    } catch (Throwable ex$) {
      throw new AssertionError("should not reach here", ex$);
    }
  }

  private static final class vs_mempool_free {
    static final FunctionDescriptor DESC = FunctionDescriptor.ofVoid(C_POINTER);
    static final MemorySegment ADDR = findOrThrow("vs_mempool_free");
    static final MethodHandle HANDLE = downcall(ADDR, DESC, false);
  }

  public static FunctionDescriptor vs_mempool_free$descriptor() {
    return vs_mempool_free.DESC;
  }

  public static MethodHandle vs_mempool_free$handle() {
    return vs_mempool_free.HANDLE;
  }

  public static MemorySegment vs_mempool_free$address() {
    return vs_mempool_free.ADDR;
  }

  public static void vs_mempool_free(MemorySegment mp) {
    var mh$ = vs_mempool_free.HANDLE;
    try {
      mh$.invokeExact(mp);
    } catch (Throwable ex$) {
      throw new AssertionError("should not reach here", ex$);
    }
  }

  private static final class vs_mempool_in_use {
    static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_POINTER);
    static final MemorySegment ADDR = findOrThrow("vs_mempool_in_use");
    static final MethodHandle HANDLE = downcall(ADDR, DESC, false);
  }

  public static FunctionDescriptor vs_mempool_in_use$descriptor() {
    return vs_mempool_in_use.DESC;
  }

  public static MethodHandle vs_mempool_in_use$handle() {
    return vs_mempool_in_use.HANDLE;
  }

  public static MemorySegment vs_mempool_in_use$address() {
    return vs_mempool_in_use.ADDR;
  }

  public static int vs_mempool_in_use(MemorySegment mp) {
    var mh$ = vs_mempool_in_use.HANDLE;
    try {
      return (int) mh$.invokeExact(mp);
    } catch (Throwable ex$) {
      throw new AssertionError("should not reach here", ex$);
    }
  }

  private static final class vs_mempool_avail {
    static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_POINTER);
    static final MemorySegment ADDR = findOrThrow("vs_mempool_avail");
    static final MethodHandle HANDLE = downcall(ADDR, DESC, false);
  }

  public static FunctionDescriptor vs_mempool_avail$descriptor() {
    return vs_mempool_avail.DESC;
  }

  public static MethodHandle vs_mempool_avail$handle() {
    return vs_mempool_avail.HANDLE;
  }

  public static MemorySegment vs_mempool_avail$address() {
    return vs_mempool_avail.ADDR;
  }

  public static int vs_mempool_avail(MemorySegment mp) {
    var mh$ = vs_mempool_avail.HANDLE;
    try {
      return (int) mh$.invokeExact(mp);
    } catch (Throwable ex$) {
      throw new AssertionError("should not reach here", ex$);
    }
  }

  private static final class vs_port_probe {
    static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_POINTER, C_POINTER);
    static final MemorySegment ADDR = findOrThrow("vs_port_probe");
    static final MethodHandle HANDLE = downcall(ADDR, DESC, false);
  }

  public static FunctionDescriptor vs_port_probe$descriptor() {
    return vs_port_probe.DESC;
  }

  public static MethodHandle vs_port_probe$handle() {
    return vs_port_probe.HANDLE;
  }

  public static MemorySegment vs_port_probe$address() {
    return vs_port_probe.ADDR;
  }

  public static int vs_port_probe(MemorySegment devargs, MemorySegment port_id) {
    var mh$ = vs_port_probe.HANDLE;
    try {
      return (int) mh$.invokeExact(devargs, port_id);
    } catch (Throwable ex$) {
      throw new AssertionError("should not reach here", ex$);
    }
  }

  private static final class vs_port_lookup {
    static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_POINTER, C_POINTER);
    static final MemorySegment ADDR = findOrThrow("vs_port_lookup");
    static final MethodHandle HANDLE = downcall(ADDR, DESC, false);
  }

  public static FunctionDescriptor vs_port_lookup$descriptor() {
    return vs_port_lookup.DESC;
  }

  public static MethodHandle vs_port_lookup$handle() {
    return vs_port_lookup.HANDLE;
  }

  public static MemorySegment vs_port_lookup$address() {
    return vs_port_lookup.ADDR;
  }

  public static int vs_port_lookup(MemorySegment name, MemorySegment port_id) {
    var mh$ = vs_port_lookup.HANDLE;
    try {
      return (int) mh$.invokeExact(name, port_id);
    } catch (Throwable ex$) {
      throw new AssertionError("should not reach here", ex$);
    }
  }

  private static final class vs_port_configure {
    static final FunctionDescriptor DESC =
        FunctionDescriptor.of(C_INT, C_SHORT, C_SHORT, C_SHORT, C_SHORT, C_SHORT, C_POINTER, C_INT);
    static final MemorySegment ADDR = findOrThrow("vs_port_configure");
    static final MethodHandle HANDLE = downcall(ADDR, DESC, false);
  }

  public static FunctionDescriptor vs_port_configure$descriptor() {
    return vs_port_configure.DESC;
  }

  public static MethodHandle vs_port_configure$handle() {
    return vs_port_configure.HANDLE;
  }

  public static MemorySegment vs_port_configure$address() {
    return vs_port_configure.ADDR;
  }

  public static int vs_port_configure(
      short port_id,
      short nb_rxq,
      short nb_txq,
      short nb_rxd,
      short nb_txd,
      MemorySegment mp,
      int enable_rss) {
    var mh$ = vs_port_configure.HANDLE;
    try {
      return (int) mh$.invokeExact(port_id, nb_rxq, nb_txq, nb_rxd, nb_txd, mp, enable_rss);
    } catch (Throwable ex$) {
      throw new AssertionError("should not reach here", ex$);
    }
  }

  private static final class vs_port_start {
    static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_SHORT);
    static final MemorySegment ADDR = findOrThrow("vs_port_start");
    static final MethodHandle HANDLE = downcall(ADDR, DESC, false);
  }

  public static FunctionDescriptor vs_port_start$descriptor() {
    return vs_port_start.DESC;
  }

  public static MethodHandle vs_port_start$handle() {
    return vs_port_start.HANDLE;
  }

  public static MemorySegment vs_port_start$address() {
    return vs_port_start.ADDR;
  }

  public static int vs_port_start(short port_id) {
    var mh$ = vs_port_start.HANDLE;
    try {
      return (int) mh$.invokeExact(port_id);
    } catch (Throwable ex$) {
      throw new AssertionError("should not reach here", ex$);
    }
  }

  private static final class vs_port_stop {
    static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_SHORT);
    static final MemorySegment ADDR = findOrThrow("vs_port_stop");
    static final MethodHandle HANDLE = downcall(ADDR, DESC, false);
  }

  public static FunctionDescriptor vs_port_stop$descriptor() {
    return vs_port_stop.DESC;
  }

  public static MethodHandle vs_port_stop$handle() {
    return vs_port_stop.HANDLE;
  }

  public static MemorySegment vs_port_stop$address() {
    return vs_port_stop.ADDR;
  }

  public static int vs_port_stop(short port_id) {
    var mh$ = vs_port_stop.HANDLE;
    try {
      return (int) mh$.invokeExact(port_id);
    } catch (Throwable ex$) {
      throw new AssertionError("should not reach here", ex$);
    }
  }

  private static final class vs_port_close_and_remove {
    static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_SHORT);
    static final MemorySegment ADDR = findOrThrow("vs_port_close_and_remove");
    static final MethodHandle HANDLE = downcall(ADDR, DESC, false);
  }

  public static FunctionDescriptor vs_port_close_and_remove$descriptor() {
    return vs_port_close_and_remove.DESC;
  }

  public static MethodHandle vs_port_close_and_remove$handle() {
    return vs_port_close_and_remove.HANDLE;
  }

  public static MemorySegment vs_port_close_and_remove$address() {
    return vs_port_close_and_remove.ADDR;
  }

  public static int vs_port_close_and_remove(short port_id) {
    var mh$ = vs_port_close_and_remove.HANDLE;
    try {
      return (int) mh$.invokeExact(port_id);
    } catch (Throwable ex$) {
      throw new AssertionError("should not reach here", ex$);
    }
  }

  private static final class vs_port_promiscuous {
    static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_SHORT, C_INT);
    static final MemorySegment ADDR = findOrThrow("vs_port_promiscuous");
    static final MethodHandle HANDLE = downcall(ADDR, DESC, false);
  }

  public static FunctionDescriptor vs_port_promiscuous$descriptor() {
    return vs_port_promiscuous.DESC;
  }

  public static MethodHandle vs_port_promiscuous$handle() {
    return vs_port_promiscuous.HANDLE;
  }

  public static MemorySegment vs_port_promiscuous$address() {
    return vs_port_promiscuous.ADDR;
  }

  public static int vs_port_promiscuous(short port_id, int enable) {
    var mh$ = vs_port_promiscuous.HANDLE;
    try {
      return (int) mh$.invokeExact(port_id, enable);
    } catch (Throwable ex$) {
      throw new AssertionError("should not reach here", ex$);
    }
  }

  private static final class vs_port_stats {
    static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_SHORT, C_POINTER);
    static final MemorySegment ADDR = findOrThrow("vs_port_stats");
    static final MethodHandle HANDLE = downcall(ADDR, DESC, false);
  }

  public static FunctionDescriptor vs_port_stats$descriptor() {
    return vs_port_stats.DESC;
  }

  public static MethodHandle vs_port_stats$handle() {
    return vs_port_stats.HANDLE;
  }

  public static MemorySegment vs_port_stats$address() {
    return vs_port_stats.ADDR;
  }

  public static int vs_port_stats(short port_id, MemorySegment out) {
    var mh$ = vs_port_stats.HANDLE;
    try {
      return (int) mh$.invokeExact(port_id, out);
    } catch (Throwable ex$) {
      throw new AssertionError("should not reach here", ex$);
    }
  }

  private static final class vs_port_stats_reset {
    static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_SHORT);
    static final MemorySegment ADDR = findOrThrow("vs_port_stats_reset");
    static final MethodHandle HANDLE = downcall(ADDR, DESC, false);
  }

  public static FunctionDescriptor vs_port_stats_reset$descriptor() {
    return vs_port_stats_reset.DESC;
  }

  public static MethodHandle vs_port_stats_reset$handle() {
    return vs_port_stats_reset.HANDLE;
  }

  public static MemorySegment vs_port_stats_reset$address() {
    return vs_port_stats_reset.ADDR;
  }

  public static int vs_port_stats_reset(short port_id) {
    var mh$ = vs_port_stats_reset.HANDLE;
    try {
      return (int) mh$.invokeExact(port_id);
    } catch (Throwable ex$) {
      throw new AssertionError("should not reach here", ex$);
    }
  }

  private static final class vs_port_link {
    static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_SHORT, C_POINTER);
    static final MemorySegment ADDR = findOrThrow("vs_port_link");
    static final MethodHandle HANDLE = downcall(ADDR, DESC, false);
  }

  public static FunctionDescriptor vs_port_link$descriptor() {
    return vs_port_link.DESC;
  }

  public static MethodHandle vs_port_link$handle() {
    return vs_port_link.HANDLE;
  }

  public static MemorySegment vs_port_link$address() {
    return vs_port_link.ADDR;
  }

  public static int vs_port_link(short port_id, MemorySegment out) {
    var mh$ = vs_port_link.HANDLE;
    try {
      return (int) mh$.invokeExact(port_id, out);
    } catch (Throwable ex$) {
      throw new AssertionError("should not reach here", ex$);
    }
  }

  private static final class vs_port_info {
    static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_SHORT, C_POINTER);
    static final MemorySegment ADDR = findOrThrow("vs_port_info");
    static final MethodHandle HANDLE = downcall(ADDR, DESC, false);
  }

  public static FunctionDescriptor vs_port_info$descriptor() {
    return vs_port_info.DESC;
  }

  public static MethodHandle vs_port_info$handle() {
    return vs_port_info.HANDLE;
  }

  public static MemorySegment vs_port_info$address() {
    return vs_port_info.ADDR;
  }

  public static int vs_port_info(short port_id, MemorySegment out) {
    var mh$ = vs_port_info.HANDLE;
    try {
      return (int) mh$.invokeExact(port_id, out);
    } catch (Throwable ex$) {
      throw new AssertionError("should not reach here", ex$);
    }
  }

  private static final class vs_port_count {
    static final FunctionDescriptor DESC = FunctionDescriptor.of(C_SHORT);
    static final MemorySegment ADDR = findOrThrow("vs_port_count");
    static final MethodHandle HANDLE = downcall(ADDR, DESC, false);
  }

  public static FunctionDescriptor vs_port_count$descriptor() {
    return vs_port_count.DESC;
  }

  public static MethodHandle vs_port_count$handle() {
    return vs_port_count.HANDLE;
  }

  public static MemorySegment vs_port_count$address() {
    return vs_port_count.ADDR;
  }

  public static short vs_port_count() {
    var mh$ = vs_port_count.HANDLE;
    try {
      return (short) mh$.invokeExact();
    } catch (Throwable ex$) {
      throw new AssertionError("should not reach here", ex$);
    }
  }

  private static final class vs_rx_burst {
    static final FunctionDescriptor DESC =
        FunctionDescriptor.of(C_SHORT, C_SHORT, C_SHORT, C_POINTER, C_SHORT);
    static final MemorySegment ADDR = findOrThrow("vs_rx_burst");
    static final MethodHandle HANDLE = downcall(ADDR, DESC, true);
  }

  public static FunctionDescriptor vs_rx_burst$descriptor() {
    return vs_rx_burst.DESC;
  }

  public static MethodHandle vs_rx_burst$handle() {
    return vs_rx_burst.HANDLE;
  }

  public static MemorySegment vs_rx_burst$address() {
    return vs_rx_burst.ADDR;
  }

  public static short vs_rx_burst(short port_id, short queue_id, MemorySegment pkts, short n) {
    var mh$ = vs_rx_burst.HANDLE;
    try {
      return (short) mh$.invokeExact(port_id, queue_id, pkts, n);
    } catch (Throwable ex$) {
      throw new AssertionError("should not reach here", ex$);
    }
  }

  private static final class vs_tx_burst {
    static final FunctionDescriptor DESC =
        FunctionDescriptor.of(C_SHORT, C_SHORT, C_SHORT, C_POINTER, C_SHORT);
    static final MemorySegment ADDR = findOrThrow("vs_tx_burst");
    static final MethodHandle HANDLE = downcall(ADDR, DESC, true);
  }

  public static FunctionDescriptor vs_tx_burst$descriptor() {
    return vs_tx_burst.DESC;
  }

  public static MethodHandle vs_tx_burst$handle() {
    return vs_tx_burst.HANDLE;
  }

  public static MemorySegment vs_tx_burst$address() {
    return vs_tx_burst.ADDR;
  }

  public static short vs_tx_burst(short port_id, short queue_id, MemorySegment pkts, short n) {
    var mh$ = vs_tx_burst.HANDLE;
    try {
      return (short) mh$.invokeExact(port_id, queue_id, pkts, n);
    } catch (Throwable ex$) {
      throw new AssertionError("should not reach here", ex$);
    }
  }

  private static final class vs_tx_burst_or_free {
    static final FunctionDescriptor DESC =
        FunctionDescriptor.of(C_SHORT, C_SHORT, C_SHORT, C_POINTER, C_SHORT);
    static final MemorySegment ADDR = findOrThrow("vs_tx_burst_or_free");
    static final MethodHandle HANDLE = downcall(ADDR, DESC, true);
  }

  public static FunctionDescriptor vs_tx_burst_or_free$descriptor() {
    return vs_tx_burst_or_free.DESC;
  }

  public static MethodHandle vs_tx_burst_or_free$handle() {
    return vs_tx_burst_or_free.HANDLE;
  }

  public static MemorySegment vs_tx_burst_or_free$address() {
    return vs_tx_burst_or_free.ADDR;
  }

  public static short vs_tx_burst_or_free(
      short port_id, short queue_id, MemorySegment pkts, short n) {
    var mh$ = vs_tx_burst_or_free.HANDLE;
    try {
      return (short) mh$.invokeExact(port_id, queue_id, pkts, n);
    } catch (Throwable ex$) {
      throw new AssertionError("should not reach here", ex$);
    }
  }

  private static final class vs_pktmbuf_alloc {
    static final FunctionDescriptor DESC = FunctionDescriptor.of(C_POINTER, C_POINTER);
    static final MemorySegment ADDR = findOrThrow("vs_pktmbuf_alloc");
    static final MethodHandle HANDLE = downcall(ADDR, DESC, true);
  }

  public static FunctionDescriptor vs_pktmbuf_alloc$descriptor() {
    return vs_pktmbuf_alloc.DESC;
  }

  public static MethodHandle vs_pktmbuf_alloc$handle() {
    return vs_pktmbuf_alloc.HANDLE;
  }

  public static MemorySegment vs_pktmbuf_alloc$address() {
    return vs_pktmbuf_alloc.ADDR;
  }

  public static MemorySegment vs_pktmbuf_alloc(MemorySegment mp) {
    var mh$ = vs_pktmbuf_alloc.HANDLE;
    try {
      return (MemorySegment) mh$.invokeExact(mp);
    } catch (Throwable ex$) {
      throw new AssertionError("should not reach here", ex$);
    }
  }

  private static final class vs_pktmbuf_alloc_bulk {
    static final FunctionDescriptor DESC =
        FunctionDescriptor.of(C_INT, C_POINTER, C_POINTER, C_INT);
    static final MemorySegment ADDR = findOrThrow("vs_pktmbuf_alloc_bulk");
    static final MethodHandle HANDLE = downcall(ADDR, DESC, true);
  }

  public static FunctionDescriptor vs_pktmbuf_alloc_bulk$descriptor() {
    return vs_pktmbuf_alloc_bulk.DESC;
  }

  public static MethodHandle vs_pktmbuf_alloc_bulk$handle() {
    return vs_pktmbuf_alloc_bulk.HANDLE;
  }

  public static MemorySegment vs_pktmbuf_alloc_bulk$address() {
    return vs_pktmbuf_alloc_bulk.ADDR;
  }

  public static int vs_pktmbuf_alloc_bulk(MemorySegment mp, MemorySegment pkts, int n) {
    var mh$ = vs_pktmbuf_alloc_bulk.HANDLE;
    try {
      return (int) mh$.invokeExact(mp, pkts, n);
    } catch (Throwable ex$) {
      throw new AssertionError("should not reach here", ex$);
    }
  }

  private static final class vs_pktmbuf_free {
    static final FunctionDescriptor DESC = FunctionDescriptor.ofVoid(C_POINTER);
    static final MemorySegment ADDR = findOrThrow("vs_pktmbuf_free");
    static final MethodHandle HANDLE = downcall(ADDR, DESC, true);
  }

  public static FunctionDescriptor vs_pktmbuf_free$descriptor() {
    return vs_pktmbuf_free.DESC;
  }

  public static MethodHandle vs_pktmbuf_free$handle() {
    return vs_pktmbuf_free.HANDLE;
  }

  public static MemorySegment vs_pktmbuf_free$address() {
    return vs_pktmbuf_free.ADDR;
  }

  public static void vs_pktmbuf_free(MemorySegment m) {
    var mh$ = vs_pktmbuf_free.HANDLE;
    try {
      mh$.invokeExact(m);
    } catch (Throwable ex$) {
      throw new AssertionError("should not reach here", ex$);
    }
  }

  private static final class vs_pktmbuf_free_bulk {
    static final FunctionDescriptor DESC = FunctionDescriptor.ofVoid(C_POINTER, C_INT);
    static final MemorySegment ADDR = findOrThrow("vs_pktmbuf_free_bulk");
    static final MethodHandle HANDLE = downcall(ADDR, DESC, true);
  }

  public static FunctionDescriptor vs_pktmbuf_free_bulk$descriptor() {
    return vs_pktmbuf_free_bulk.DESC;
  }

  public static MethodHandle vs_pktmbuf_free_bulk$handle() {
    return vs_pktmbuf_free_bulk.HANDLE;
  }

  public static MemorySegment vs_pktmbuf_free_bulk$address() {
    return vs_pktmbuf_free_bulk.ADDR;
  }

  public static void vs_pktmbuf_free_bulk(MemorySegment pkts, int n) {
    var mh$ = vs_pktmbuf_free_bulk.HANDLE;
    try {
      mh$.invokeExact(pkts, n);
    } catch (Throwable ex$) {
      throw new AssertionError("should not reach here", ex$);
    }
  }

  private static final class vs_mbuf_refcnt_read {
    static final FunctionDescriptor DESC = FunctionDescriptor.of(C_SHORT, C_POINTER);
    static final MemorySegment ADDR = findOrThrow("vs_mbuf_refcnt_read");
    static final MethodHandle HANDLE = downcall(ADDR, DESC, true);
  }

  public static FunctionDescriptor vs_mbuf_refcnt_read$descriptor() {
    return vs_mbuf_refcnt_read.DESC;
  }

  public static MethodHandle vs_mbuf_refcnt_read$handle() {
    return vs_mbuf_refcnt_read.HANDLE;
  }

  public static MemorySegment vs_mbuf_refcnt_read$address() {
    return vs_mbuf_refcnt_read.ADDR;
  }

  public static short vs_mbuf_refcnt_read(MemorySegment m) {
    var mh$ = vs_mbuf_refcnt_read.HANDLE;
    try {
      return (short) mh$.invokeExact(m);
    } catch (Throwable ex$) {
      throw new AssertionError("should not reach here", ex$);
    }
  }

  private static final class vs_mbuf_refcnt_update {
    static final FunctionDescriptor DESC = FunctionDescriptor.of(C_SHORT, C_POINTER, C_SHORT);
    static final MemorySegment ADDR = findOrThrow("vs_mbuf_refcnt_update");
    static final MethodHandle HANDLE = downcall(ADDR, DESC, true);
  }

  public static FunctionDescriptor vs_mbuf_refcnt_update$descriptor() {
    return vs_mbuf_refcnt_update.DESC;
  }

  public static MethodHandle vs_mbuf_refcnt_update$handle() {
    return vs_mbuf_refcnt_update.HANDLE;
  }

  public static MemorySegment vs_mbuf_refcnt_update$address() {
    return vs_mbuf_refcnt_update.ADDR;
  }

  public static short vs_mbuf_refcnt_update(MemorySegment m, short delta) {
    var mh$ = vs_mbuf_refcnt_update.HANDLE;
    try {
      return (short) mh$.invokeExact(m, delta);
    } catch (Throwable ex$) {
      throw new AssertionError("should not reach here", ex$);
    }
  }

  private static final class vs_pktmbuf_prepend {
    static final FunctionDescriptor DESC = FunctionDescriptor.of(C_POINTER, C_POINTER, C_SHORT);
    static final MemorySegment ADDR = findOrThrow("vs_pktmbuf_prepend");
    static final MethodHandle HANDLE = downcall(ADDR, DESC, true);
  }

  public static FunctionDescriptor vs_pktmbuf_prepend$descriptor() {
    return vs_pktmbuf_prepend.DESC;
  }

  public static MethodHandle vs_pktmbuf_prepend$handle() {
    return vs_pktmbuf_prepend.HANDLE;
  }

  public static MemorySegment vs_pktmbuf_prepend$address() {
    return vs_pktmbuf_prepend.ADDR;
  }

  public static MemorySegment vs_pktmbuf_prepend(MemorySegment m, short len) {
    var mh$ = vs_pktmbuf_prepend.HANDLE;
    try {
      return (MemorySegment) mh$.invokeExact(m, len);
    } catch (Throwable ex$) {
      throw new AssertionError("should not reach here", ex$);
    }
  }

  private static final class vs_pktmbuf_adj {
    static final FunctionDescriptor DESC = FunctionDescriptor.of(C_POINTER, C_POINTER, C_SHORT);
    static final MemorySegment ADDR = findOrThrow("vs_pktmbuf_adj");
    static final MethodHandle HANDLE = downcall(ADDR, DESC, true);
  }

  public static FunctionDescriptor vs_pktmbuf_adj$descriptor() {
    return vs_pktmbuf_adj.DESC;
  }

  public static MethodHandle vs_pktmbuf_adj$handle() {
    return vs_pktmbuf_adj.HANDLE;
  }

  public static MemorySegment vs_pktmbuf_adj$address() {
    return vs_pktmbuf_adj.ADDR;
  }

  public static MemorySegment vs_pktmbuf_adj(MemorySegment m, short len) {
    var mh$ = vs_pktmbuf_adj.HANDLE;
    try {
      return (MemorySegment) mh$.invokeExact(m, len);
    } catch (Throwable ex$) {
      throw new AssertionError("should not reach here", ex$);
    }
  }

  private static final class vs_pktmbuf_append {
    static final FunctionDescriptor DESC = FunctionDescriptor.of(C_POINTER, C_POINTER, C_SHORT);
    static final MemorySegment ADDR = findOrThrow("vs_pktmbuf_append");
    static final MethodHandle HANDLE = downcall(ADDR, DESC, true);
  }

  public static FunctionDescriptor vs_pktmbuf_append$descriptor() {
    return vs_pktmbuf_append.DESC;
  }

  public static MethodHandle vs_pktmbuf_append$handle() {
    return vs_pktmbuf_append.HANDLE;
  }

  public static MemorySegment vs_pktmbuf_append$address() {
    return vs_pktmbuf_append.ADDR;
  }

  public static MemorySegment vs_pktmbuf_append(MemorySegment m, short len) {
    var mh$ = vs_pktmbuf_append.HANDLE;
    try {
      return (MemorySegment) mh$.invokeExact(m, len);
    } catch (Throwable ex$) {
      throw new AssertionError("should not reach here", ex$);
    }
  }

  private static final class vs_pktmbuf_copy {
    static final FunctionDescriptor DESC = FunctionDescriptor.of(C_POINTER, C_POINTER, C_POINTER);
    static final MemorySegment ADDR = findOrThrow("vs_pktmbuf_copy");
    static final MethodHandle HANDLE = downcall(ADDR, DESC, true);
  }

  public static FunctionDescriptor vs_pktmbuf_copy$descriptor() {
    return vs_pktmbuf_copy.DESC;
  }

  public static MethodHandle vs_pktmbuf_copy$handle() {
    return vs_pktmbuf_copy.HANDLE;
  }

  public static MemorySegment vs_pktmbuf_copy$address() {
    return vs_pktmbuf_copy.ADDR;
  }

  public static MemorySegment vs_pktmbuf_copy(MemorySegment m, MemorySegment mp) {
    var mh$ = vs_pktmbuf_copy.HANDLE;
    try {
      return (MemorySegment) mh$.invokeExact(m, mp);
    } catch (Throwable ex$) {
      throw new AssertionError("should not reach here", ex$);
    }
  }
}
