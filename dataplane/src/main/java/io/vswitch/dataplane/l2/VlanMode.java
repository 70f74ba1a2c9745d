package io.vswitch.dataplane.l2;

/** How a port carries VLANs (IEEE 802.1Q). */
public enum VlanMode {
  /** One VLAN, untagged on the wire; tagged frames are refused (priority tags, VID 0, allowed). */
  ACCESS,
  /** Several VLANs, tagged on the wire; the native VLAN, if any, may be untagged. */
  TRUNK
}
