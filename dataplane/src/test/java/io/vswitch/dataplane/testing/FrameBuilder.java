package io.vswitch.dataplane.testing;

import java.nio.ByteBuffer;

/**
 * Builds Ethernet frames for tests: MACs, optional 802.1Q tags, an ethertype and a payload. Pads to
 * the 60-byte minimum (the FCS is not included, as DPDK delivers frames).
 */
public final class FrameBuilder {
  private byte[] dst = mac("ff:ff:ff:ff:ff:ff");
  private byte[] src = mac("02:00:00:00:00:01");
  private final int[] tags = new int[2];
  private final int[] tpids = new int[2];
  private int tagCount;

  /** IEEE's local experimental ethertype: not IP, so no L3 header is expected by default. */
  private int etherType = 0x88b5;

  private byte[] payload = new byte[46];

  public static FrameBuilder frame() {
    return new FrameBuilder();
  }

  public static byte[] mac(String text) {
    String[] parts = text.split(":");
    byte[] mac = new byte[6];
    for (int i = 0; i < 6; i++) {
      mac[i] = (byte) Integer.parseInt(parts[i], 16);
    }
    return mac;
  }

  public FrameBuilder dst(String mac) {
    this.dst = mac(mac);
    return this;
  }

  public FrameBuilder src(String mac) {
    this.src = mac(mac);
    return this;
  }

  /** Adds an 802.1Q tag (outermost first). */
  public FrameBuilder vlan(int vid) {
    return tag(0x8100, vid);
  }

  /** Adds a tag with any TPID (0x88a8 for an 802.1ad outer tag). */
  public FrameBuilder tag(int tpid, int tci) {
    tpids[tagCount] = tpid;
    tags[tagCount++] = tci;
    return this;
  }

  public FrameBuilder etherType(int etherType) {
    this.etherType = etherType;
    return this;
  }

  public FrameBuilder payload(byte[] payload) {
    this.payload = payload.clone();
    return this;
  }

  /** A payload of {@code length} bytes counting 0, 1, 2, ... so corruption shows. */
  public FrameBuilder payloadLength(int length) {
    payload = new byte[length];
    for (int i = 0; i < length; i++) {
      payload[i] = (byte) i;
    }
    return this;
  }

  public byte[] build() {
    int length = Math.max(60, 14 + 4 * tagCount + payload.length);
    ByteBuffer b = ByteBuffer.allocate(length);
    b.put(dst).put(src);
    for (int i = 0; i < tagCount; i++) {
      b.putShort((short) tpids[i]).putShort((short) tags[i]);
    }
    b.putShort((short) etherType).put(payload);
    return b.array();
  }
}
