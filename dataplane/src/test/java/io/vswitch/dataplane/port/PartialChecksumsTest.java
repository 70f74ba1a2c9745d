package io.vswitch.dataplane.port;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vswitch.dataplane.packet.PacketBatch;
import io.vswitch.dataplane.testing.TestMbufs;
import io.vswitch.ffm.NativeMemory;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Frames as a kernel with tx checksum offload hands them to AF_XDP/AF_PACKET (field = folded
 * pseudo-header sum), and frames that must be left as they are, checked against an independent
 * byte-at-a-time RFC 1071 reference.
 */
class PartialChecksumsTest {
  static final int TCP = 6;
  static final int UDP = 17;

  /** How the L4 checksum field of a built frame is filled. */
  enum Field {
    PARTIAL, // what CHECKSUM_PARTIAL leaves: the un-complemented pseudo-header sum
    FULL, // a correct checksum, as with offloads off
    ZERO, // UDP "no checksum"
    CORRUPT // a correct checksum plus one: not partial, wrong
  }

  record Built(byte[] frame, int l4Offset, int fieldOffset) {}

  /** Ethernet (optionally one 802.1Q tag) + IPv4/IPv6 + TCP/UDP with {@code payload} bytes. */
  static Built frame(
      boolean v6, int protocol, int payload, Field field, boolean tagged, long seed) {
    Random random = new Random(seed);
    int l4Length = (protocol == TCP ? 20 : 8) + payload;
    int l2 = tagged ? 18 : 14;
    int l3 = v6 ? 40 : 20;
    ByteBuffer b = ByteBuffer.allocate(l2 + l3 + l4Length);
    b.put(new byte[] {2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1});
    if (tagged) {
      b.putShort((short) 0x8100).putShort((short) 10);
    }
    b.putShort((short) (v6 ? 0x86dd : 0x0800));
    byte[] src = new byte[v6 ? 16 : 4];
    byte[] dst = new byte[v6 ? 16 : 4];
    random.nextBytes(src);
    random.nextBytes(dst);
    if (v6) {
      b.putInt(0x6000_0000).putShort((short) l4Length).put((byte) protocol).put((byte) 64);
      b.put(src).put(dst);
    } else {
      b.put((byte) 0x45).put((byte) 0).putShort((short) (20 + l4Length));
      b.putShort((short) 7).putShort((short) 0x4000).put((byte) 64).put((byte) protocol);
      b.putShort((short) 0).put(src).put(dst);
    }
    int l4 = b.position();
    byte[] l4Bytes = new byte[l4Length];
    random.nextBytes(l4Bytes);
    int fieldAt = protocol == TCP ? 16 : 6;
    if (protocol == UDP) {
      l4Bytes[4] = (byte) (l4Length >> 8);
      l4Bytes[5] = (byte) l4Length;
    } else {
      l4Bytes[12] = 0x50; // data offset 5
    }
    l4Bytes[fieldAt] = 0;
    l4Bytes[fieldAt + 1] = 0;
    b.put(l4Bytes);
    byte[] frame = b.array();
    long pseudo = words(src) + words(dst) + protocol + l4Length;
    int full = ~fold(pseudo + words(l4Bytes)) & 0xFFFF;
    if (full == 0 && protocol == UDP) {
      full = 0xFFFF;
    }
    int value =
        switch (field) {
          case PARTIAL -> fold(pseudo);
          case FULL -> full;
          case ZERO -> 0;
          case CORRUPT -> (full + 1) & 0xFFFF;
        };
    frame[l4 + fieldAt] = (byte) (value >> 8);
    frame[l4 + fieldAt + 1] = (byte) value;
    return new Built(frame, l4, l4 + fieldAt);
  }

  /** Reference: 16-bit big-endian words, one byte at a time, odd tail padded with zero. */
  static long words(byte[] data) {
    long sum = 0;
    for (int i = 0; i < data.length; i += 2) {
      int high = data[i] & 0xFF;
      int low = i + 1 < data.length ? data[i + 1] & 0xFF : 0;
      sum += (high << 8) | low;
    }
    return sum;
  }

