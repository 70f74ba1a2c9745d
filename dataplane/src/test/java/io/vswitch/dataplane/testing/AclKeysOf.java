package io.vswitch.dataplane.testing;

import io.vswitch.dataplane.acl.AclKeys;
import io.vswitch.dataplane.packet.PacketBatch;

/** {@link AclKeys#extract} of one packet from its values, as the parse stage would hand them. */
public final class AclKeysOf {
  private AclKeysOf() {}

  /** Extracts packet {@code i} of {@code keys} from one frame's parse results. */
  public static void extractOne(
      AclKeys keys,
      int i,
      long frame,
      int readable,
      int etherType,
      long srcMac,
      long dstMac,
      int vlan,
      int l3Offset) {
    int n = PacketBatch.MAX_BURST;
    long[] frames = new long[n];
    int[] readables = new int[n];
    int[] etherTypes = new int[n];
    long[] srcMacs = new long[n];
    long[] dstMacs = new long[n];
    int[] vlans = new int[n];
    int[] l3Offsets = new int[n];
    frames[i] = frame;
    readables[i] = readable;
    etherTypes[i] = etherType;
    srcMacs[i] = srcMac;
    dstMacs[i] = dstMac;
    vlans[i] = vlan;
    l3Offsets[i] = l3Offset;
    keys.extract(1 << i, frames, readables, etherTypes, srcMacs, dstMacs, vlans, l3Offsets);
  }
}
