package io.vswitch.ffm;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The whole address space as one segment, for reading mbufs and frames by raw address.
 *
 * <p>Why: DPDK hands us mbuf pointers; wrapping each one in its own {@code MemorySegment} would
 * allocate per packet (the ixy.java anti-pattern). Reading through one segment that spans every
 * address keeps the data path allocation-free; the JIT folds the bounds check away because the
 * segment's size is a constant. The price is that nothing checks the address: callers only pass
 * addresses DPDK gave them plus offsets they validated against the frame length.
 */
public final class NativeMemory {
  /** Every address, readable and writable. Global scope: never freed. */
  public static final MemorySegment ALL = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);

  public static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED;
  public static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED;
  public static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED;

  private NativeMemory() {}

  public static byte getByte(long address) {
    return ALL.get(ValueLayout.JAVA_BYTE, address);
  }

  public static void putByte(long address, byte value) {
    ALL.set(ValueLayout.JAVA_BYTE, address, value);
  }

  public static short getShort(long address) {
    return ALL.get(SHORT, address);
  }

  public static void putShort(long address, short value) {
    ALL.set(SHORT, address, value);
  }

  public static int getInt(long address) {
    return ALL.get(INT, address);
  }

  public static void putInt(long address, int value) {
    ALL.set(INT, address, value);
  }

  public static long getLong(long address) {
    return ALL.get(LONG, address);
  }

  public static void putLong(long address, long value) {
    ALL.set(LONG, address, value);
  }

  /** Network byte order (big-endian) 16-bit read, as an unsigned int. */
  public static int getShortBE(long address) {
    return Short.toUnsignedInt(Short.reverseBytes(ALL.get(SHORT, address)));
  }

  /** Network byte order (big-endian) 32-bit write. */
  public static void putIntBE(long address, int value) {
    ALL.set(INT, address, Integer.reverseBytes(value));
  }

  public static void putShortBE(long address, int value) {
    ALL.set(SHORT, address, Short.reverseBytes((short) value));
  }

  /** Copies {@code length} bytes between raw addresses (regions may overlap). */
  public static void copy(long from, long to, long length) {
    MemorySegment.copy(ALL, from, ALL, to, length);
  }
}
