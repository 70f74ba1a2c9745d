package io.vswitch.dataplane.l2.tap;

import io.vswitch.ffm.NativeMemory;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One worker's captured frames on their way to the control thread: a single-producer,
 * single-consumer ring of fixed slots, each a frame's first {@code snaplen} bytes with its length,
 * time and direction, preallocated. The worker never waits: when the ring is full the frame is
 * skipped and counted ({@link #skipped}), so a slow reader loses frames, not forwarding.
 */
public final class CaptureRing {
  public static final byte IN = 0;
  public static final byte OUT = 1;

  private static final VarHandle HEAD;
  private static final VarHandle TAIL;
  private static final VarHandle SKIPPED;

  static {
    try {
      MethodHandles.Lookup l = MethodHandles.lookup();
      HEAD = l.findVarHandle(CaptureRing.class, "head", long.class);
      TAIL = l.findVarHandle(CaptureRing.class, "tail", long.class);
      SKIPPED = l.findVarHandle(CaptureRing.class, "skipped", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final int slots;
  private final int snaplen;
  private final byte[] data;
  private final int[] captured;
  private final int[] original;
  private final long[] nanos;
  private final byte[] direction;

  @SuppressWarnings("unused") // through HEAD: written by the producer only
  private long head;

  @SuppressWarnings("unused") // through TAIL: written by the consumer only
  private long tail;

  @SuppressWarnings("unused") // through SKIPPED: written by the producer only
  private long skipped;

  /** What the consumer gets for each frame; the bytes are valid only during the call. */
  public interface Sink {
    void frame(byte[] data, int offset, int capturedLength, int length, long nanos, byte direction);
  }

  public CaptureRing(int slots, int snaplen) {
    if (slots < 1 || snaplen < 1) {
      throw new IllegalArgumentException("a capture ring needs slots and a snap length");
    }
    this.slots = slots;
    this.snaplen = snaplen;
    this.data = new byte[Math.multiplyExact(slots, snaplen)];
    this.captured = new int[slots];
    this.original = new int[slots];
    this.nanos = new long[slots];
    this.direction = new byte[slots];
  }

  /**
   * Producer: copies up to {@code snaplen} of the {@code readable} bytes at {@code address}, or
   * counts a skip when the ring is full. Returns whether it was queued.
   */
  public boolean offer(long address, int readable, int length, long time, byte dir) {
    long h = (long) HEAD.getOpaque(this);
    if (h - (long) TAIL.getAcquire(this) >= slots) {
      SKIPPED.setOpaque(this, (long) SKIPPED.getOpaque(this) + 1);
      return false;
    }
    int slot = (int) (h % slots);
    int n = Math.min(Math.min(readable, snaplen), length);
    MemorySegment.copy(
        NativeMemory.ALL, ValueLayout.JAVA_BYTE, address, data, slot * snaplen, Math.max(n, 0));
    captured[slot] = Math.max(n, 0);
    original[slot] = length;
    nanos[slot] = time;
    direction[slot] = dir;
    HEAD.setRelease(this, h + 1);
    return true;
  }

  /** Consumer: hands every queued frame to {@code sink}, at most {@code max}; returns how many. */
  public int drain(Sink sink, int max) {
    long t = (long) TAIL.getOpaque(this);
    long h = (long) HEAD.getAcquire(this);
    int n = 0;
    for (; t < h && n < max; t++, n++) {
      int slot = (int) (t % slots);
      sink.frame(
          data, slot * snaplen, captured[slot], original[slot], nanos[slot], direction[slot]);
      TAIL.setRelease(this, t + 1);
    }
    return n;
  }

  /** Frames not captured because the ring was full. */
  public long skipped() {
    return (long) SKIPPED.getOpaque(this);
  }

  public int snaplen() {
    return snaplen;
  }
}
