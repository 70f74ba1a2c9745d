package io.vswitch.dataplane.l2.mirror;

import io.vswitch.dataplane.l2.BurstContext;
import io.vswitch.dataplane.l2.TxSet;
import io.vswitch.dataplane.l2.VlanRewrite;
import io.vswitch.ffm.Mbuf;
import io.vswitch.ffm.NativeMemory;
import java.lang.foreign.MemorySegment;

/**
 * Makes a port mirror's copies and queues them on the destinations' transmit buffers. A copy is a
 * new mbuf (a deep copy, or only the first bytes when the session truncates), so nothing done to it
 * (truncation, the RSPAN tag) can reach the original, and the original's path is unchanged: its
 * mbuf, length and reference count are only read here. A copy that cannot be made is counted on its
 * destination ({@code mirror_dropped}) and the original goes on.
 *
 * <p>Copies are queued directly on the destination buffers, never through the pipeline: they are
 * not learned, not switched, and not mirrored again.
 */
public final class MirrorCopier {
  private final MemorySegment pool;

  /**
   * ERSPAN's GRE sequence number: one count per worker, so a collector sees each worker's order.
   */
  private int sequence;

  public MirrorCopier(MemorySegment pool) {
    this.pool = pool;
  }

  /**
   * Copies one frame to every session of {@code sessions} that takes its VLAN.
   *
   * @param frame its data address; {@code readable} bytes of it are in the first segment
   * @param tag its 802.1Q tag as {@link BurstContext#tag} has it (0: untagged), as it is now
   * @param port the source port it is mirrored on (ERSPAN's port index)
   */
  public void mirror(
      MirrorSession[] sessions,
      int port,
      TxSet tx,
      long mbuf,
      long frame,
      int readable,
      int length,
      int tag,
      int vlan) {
    for (MirrorSession s : sessions) {
      long ports = s.ports & tx.present();
      if (ports == 0 || !s.matches(vlan)) {
        continue;
      }
      int t = s.truncate;
      boolean cut = t != MirrorSession.WHOLE_FRAME && length > t;
      if (s.erspan != null) {
        tunnel(s, port, tx, ports, frame, Math.min(readable, cut ? t : length), length, tag, vlan);
        continue;
      }
      long copy = cut && t <= readable ? head(frame, t) : 0;
      int copyLength = cut ? t : length;
      if (copy == 0) {
        copy = Mbuf.copy(mbuf, pool);
        if (copy != 0 && cut) {
          copyLength = trim(copy, t, length);
        }
      }
      if (copy == 0) {
        countDrops(tx, ports);
        continue;
      }
      if (s.remote()) {
        if (!VlanRewrite.apply(copy, Mbuf.dataAddress(copy), tag, true, s.rspanVlan, -1)) {
          Mbuf.free(copy);
          countDrops(tx, ports);
          continue;
        }
        copyLength += tag == 0 ? VlanRewrite.TAG_BYTES : 0;
      }
      int n = Long.bitCount(ports);
      if (n != 1) {
        Mbuf.setRefCount(copy, n);
      }
      for (; ports != 0; ports &= ports - 1) {
        tx.addMirrored(Long.numberOfTrailingZeros(ports), copy, copyLength);
      }
    }
  }

  /**
   * One ERSPAN packet holding the first {@code inner} bytes of the frame (a frame longer than its
   * first segment is sent cut there, and marked truncated).
   */
  private void tunnel(
      MirrorSession s,
      int port,
      TxSet tx,
      long ports,
      long frame,
      int inner,
      int length,
      int tag,
      int vlan) {
    long packet = Mbuf.alloc(pool);
    long at = packet == 0 ? 0 : Mbuf.append(packet, ErspanTunnel.HEADER_BYTES + inner);
    if (at == 0) {
      if (packet != 0) {
        Mbuf.free(packet);
      }
      countDrops(tx, ports);
      return;
    }
    s.erspan.write(at, inner, vlan, tag != 0, port, inner < length, ++sequence);
    NativeMemory.copy(frame, at + ErspanTunnel.HEADER_BYTES, inner);
    tx.addMirrored(Long.numberOfTrailingZeros(ports), packet, ErspanTunnel.HEADER_BYTES + inner);
  }

  /** A new one-segment mbuf holding the first {@code bytes} of {@code frame}; 0 if none. */
  private long head(long frame, int bytes) {
    long copy = Mbuf.alloc(pool);
    if (copy == 0) {
      return 0;
    }
    long to = Mbuf.append(copy, bytes);
    if (to == 0) {
      Mbuf.free(copy); // longer than a segment's room: the full copy below, then trimmed
      return 0;
    }
    NativeMemory.copy(frame, to, bytes);
    return copy;
  }

  /**
   * Truncates a full copy to {@code bytes} when its first segment holds them (a copy is one chain
   * of full segments, so only a truncation past the first segment of a jumbo frame keeps the whole
   * copy); returns the copy's length.
   */
  private static int trim(long copy, int bytes, int length) {
    if (Mbuf.segmentCount(copy) == 1) {
      Mbuf.setLength(copy, bytes);
      return bytes;
    }
    return length;
  }

  private static void countDrops(TxSet tx, long ports) {
    for (; ports != 0; ports &= ports - 1) {
      tx.buffer(Long.numberOfTrailingZeros(ports)).countMirrorDrops(1);
    }
  }
}
