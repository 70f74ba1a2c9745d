package io.vswitch.dataplane.l2;

import io.vswitch.ffm.Mbuf;
import io.vswitch.ffm.NativeMemory;

/**
 * Puts a frame into the encapsulation its egress port wants: push an 802.1Q tag, pop it, or rewrite
 * the VID of the one it has. Works in place on an mbuf the caller owns alone, moving only the 12
 * bytes of MAC addresses (one 8-byte and one 4-byte move) into or out of the headroom.
 */
public final class VlanRewrite {
  public static final int TAG_BYTES = 4;

  private VlanRewrite() {}

  /**
   * Returns true when the frame now carries {@code vlan} tagged (if {@code tagged}) or no tag;
   * false when there was no headroom for a push (the caller drops).
   *
   * @param tag the frame's tag as parsed ({@link BurstContext#tag}): 0 when untagged
   */
  public static boolean apply(long mbuf, long frame, int tag, boolean tagged, int vlan) {
    return apply(mbuf, frame, tag, tagged, vlan, -1);
  }

  /**
   * As {@link #apply(long, long, int, boolean, int)}, with the 802.1p priority of a tagged result
   * set to {@code pcp} (0..7), or kept from the frame's own tag (0 when pushed) when -1.
   */
  public static boolean apply(long mbuf, long frame, int tag, boolean tagged, int vlan, int pcp) {
    boolean hasTag = tag != 0;
    if (hasTag && !tagged) {
      pop(mbuf, frame);
    } else if (!hasTag && tagged) {
      return push(mbuf, frame, vlan, pcp < 0 ? 0 : pcp);
    } else if (hasTag) {
      int tci = tag & 0xFFFF;
      int next = (pcp < 0 ? tci & 0xF000 : (pcp << 13) | (tci & 0x1000)) | vlan; // keep DEI
      if (next != tci) {
        NativeMemory.putShortBE(frame + 14, next);
      }
    }
    return true;
  }

  /**
   * Inserts a tag with {@code vlan} and priority {@code pcp} after the MAC addresses of the frame
   * at {@code old} (its data address now).
   */
  static boolean push(long mbuf, long old, int vlan, int pcp) {
    long frame = Mbuf.prepend(mbuf, old, TAG_BYTES);
    if (frame == 0) {
      return false;
    }
    long macs = NativeMemory.getLong(old);
    int macsTail = NativeMemory.getInt(old + 8);
    NativeMemory.putLong(frame, macs);
    NativeMemory.putInt(frame + 8, macsTail);
    NativeMemory.putIntBE(frame + 12, ParseStage.TPID_8021Q << 16 | (pcp << 13) | vlan);
    return true;
  }

  /** Removes the tag at offset 12. */
  static void pop(long mbuf, long frame) {
    long macs = NativeMemory.getLong(frame);
    int macsTail = NativeMemory.getInt(frame + 8);
    NativeMemory.putLong(frame + TAG_BYTES, macs);
    NativeMemory.putInt(frame + TAG_BYTES + 8, macsTail);
    Mbuf.trimHead(mbuf, TAG_BYTES);
  }
}
