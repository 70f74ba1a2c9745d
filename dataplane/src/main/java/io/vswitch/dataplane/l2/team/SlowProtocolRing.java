package io.vswitch.dataplane.l2.team;

import io.vswitch.ffm.NativeMemory;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Slow-protocol frames (IEEE 802.3 annex 57A, ethertype 0x8809: LACPDUs) punted by the workers to
 * the control thread, which runs the protocol: a bounded multi-producer single-consumer ring of
 * preallocated slots (Vyukov's bounded queue: a sequence number per slot, producers claim a slot
 * with one CAS on the tail), so any worker that polls a team member can punt without a lock and
 * without allocating. A frame is copied (its first {@link #SNAPLEN} bytes; a LACPDU is 124) and the
 * mbuf stays with the worker, which frees it as a consumed drop. A full ring refuses the frame and
 * counts it ({@link #overflows}): a flood of slow-protocol frames costs LACPDUs, never forwarding.
 */
public final class SlowProtocolRing {
  /** Slots: two members at the fast rate send 2 frames a second; 256 absorb a burst of junk. */
  public static final int SLOTS = 256;

  private static final int MASK = SLOTS - 1;

  /** Bytes kept per frame: a LACPDU (124) and room to see that a longer frame is longer. */
  public static final int SNAPLEN = 128;

  private final byte[] data = new byte[SLOTS * SNAPLEN];
  private final int[] port = new int[SLOTS];
  private final int[] length = new int[SLOTS];
  private final int[] captured = new int[SLOTS];

  /** Per slot: equal to the claim number when free for it, claim + 1 once written. */
  private final AtomicLongArray sequence = new AtomicLongArray(SLOTS);

  private final AtomicLong tail = new AtomicLong();
  private final AtomicLong overflows = new AtomicLong();
  private long head; // the consumer's

  /** What the consumer gets per frame; the bytes are valid only during the call. */
  public interface Sink {
    void frame(int port, byte[] data, int offset, int captured, int length);
  }

  public SlowProtocolRing() {
    for (int s = 0; s < SLOTS; s++) {
      sequence.set(s, s);
    }
  }

  /**
   * Producer (any worker): copies the frame of {@code length} bytes at {@code address}, of which
   * {@code readable} are in the first segment, received on port slot {@code port}. False when full.
   */
  public boolean offer(int port, long address, int readable, int length) {
    long t;
    int s;
    while (true) {
      t = tail.get();
      s = (int) (t & MASK);
      long seq = sequence.getAcquire(s);
      if (seq == t) {
        if (tail.compareAndSet(t, t + 1)) {
          break;
        }
      } else if (seq < t) {
        overflows.incrementAndGet(); // the consumer has not freed this slot yet: full
        return false;
      }
      // else another producer took slot t meanwhile: try the next
    }
    int n = Math.max(0, Math.min(Math.min(readable, length), SNAPLEN));
    MemorySegment.copy(NativeMemory.ALL, ValueLayout.JAVA_BYTE, address, data, s * SNAPLEN, n);
    this.port[s] = port;
    this.length[s] = length;
    this.captured[s] = n;
    sequence.setRelease(s, t + 1);
    return true;
  }

  /** Consumer (the control thread): hands up to {@code max} queued frames to {@code sink}. */
  public int drain(Sink sink, int max) {
    int n = 0;
    while (n < max) {
      int s = (int) (head & MASK);
      if (sequence.getAcquire(s) != head + 1) {
        break; // empty, or the producer that claimed it is still copying
      }
      sink.frame(port[s], data, s * SNAPLEN, captured[s], length[s]);
      sequence.setRelease(s, head + SLOTS);
      head++;
      n++;
    }
    return n;
  }

  /** Frames refused because the ring was full. */
  public long overflows() {
    return overflows.get();
  }
}