  static int fold(long sum) {
    while ((sum >>> 16) != 0) {
      sum = (sum & 0xFFFF) + (sum >>> 16);
    }
    return (int) sum;
  }

  /** Whether the L4 checksum verifies: pseudo header + segment sums to all ones. */
  static boolean verifies(Built b, boolean v6, int protocol) {
    byte[] f = b.frame();
    int l3 = b.l4Offset() - (v6 ? 40 : 20);
    byte[] src = java.util.Arrays.copyOfRange(f, l3 + (v6 ? 8 : 12), l3 + (v6 ? 24 : 16));
    byte[] dst = java.util.Arrays.copyOfRange(f, l3 + (v6 ? 24 : 16), l3 + (v6 ? 40 : 20));
    byte[] l4 = java.util.Arrays.copyOfRange(f, b.l4Offset(), f.length);
    return fold(words(src) + words(dst) + protocol + l4.length + words(l4)) == 0xFFFF;
  }

  /** Runs complete() on a copy of the frame in native memory; returns {result, frame after}. */
  static int run(byte[] frame, byte[][] after) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment m = arena.allocate(frame.length + 1);
      MemorySegment.copy(frame, 0, m, ValueLayout.JAVA_BYTE, 0, frame.length);
      m.set(ValueLayout.JAVA_BYTE, frame.length, (byte) 0x5a); // a byte past the frame
      int result = PartialChecksums.complete(m.address(), frame.length);
      after[0] = m.asSlice(0, frame.length).toArray(ValueLayout.JAVA_BYTE);
      assertEquals(0x5a, NativeMemory.getByte(m.address() + frame.length), "wrote past the frame");
      return result;
    }
  }

  @ParameterizedTest(name = "v6={0}")
  @ValueSource(booleans = {false, true})
  void partialTcpAndUdpOfEveryLengthAreCompletedToTheReferenceChecksum(boolean v6) {
    for (int protocol : new int[] {TCP, UDP}) {
      for (int payload = 0; payload <= 1460; payload += payload < 40 ? 1 : 97) {
        Built partial = frame(v6, protocol, payload, Field.PARTIAL, false, payload);
        Built full = frame(v6, protocol, payload, Field.FULL, false, payload);
        byte[][] after = new byte[1][];
        String what = (v6 ? "IPv6 " : "IPv4 ") + protocol + " payload " + payload;
        assertEquals(PartialChecksums.COMPLETED, run(partial.frame(), after), what);
        assertArrayEquals(full.frame(), after[0], what + ": not the checksum a NIC would write");
        assertTrue(verifies(new Built(after[0], full.l4Offset(), 0), v6, protocol), what);
      }
    }
  }

  @ParameterizedTest(name = "v6={0}")
  @ValueSource(booleans = {false, true})
  void correctChecksumsAreNeverChanged(boolean v6) {
    for (int protocol : new int[] {TCP, UDP}) {
      for (long seed = 0; seed < 300; seed++) {
        Built full = frame(v6, protocol, (int) (seed * 7 % 1400), Field.FULL, false, seed);
        byte[][] after = new byte[1][];
        run(full.frame(), after); // may "complete" one whose field equals P: to the same value
        assertArrayEquals(full.frame(), after[0], "seed " + seed);
      }
    }
  }

  @ParameterizedTest(name = "v6={0}")
  @ValueSource(booleans = {false, true})
  void aCorruptChecksumStaysCorrupt(boolean v6) {
    for (int protocol : new int[] {TCP, UDP}) {
      Built corrupt = frame(v6, protocol, 100, Field.CORRUPT, false, 42);
      byte[][] after = new byte[1][];
      assertEquals(PartialChecksums.LEFT, run(corrupt.frame(), after));
      assertArrayEquals(corrupt.frame(), after[0]);
      assertFalse(verifies(new Built(after[0], corrupt.l4Offset(), 0), v6, protocol));
    }
  }

  @ParameterizedTest(name = "v6={0}")
  @ValueSource(booleans = {false, true})
  void udpWithoutChecksumIsLeftWithout(boolean v6) {
    Built zero = frame(v6, UDP, 33, Field.ZERO, false, 3);
    byte[][] after = new byte[1][];
    assertEquals(PartialChecksums.LEFT, run(zero.frame(), after));
    assertArrayEquals(zero.frame(), after[0]);
  }

  @Test
  void aTaggedFrameIsCompletedToo() {
    Built partial = frame(false, TCP, 500, Field.PARTIAL, true, 5);
    Built full = frame(false, TCP, 500, Field.FULL, true, 5);
    byte[][] after = new byte[1][];
    assertEquals(PartialChecksums.COMPLETED, run(partial.frame(), after));
    assertArrayEquals(full.frame(), after[0]);
  }

  /** Partial-looking fields in frames that are not whole L4 segments in one buffer: untouched. */
  @Test
  void whatIsNotAWholeSegmentIsLeftAlone() {
    List<byte[]> frames = new ArrayList<>();
    byte[] fragment = frame(false, TCP, 100, Field.PARTIAL, false, 1).frame();
    fragment[14 + 6] |= 0x20; // MF
    frames.add(fragment);
    byte[] later = frame(false, UDP, 100, Field.PARTIAL, false, 1).frame();
    later[14 + 7] = 1; // offset 8
    frames.add(later);
    byte[] truncated = frame(false, TCP, 1000, Field.PARTIAL, false, 2).frame();
    frames.add(java.util.Arrays.copyOf(truncated, 600)); // a GSO frame cut by the ring
    byte[] truncated6 = frame(true, UDP, 1000, Field.PARTIAL, false, 2).frame();
    frames.add(java.util.Arrays.copyOf(truncated6, 600));
    byte[] shortTcp = frame(false, TCP, 0, Field.PARTIAL, false, 3).frame();
    shortTcp[14 + 3] -= 4; // IP says 16 bytes of TCP: no room for a checksum field
    frames.add(shortTcp);
    byte[] otherProtocol = frame(false, TCP, 10, Field.PARTIAL, false, 4).frame();
    otherProtocol[14 + 9] = (byte) 132; // SCTP
    frames.add(otherProtocol);
    byte[] extension = frame(true, TCP, 10, Field.PARTIAL, false, 4).frame();
    extension[14 + 6] = 0; // hop-by-hop in front: not walked
    frames.add(extension);
    byte[] notIp = frame(false, TCP, 10, Field.PARTIAL, false, 4).frame();
    notIp[12] = (byte) 0x88;
    notIp[13] = (byte) 0xb5;
    frames.add(notIp);
    frames.add(java.util.Arrays.copyOf(frame(false, TCP, 0, Field.PARTIAL, false, 5).frame(), 13));
    frames.add(java.util.Arrays.copyOf(frame(true, TCP, 0, Field.PARTIAL, false, 5).frame(), 50));
    for (int i = 0; i < frames.size(); i++) {
      byte[][] after = new byte[1][];
      assertEquals(PartialChecksums.LEFT, run(frames.get(i), after), "frame " + i);
      assertArrayEquals(frames.get(i), after[0], "frame " + i);
    }
  }

  /** 32 fills a burst; 5 is a remainder. Every frame's fate is checked. */
  @ParameterizedTest
  @ValueSource(ints = {32, 5})
  void aBurstCompletesExactlyItsPartialFrames(int count) {
    List<byte[]> in = new ArrayList<>();
    List<byte[]> expected = new ArrayList<>();
    int partials = 0;
    Field[] fields = Field.values();
    for (int i = 0; i < count; i++) {
      boolean v6 = i % 2 == 1;
      int protocol = i % 3 == 0 ? UDP : TCP;
      Field field = fields[i % fields.length];
      if (field == Field.ZERO && protocol == TCP) {
        field = Field.PARTIAL;
      }
      in.add(frame(v6, protocol, 10 + i * 41, field, false, i).frame());
      Field after = field == Field.PARTIAL ? Field.FULL : field;
      expected.add(frame(v6, protocol, 10 + i * 41, after, false, i).frame());
      partials += field == Field.PARTIAL ? 1 : 0;
    }
    try (Arena arena = Arena.ofConfined()) {
      PacketBatch batch = new PacketBatch(arena);
      TestMbufs.fill(batch, in);
      try {
        assertEquals(partials, PartialChecksums.completeBurst(batch));
        assertEquals(count, batch.count());
        for (int i = 0; i < count; i++) {
          assertArrayEquals(expected.get(i), TestMbufs.bytes(batch.mbuf(i)), "frame " + i);
        }
      } finally {
        batch.freeAll();
      }
    }
  }

  /** Allocation-free per packet: 100k bursts of 32 partial frames, each completed every time. */
  @Test
  void completingAllocatesNothing() {
    List<byte[]> in = new ArrayList<>();
    int[] field = new int[PacketBatch.MAX_BURST];
    int[] partial = new int[PacketBatch.MAX_BURST];
    for (int i = 0; i < PacketBatch.MAX_BURST; i++) {
      Built b = frame(i % 2 == 0, i % 3 == 0 ? UDP : TCP, 1400, Field.PARTIAL, false, i);
      in.add(b.frame());
      field[i] = b.fieldOffset();
      partial[i] = ((b.frame()[field[i]] & 0xFF) << 8) | (b.frame()[field[i] + 1] & 0xFF);
    }
    var threads =
        (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
    try (Arena arena = Arena.ofConfined()) {
      PacketBatch batch = new PacketBatch(arena);
      TestMbufs.fill(batch, in);
      try {
        long before = 0;
        long completed = 0;
        for (int round = 0; round < 120_000; round++) {
          if (round == 20_000) {
            before = threads.getCurrentThreadAllocatedBytes(); // after the JIT warmed up
          }
          for (int i = 0; i < batch.count(); i++) {
            NativeMemory.putShortBE(batch.frameAddress(i) + field[i], partial[i]);
          }
          completed += PartialChecksums.completeBurst(batch);
        }
        long bytes = threads.getCurrentThreadAllocatedBytes() - before;
        assertEquals(120_000L * PacketBatch.MAX_BURST, completed);
        assertTrue(bytes < 16 * 1024, "allocated " + bytes + " bytes for 3.2M frames");
      } finally {
        batch.freeAll();
      }
    }
  }

  @Test
  void onlyKernelSocketDriversPayForIt() {
    assertTrue(PartialChecksums.applies("net_af_xdp"));
    assertTrue(PartialChecksums.applies("net_af_packet"));
    for (String driver : List.of("net_pcap", "net_vhost", "net_virtio_user", "net_ixgbe")) {
      assertFalse(PartialChecksums.applies(driver), driver);
    }
  }

  @Test
  void theWideSumMatchesTheReferenceAtEveryLengthAndAlignment() {
    Random random = new Random(9);
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment m = arena.allocate(2100);
      for (int length = 0; length < 64; length++) {
        for (int start = 0; start < 8; start++) {
          byte[] data = new byte[length];
          random.nextBytes(data);
          MemorySegment.copy(data, 0, m, ValueLayout.JAVA_BYTE, start, length);
          int reference = fold(words(data));
          int sum = PartialChecksums.sumNative(m.address() + start, length);
          assertTrue(
              sum == reference || (sum == 0xFFFF && reference == 0),
              "length " + length + " start " + start);
        }
      }
      byte[] ones = new byte[2048];
      java.util.Arrays.fill(ones, (byte) 0xFF);
      MemorySegment.copy(ones, 0, m, ValueLayout.JAVA_BYTE, 0, ones.length);
      assertNotEquals(0, PartialChecksums.sumNative(m.address(), ones.length));
    }
  }
}
