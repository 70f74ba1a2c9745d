package io.vswitch.perf.frames;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConnectionTrafficTest {
  /** Every connection below the maximum is its own 5-tuple: the table really gets that many. */
  @Test
  void everyConnectionIsADistinctTuple() {
    int n = ConnectionTraffic.MAX_CONNECTIONS;
    long[] keys = new long[n];
    for (int c = 0; c < n; c++) {
      keys[c] =
          ((long) ConnectionTraffic.clientIp(c) << 16) | (ConnectionTraffic.clientPort(c) & 0xFFFF);
    }
    Arrays.sort(keys);
    for (int i = 1; i < n; i++) {
      assertNotEquals(keys[i - 1], keys[i], "a repeated tuple at " + i);
    }
  }

  @Test
  void replyIsTheForwardTupleReversedAndTagged() {
    ConnectionTraffic t = new ConnectionTraffic(64, 1 << 20, 1024, true);
    int c = 777_777;
    ByteBuffer f = ByteBuffer.wrap(t.forward(c));
    ByteBuffer r = ByteBuffer.wrap(t.reply(c));
    assertEquals(60, f.capacity());
    assertEquals(60, r.capacity());
    assertEquals(0x0800, f.getShort(12) & 0xFFFF);
    assertEquals(0x8100, r.getShort(12) & 0xFFFF);
    assertEquals(ConnectionTraffic.VLAN, r.getShort(14) & 0xFFF);
    assertEquals(0x0800, r.getShort(16) & 0xFFFF);
    // MACs swapped
    assertEquals(f.getLong(0) >>> 16, (r.getLong(6) >>> 16));
    assertEquals(f.getLong(6) >>> 16, (r.getLong(0) >>> 16));
    assertEquals(Frames.mac(1 + c % 1024), f.getLong(6) >>> 16);
    assertEquals(TrafficSpec.knownDestination(c % 4), f.getLong(0) >>> 16);
    // addresses and ports swapped
    assertEquals(f.getInt(14 + 12), r.getInt(18 + 16));
    assertEquals(f.getInt(14 + 16), r.getInt(18 + 12));
    assertEquals(f.getShort(34), r.getShort(38 + 2));
    assertEquals(f.getShort(36), r.getShort(38));
    assertEquals(0, Frames.ipChecksum(t.forward(c), 14));
    assertEquals(0, Frames.ipChecksum(t.reply(c), 18));
    assertEquals(60 - 14, f.getShort(16) & 0xFFFF);
    assertEquals(60 - 18, r.getShort(20) & 0xFFFF);
  }

  @Test
  void capturesHoldOneFramePerConnection(@TempDir Path dir) throws Exception {
    ConnectionTraffic t = new ConnectionTraffic(64, 1000, 10, true);
    Path fwd = t.writeForward(dir);
    Path reply = t.writeReplies(dir);
    assertNotEquals(fwd, reply);
    for (Path p : new Path[] {fwd, reply}) {
      ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(p)).order(ByteOrder.LITTLE_ENDIAN);
      assertEquals(0xa1b2c3d4, b.getInt(0));
      assertEquals(24 + 1000 * (16 + 60), b.capacity());
    }
    assertEquals(fwd, t.writeForward(dir), "written once, reused");
    // split over two rx queues: the same 1,000 frames, c mod 2 in each part
    long total = 0;
    for (int part = 0; part < 2; part++) {
      Path p = t.writeForward(dir, part, 2);
      total += (Files.size(p) - 24) / (16 + 60);
      ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(p));
      assertEquals(ByteBuffer.wrap(t.forward(part)), b.slice(24 + 16, 60), "first frame");
      assertEquals(ByteBuffer.wrap(t.forward(part + 2)), b.slice(24 + 2 * 16 + 60, 60));
    }
    assertEquals(1000, total);
    assertThrows(IllegalArgumentException.class, () -> t.writeForward(dir, 2, 2));
  }

  @Test
  void refusesWhatItCannotMakeDistinct() {
    assertThrows(
        IllegalArgumentException.class,
        () -> new ConnectionTraffic(64, ConnectionTraffic.MAX_CONNECTIONS + 1, 1, false));
    assertThrows(IllegalArgumentException.class, () -> new ConnectionTraffic(64, 0, 1, false));
    assertThrows(IllegalArgumentException.class, () -> new ConnectionTraffic(64, 10, 0, false));
    assertThrows(IllegalArgumentException.class, () -> new ConnectionTraffic(63, 10, 1, false));
  }
}
