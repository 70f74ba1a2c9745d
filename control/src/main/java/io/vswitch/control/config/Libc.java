package io.vswitch.control.config;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The few C library calls the host checks make before DPDK runs (sockets, bpf(2)), with errno
 * captured where the caller needs to know why a call failed. Control-plane only: nothing here is on
 * a packet's path.
 */
final class Libc {
  private static final Linker LINKER = Linker.nativeLinker();

  /** Where a call made by {@link #withErrno} leaves its errno; allocate one per call site. */
  static final StructLayout ERRNO_STATE = Linker.Option.captureStateLayout();

  private static final VarHandle ERRNO =
      ERRNO_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));

  /** socket(2): int socket(int domain, int type, int protocol). */
  static final FunctionDescriptor SOCKET =
      FunctionDescriptor.of(
          ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT);

  private static final MethodHandle CLOSE =
      call("close", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));

  private static final MethodHandle STRERROR =
      call("strerror", FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_INT));

  private Libc() {}

  /** A downcall to {@code name}. */
  static MethodHandle call(String name, FunctionDescriptor descriptor, Linker.Option... options) {
    return LINKER.downcallHandle(
        LINKER.defaultLookup().find(name).orElseThrow(), descriptor, options);
  }

  /** A downcall to {@code name} whose first argument is an {@link #ERRNO_STATE} segment. */
  static MethodHandle withErrno(String name, FunctionDescriptor descriptor, Linker.Option... more) {
    Linker.Option[] options = java.util.Arrays.copyOf(more, more.length + 1);
    options[more.length] = Linker.Option.captureCallState("errno");
    return call(name, descriptor, options);
  }

  /** The errno a {@link #withErrno} call left in {@code state}. */
  static int errno(MemorySegment state) {
    return (int) ERRNO.get(state, 0L);
  }

  /** The errno in {@code state} in words, with its number. */
  static String strerror(MemorySegment state) {
    int code = errno(state);
    try {
      MemorySegment text = (MemorySegment) STRERROR.invokeExact(code);
      return text.reinterpret(256).getString(0) + " (errno " + code + ")";
    } catch (Throwable t) {
      return "errno " + code;
    }
  }

  /** Closes {@code fd}; a failure is not the caller's to handle (the fd is gone either way). */
  static void close(int fd) {
    try {
      int unused = (int) CLOSE.invokeExact(fd);
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }
}
