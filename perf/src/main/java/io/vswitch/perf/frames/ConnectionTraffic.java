package io.vswitch.perf.frames;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The traffic of the connection-tracking rows (issue 13): {@code connections} distinct UDP
 * 5-tuples, one frame each, from {@code hosts} source MACs on the access side to the {@link
 * TrafficSpec#KNOWN_DESTINATIONS} known MACs behind the trunk; and, for each, the reply: the same
 * tuple reversed, from that known MAC back to the host, tagged VLAN 10 as it arrives on the trunk.
 * Connection {@code c} is 10.0.x.y:p -> 10.1.0.1:5001 with x.y = 1 + (c mod 65536) and p = 1024 +
 * (c mod 60000), distinct for every c below {@link #MAX_CONNECTIONS} (65536 k is never a multiple
 * of 60000 for k < 1875); its host is c mod hosts, its destination c mod 4.
 *
 * <p>Too many frames for a switch's net_pcap port (infinite_rx keeps the file in mbufs, and
 * OVS-DPDK's pool holds at most 262,144): {@code FlowGenerator} replays them from its own process.
 */
public record ConnectionTraffic(int frameSize, int connections, int hosts, boolean replies) {
  public static final int MAX_CONNECTIONS = 1 << 22;

  /** The VLAN the replies carry on the trunk (the access side's). */
  public static final int VLAN = 10;

  private static final int SERVER_IP = 0x0A01_0001;
  private static final int SERVER_PORT = 5001;

  public ConnectionTraffic {
    if (connections < 1 || connections > MAX_CONNECTIONS) {
      throw new IllegalArgumentException(
          "connections must be 1.." + MAX_CONNECTIONS + ", not " + connections);
    }
    if (hosts < 1 || hosts > TrafficSpec.MAX_FLOWS) {
      throw new IllegalArgumentException("hosts must be 1.." + TrafficSpec.MAX_FLOWS);
    }
    if (frameSize < Frames.MIN_FRAME || frameSize > Frames.MAX_FRAME) {
      throw new IllegalArgumentException("frame size " + frameSize + " is not 64..1518");
    }
  }

  static int clientIp(int c) {
    return 0x0A00_0000 | (1 + (c & 0xFFFF));
  }

  static int clientPort(int c) {
    return 1024 + (c % 60000);
  }

  static long host(int c, int hosts) {
    return Frames.mac(1 + (c % hosts));
  }

  /** Connection {@code c}'s first frame, host to server, untagged (the access side). */
  public byte[] forward(int c) {
    return frame(
        host(c, hosts),
        TrafficSpec.knownDestination(c % TrafficSpec.KNOWN_DESTINATIONS),
        -1,
        clientIp(c),
        SERVER_IP,
        clientPort(c),
        SERVER_PORT);
  }

  /** Connection {@code c}'s reply, server to host, tagged {@link #VLAN} (the trunk side). */
  public byte[] reply(int c) {
    return frame(
        TrafficSpec.knownDestination(c % TrafficSpec.KNOWN_DESTINATIONS),
        host(c, hosts),
        VLAN,
        SERVER_IP,
        clientIp(c),
        SERVER_PORT,
        clientPort(c));
  }

  private byte[] frame(
      long srcMac, long dstMac, int vlan, int srcIp, int dstIp, int srcPort, int dstPort) {
    int length = frameSize - Frames.FCS;
    ByteBuffer b = ByteBuffer.allocate(length);
    putMac(b, dstMac);
    putMac(b, srcMac);
    if (vlan >= 0) {
      b.putShort((short) 0x8100).putShort((short) vlan);
    }
    b.putShort((short) 0x0800);
    int ipStart = b.position();
    int ipLength = length - ipStart;
    b.put((byte) 0x45).put((byte) 0).putShort((short) ipLength);
    b.putShort((short) 0).putShort((short) 0x4000);
    b.put((byte) 64).put((byte) 17).putShort((short) 0);
    b.putInt(srcIp).putInt(dstIp);
    b.putShort(ipStart + 10, Frames.ipChecksum(b.array(), ipStart));
    b.putShort((short) srcPort).putShort((short) dstPort);
    b.putShort((short) (ipLength - 20)).putShort((short) 0);
    for (int i = 0; b.hasRemaining(); i++) {
      b.put((byte) i);
    }
    return b.array();
  }

  private static void putMac(ByteBuffer b, long mac) {
    for (int shift = 40; shift >= 0; shift -= 8) {
      b.put((byte) (mac >>> shift));
    }
  }

  private String fileName(String direction, int part, int parts) {
    return "conns-"
        + frameSize
        + "b-"
        + connections
        + "x"
        + hosts
        + "-"
        + direction
        + "-"
        + part
        + "of"
        + parts
        + ".pcap";
  }

  /** Writes the host-to-server capture under {@code dir} unless it is there; returns its path. */
  public Path writeForward(Path dir) {
    return writeForward(dir, 0, 1);
  }

  /** Writes the replies' capture under {@code dir} unless it is there; returns its path. */
  public Path writeReplies(Path dir) {
    return writeReplies(dir, 0, 1);
  }

  /**
   * Part {@code part} of {@code parts} of the host-to-server frames (connections c with c mod parts
   * = part), one capture per rx queue of a generator port.
   */
  public Path writeForward(Path dir, int part, int parts) {
    return write(dir.resolve(fileName("fwd", part, parts)), false, part, parts);
  }

  /** Part {@code part} of {@code parts} of the replies. */
  public Path writeReplies(Path dir, int part, int parts) {
    return write(dir.resolve(fileName("reply", part, parts)), true, part, parts);
  }

  private Path write(Path file, boolean reply, int part, int parts) {
    if (parts < 1 || part < 0 || part >= parts) {
      throw new IllegalArgumentException("part " + part + " of " + parts);
    }
    if (Files.isRegularFile(file)) {
      return file;
    }
    // Connections part, part + parts, ...: frame i of this capture is connection part + i * parts.
    int count = (connections - part + parts - 1) / parts;
    PcapWriter.write(file, count, i -> reply ? reply(part + i * parts) : forward(part + i * parts));
    return file;
  }
}
