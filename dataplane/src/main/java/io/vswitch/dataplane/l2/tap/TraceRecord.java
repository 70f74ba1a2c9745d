package io.vswitch.dataplane.l2.tap;

import io.vswitch.dataplane.acl.Acl;
import io.vswitch.dataplane.l2.BurstContext;
import io.vswitch.dataplane.l2.Feature;
import io.vswitch.dataplane.stats.DropReason;
import java.util.ArrayList;
import java.util.List;

/**
 * One traced packet, as its stages decided it (read by the control thread).
 *
 * @param tag 0 untagged, else the TCI with bit 16 set
 * @param aclIn the ingress ACL that classified it, or null when none did
 * @param aclRule the ingress ACL's rule index, or -1 for its default
 * @param color the policer's colour (0 green, 1 yellow, 2 red), or -1 when not policed
 * @param egress the FDB's port, {@link BurstContext#FLOOD}, or {@link Integer#MIN_VALUE} when the
 *     packet never reached the forward stage
 * @param forwardOut the egress ports the forward stage chose
 * @param aclOutRemoved the ports the egress ACLs took out of the set
 * @param out the ports it was queued on (original and copy)
 * @param dropFeature the feature that dropped it, or null
 * @param path the features it went through, bit = ordinal
 */
public record TraceRecord(
    int index,
    int worker,
    int queue,
    int length,
    long dstMac,
    long srcMac,
    int tag,
    int etherType,
    int vlan,
    Acl aclIn,
    int aclRule,
    int color,
    int egress,
    long forwardOut,
    long aclOutRemoved,
    long out,
    DropReason dropReason,
    Feature dropFeature,
    long path) {

  /** The features the packet went through, in pipeline order. */
  public List<Feature> features() {
    List<Feature> list = new ArrayList<>();
    for (Feature f : Feature.values()) {
      if ((path >>> f.ordinal() & 1) != 0) {
        list.add(f);
      }
    }
    return list;
  }

  public boolean flooded() {
    return egress == BurstContext.FLOOD;
  }

  public boolean forwarded() {
    return egress != Integer.MIN_VALUE;
  }
}
