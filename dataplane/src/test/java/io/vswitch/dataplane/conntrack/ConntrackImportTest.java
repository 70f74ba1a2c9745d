package io.vswitch.dataplane.conntrack;

import static io.vswitch.dataplane.conntrack.TcpConn.ACK;
import static io.vswitch.dataplane.conntrack.TcpConn.PSH;
import static io.vswitch.dataplane.conntrack.TcpConn.RST;
import static io.vswitch.dataplane.conntrack.TcpConn.SYN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A connection moved between two tables as vMotion moves it between hosts: listed with its whole
 * state on one ({@link ConntrackTable#forEach}), put into the other ({@link
 * ConntrackTable#importConnection}) in another zone and port, where it goes on as if it had always
 * been there; and what the import refuses or fixes.
 */
class ConntrackImportTest {
  private static final int ZONE_A = 3;
  private static final int ZONE_B = 7;
  private static final int PORT_B = 5;

  private final ConntrackTable a = new ConntrackTable(1024, 256, CtTimeouts.DEFAULTS);
  private final ConntrackTable b = new ConntrackTable(64, 4, CtTimeouts.DEFAULTS);

  @AfterEach
  void close() {
    a.close();
    b.close();
  }

  /** Every live connection of {@code table}, each view copied. */
  private static List<CtEntryView> export(ConntrackTable table, long now) {
    List<CtEntryView> out = new ArrayList<>();
    table.forEach(now, -1, v -> out.add(copy(v)));
    return out;
  }

  static CtEntryView copy(CtEntryView v) {
    return v.copy();
  }

  private static List<String> listing(ConntrackTable t, long now) {
    List<String> lines = new ArrayList<>();
    t.forEach(now, -1, v -> lines.add(v.toString()));
    return lines;
  }

  @Test
  void anEstablishedTcpConnectionGoesOnInTheOtherTableWithItsWindows() {
    TcpConn conn = new TcpConn(a, ZONE_A, "10.0.0.3", 40000, "10.0.0.1", 5000);
    conn.clientScale = 7;
    conn.serverScale = 7;
    assertEquals(CtResult.ESTABLISHED, CtResult.verdict(conn.handshake()));
    conn.client(ACK | PSH, 100);
    conn.server(ACK | PSH, 100);
    List<CtEntryView> moved = export(a, conn.now);
    assertEquals(1, moved.size());
    CtEntryView c = moved.get(0);
    assertEquals("ESTABLISHED", c.state);
    assertTrue(c.replied);
    assertFalse(c.embryonic);

    long later = conn.now + 2000;
    int r = b.importConnection(ZONE_B, PORT_B, c, later);
    assertEquals(CtResult.NEW, CtResult.verdict(r));
    assertEquals(1, b.size());
    assertEquals(0, b.embryonic(), "established: not in the embryonic budget");
    assertEquals(1, b.portCount(PORT_B));
    assertEquals(1, b.zoneCount(ZONE_B));
    String listed = listing(b, later).get(0);
    assertTrue(
        listed.startsWith("zone=7 proto=6 10.0.0.3:40000 -> 10.0.0.1:5000 ESTABLISHED port=5"),
        listed);

    // The same conversation, now through b in its zone: both ways established, windows taken up
    // again from these packets.
    TcpConn onB = new TcpConn(b, ZONE_B, "10.0.0.3", 40000, "10.0.0.1", 5000);
    onB.clientNext = conn.clientNext;
    onB.serverNext = conn.serverNext;
    onB.now = later;
    int data = onB.client(ACK | PSH, 100);
    assertEquals(CtResult.ESTABLISHED, CtResult.verdict(data));
    assertFalse(CtResult.isReply(data));
    int reply = onB.server(ACK | PSH, 100);
    assertEquals(CtResult.ESTABLISHED, CtResult.verdict(reply));
    assertTrue(CtResult.isReply(reply));
    // A segment far outside the window the connection had on a is refused on b too.
    CtPacket wild = onB.fromClient(ACK, 10);
    wild.seq = onB.clientNext + 0x4000_0000;
    assertEquals(CtResult.INVALID, CtResult.verdict(onB.track(wild)));
    // A SYN of the same tuple is no new connection over a live one.
    assertEquals(CtResult.INVALID, CtResult.verdict(onB.track(onB.fromClient(SYN, 0))));
    // Counters went on from a's.
    CtEntryView after = export(b, onB.now).get(0);
    assertEquals(c.originalPackets + 1, after.originalPackets);
    assertEquals(c.replyPackets + 1, after.replyPackets);
    // And it expires as a native one: the established timeout from its last packet.
    assertEquals(1, b.sweep(1 << 20, onB.now + 7440_001L));
    assertEquals(0, b.size());
    assertEquals(0, b.portCount(PORT_B));
  }

  /**
   * The same move, with the client's first segments here newer than one the switch-over lost: its
   * retransmission, before the server spoke here, is no older than the server's unknown window
   * allows, and passes.
   */
  @Test
  void aLostSegmentRetransmittedAfterNewerOnesPassesBeforeThePeerSpokeHere() {
    TcpConn onB = movedPastItsWindows();
    int lost = onB.clientNext;
    // 200 kB sent after it (within the server's 256 KiB window), lost at the switch-over with it.
    onB.clientNext += 200_000;
    assertEquals(CtResult.ESTABLISHED, CtResult.verdict(onB.client(ACK | PSH, 1000)));
    CtPacket retransmission = onB.fromClient(ACK | PSH, 1000);
    retransmission.seq = lost;
    assertEquals(CtResult.ESTABLISHED, CtResult.verdict(onB.track(retransmission)));
    assertEquals(CtResult.ESTABLISHED, CtResult.verdict(onB.track(retransmission)), "and again");
    // The server's duplicate acknowledgement, then the one for everything.
    CtPacket duplicate = onB.fromServer(ACK, 0);
    duplicate.ack = lost;
    assertEquals(CtResult.ESTABLISHED, CtResult.verdict(onB.track(duplicate)));
    assertEquals(CtResult.ESTABLISHED, CtResult.verdict(onB.server(ACK, 0)));
    // Now the server has spoken: a segment older than its window is refused again.
    CtPacket stale = onB.fromClient(ACK | PSH, 1000);
    stale.seq = onB.clientNext - (8 << 20);
    assertEquals(CtResult.INVALID, CtResult.verdict(onB.track(stale)));
  }

  /**
   * A connection tracked on a and exported (the answer to a claim), which then went on through a
   * for 64 MB each way, imported into b: the client and server on b, at their sequence numbers.
   */
  private TcpConn movedPastItsWindows() {
    TcpConn conn = new TcpConn(a, ZONE_A, "10.0.0.3", 40000, "10.0.0.1", 5000);
    conn.clientScale = 2;
    conn.serverScale = 2;
    assertEquals(CtResult.ESTABLISHED, CtResult.verdict(conn.handshake()));
    conn.client(ACK | PSH, 1000);
    conn.server(ACK, 0);
    CtEntryView answer = export(a, conn.now).get(0);
    conn.clientNext += 64 << 20;
    conn.serverNext += 64 << 20;
    long later = conn.now + 5000;
    assertEquals(CtResult.NEW, CtResult.verdict(b.importConnection(ZONE_B, PORT_B, answer, later)));
    TcpConn onB = new TcpConn(b, ZONE_B, "10.0.0.3", 40000, "10.0.0.1", 5000);
    onB.clientNext = conn.clientNext;
    onB.serverNext = conn.serverNext;
    onB.now = later;
    return onB;
  }

  /**
   * ESXi's order: the destination's claim is answered seconds before the switch-over, and the VM's
   * TCP goes on through the old host meanwhile, far past the windows the answer holds. The new host
   * takes each side's window up from its first packet, then checks sequence numbers again.
   */
  @Test
  void aConnectionThatWentOnPastItsExportedWindowsIsPickedUpAtItsNextPackets() {
    TcpConn onB = movedPastItsWindows();
    // A RST takes up no window: judged against the answer's, it is out of it.
    assertEquals(CtResult.INVALID, CtResult.verdict(onB.track(onB.fromClient(RST | ACK, 0))));
    // The client's first segment here retransmits one the switch-over lost; the server's answer
    // acknowledges everything the client sent through a, beyond that segment.
    CtPacket retransmission = onB.fromClient(ACK | PSH, 1000);
    retransmission.seq = onB.clientNext - 50_000;
    assertEquals(CtResult.ESTABLISHED, CtResult.verdict(onB.track(retransmission)));
    assertEquals(CtResult.ESTABLISHED, CtResult.verdict(onB.server(ACK, 0)));
    assertEquals(CtResult.ESTABLISHED, CtResult.verdict(onB.client(ACK | PSH, 1000)));
    assertEquals(CtResult.ESTABLISHED, CtResult.verdict(onB.client(ACK | PSH, 1000)));
    int reply = onB.server(ACK | PSH, 500);
    assertEquals(CtResult.ESTABLISHED, CtResult.verdict(reply));
    assertTrue(CtResult.isReply(reply));
    assertEquals(CtResult.ESTABLISHED, CtResult.verdict(onB.client(ACK, 0)));
    CtEntryView taken = export(b, onB.now).get(0);
    assertEquals(65535 << 2, taken.tcpMaxWindow[0], "the client's window, from its packets on b");
    assertEquals(65535 << 2, taken.tcpMaxWindow[1], "the server's");
    // From here on sequence numbers are checked again, both ways.
    CtPacket wild = onB.fromClient(ACK | PSH, 10);
    wild.seq = onB.clientNext + (16 << 20);
    assertEquals(CtResult.INVALID, CtResult.verdict(onB.track(wild)));
    CtPacket wildReply = onB.fromServer(ACK | PSH, 10);
    wildReply.ack = onB.clientNext + (16 << 20);
    assertEquals(CtResult.INVALID, CtResult.verdict(onB.track(wildReply)));
    assertEquals(CtResult.ESTABLISHED, CtResult.verdict(onB.client(ACK | PSH, 100)));
  }

  @Test
  void whatIsLeftOfTheTimeoutIsKeptButNeverMoreThanThisTablesTimeout() {
    CtPacket p = new CtPacket();
    long now = 10_000;
    a.commit(ZONE_A, 1, p.udp("10.0.0.3", 53000, "10.0.0.1", 53), now);
    a.track(ZONE_A, 2, p.udp("10.0.0.1", 53, "10.0.0.3", 53000), now);
    CtEntryView c = export(a, now + 100_000).get(0);
    assertEquals("REPLIED", c.state);
    assertEquals(80_000, c.expiresInMillis);
    assertEquals(CtResult.NEW, CtResult.verdict(b.importConnection(ZONE_B, PORT_B, c, 500_000)));
    assertEquals(80, export(b, 500_000).get(0).expiresInSeconds);
    b.flushAll();

    c.expiresInMillis = 999_999_999L; // a record that claims more than this table would give
    assertEquals(CtResult.NEW, CtResult.verdict(b.importConnection(ZONE_B, PORT_B, c, 500_000)));
    assertEquals(180, export(b, 500_000).get(0).expiresInSeconds, "udp replied: 180 s at most");
  }

  @Test
  void aLiveConnectionOfTheSameTupleIsKeptAnExpiredOneReplaced() {
    CtPacket p = new CtPacket();
    a.commit(ZONE_B, 1, p.udp("10.0.0.3", 53000, "10.0.0.1", 53), 10_000);
    CtEntryView c = export(a, 10_000).get(0);
    c.replied = true;
    b.commit(ZONE_B, 2, p.udp("10.0.0.3", 53000, "10.0.0.1", 53), 10_000);
    assertEquals(CtResult.ESTABLISHED, b.importConnection(ZONE_B, PORT_B, c, 10_000));
    assertEquals(1, b.size());
    assertEquals("UNREPLIED", export(b, 10_000).get(0).state, "b's own kept");
    // 31 s later b's unreplied one has expired (not swept): the import takes its place.
    assertEquals(CtResult.NEW, CtResult.verdict(b.importConnection(ZONE_B, PORT_B, c, 41_000)));
    assertEquals(1, b.size());
    assertEquals(0, b.portCount(2));
    assertEquals(1, b.portCount(PORT_B));
    assertEquals("REPLIED", export(b, 41_000).get(0).state);

    // A later record of the same connection that has seen more packets (the old host went on
    // after an earlier export) replaces the one imported from the earlier.
    c.replyPackets = 5;
    c.expiresInMillis = 150_000;
    int r = b.importConnection(ZONE_B, PORT_B, c, 42_000);
    assertEquals(CtResult.NEW, CtResult.verdict(r));
    assertEquals(1, b.size());
    assertEquals(5, export(b, 42_000).get(0).replyPackets);
    assertEquals(CtResult.ESTABLISHED, b.importConnection(ZONE_B, PORT_B, c, 42_000), "same");
    assertEquals(1, b.portCount(PORT_B));
  }

  @Test
  void anUnestablishedOneNeedsTheEmbryonicBudgetAndEvictsNothing() {
    CtPacket p = new CtPacket();
    long now = 10_000;
    // b's budget is 4: fill it with b's own half-open connections.
    for (int i = 0; i < 4; i++) {
      assertEquals(
          CtResult.NEW,
          CtResult.verdict(b.commit(ZONE_B, 1, p.udp("10.9.0." + i, 1, "10.0.0.3", 2), now)));
    }
    a.commit(ZONE_A, 1, p.tcp("10.0.0.3", 40000, "10.0.0.1", 80, SYN, 1, 0, 1000), now);
    CtEntryView syn = export(a, now).get(0);
    assertEquals("SYN_SENT", syn.state);
    syn.embryonic = false; // forged: a half-open connection that claims to be established
    assertEquals(CtResult.REFUSED_EMBRYONIC, b.importConnection(ZONE_B, PORT_B, syn, now));
    assertEquals(4, b.size(), "nothing of b's evicted for it");
    assertEquals(4, b.embryonic());
    assertEquals(0, b.portCount(PORT_B), "its reservations given back");
    assertEquals(0, b.refusals(CtResult.REFUSED_EMBRYONIC), "not a packet's refusal");
    b.flushAll();
    assertEquals(CtResult.NEW, CtResult.verdict(b.importConnection(ZONE_B, PORT_B, syn, now)));
    assertEquals(1, b.embryonic(), "counted as the half-open one it is");
  }

  @Test
  void theTablesLimitsHold() {
    CtPacket p = new CtPacket();
    long now = 10_000;
    for (int i = 0; i < 10; i++) {
      a.commit(ZONE_A, 1, p.udp("10.0.0.3", 1000 + i, "10.0.0.1", 53), now);
      a.track(ZONE_A, 2, p.udp("10.0.0.1", 53, "10.0.0.3", 1000 + i), now);
    }
    List<CtEntryView> moved = export(a, now);
    assertEquals(10, moved.size());
    b.setPortLimit(PORT_B, 6);
    int in = 0;
    int refused = 0;
    for (CtEntryView c : moved) {
      int r = b.importConnection(ZONE_B, PORT_B, c, now);
      if (CtResult.verdict(r) == CtResult.NEW) {
        in++;
      } else {
        assertEquals(CtResult.REFUSED_PORT, r);
        refused++;
      }
    }
    assertEquals(6, in);
    assertEquals(4, refused);
    assertEquals(6, b.portCount(PORT_B));
    b.setPortLimit(PORT_B, Integer.MAX_VALUE);
    b.setZoneLimit(ZONE_B, 8);
    for (CtEntryView c : moved) {
      b.importConnection(ZONE_B, PORT_B, c, now);
    }
    assertEquals(8, b.zoneCount(ZONE_B));
  }

  @Test
  void aFullTableRefusesAndKeepsItsOwn() {
    ConntrackTable small = new ConntrackTable(4, 4, CtTimeouts.DEFAULTS);
    try {
      CtPacket p = new CtPacket();
      long now = 10_000;
      for (int i = 0; i < 4; i++) {
        small.commit(ZONE_B, 1, p.udp("10.9.0." + i, 1, "10.0.0.3", 2), now);
        small.track(ZONE_B, 2, p.udp("10.0.0.3", 2, "10.9.0." + i, 1), now);
      }
      a.commit(ZONE_A, 1, p.udp("10.0.0.3", 1, "10.0.0.1", 2), now);
      a.track(ZONE_A, 2, p.udp("10.0.0.1", 2, "10.0.0.3", 1), now);
      CtEntryView c = export(a, now).get(0);
      assertEquals(CtResult.REFUSED_FULL, small.importConnection(ZONE_B, PORT_B, c, now));
      assertEquals(4, small.size());
      assertEquals(0, small.portCount(PORT_B));
      assertEquals(0, small.zoneCount(ZONE_B) - 4);
    } finally {
      small.close();
    }
  }

  @Test
  void aStateNoEntryCanHoldIsRefused() {
    TcpConn conn = new TcpConn(a, ZONE_A, "10.0.0.3", 40000, "10.0.0.1", 5000);
    conn.handshake();
    CtEntryView good = export(a, conn.now).get(0);
    long now = conn.now;
    List<java.util.function.Consumer<CtEntryView>> forgeries =
        List.of(
            c -> c.stateCode = 0,
            c -> c.stateCode = 9,
            c -> c.stateCode = ConntrackTable.OPEN, // not a TCP state
            c -> c.tcpScale[1] = 15,
            c -> c.tcpFlags[0] = 0x10,
            c -> c.expiresInMillis = 0,
            c -> c.srcPort = 70000,
            c -> c.dstPort = -1,
            c -> c.srcLo = 0x0A00_0003L, // IPv4 but not ::ffff:10.0.0.3
            c -> c.dstHi = 1,
            c -> c.protocol = 300);
    for (var forge : forgeries) {
      CtEntryView c = copy(good);
      forge.accept(c);
      assertEquals(CtResult.INVALID, b.importConnection(ZONE_B, PORT_B, c, now), c.toString());
    }
    CtEntryView udp = copy(good);
    udp.protocol = CtPacket.UDP;
    assertEquals(CtResult.INVALID, b.importConnection(ZONE_B, PORT_B, udp, now), "TCP state");
    assertEquals(CtResult.INVALID, b.importConnection(-1, PORT_B, good, now));
    assertEquals(CtResult.INVALID, b.importConnection(ZONE_B, ConntrackTable.MAX_PORTS, good, now));
    assertEquals(0, b.size());
    assertEquals(CtResult.NEW, CtResult.verdict(b.importConnection(ZONE_B, PORT_B, good, now)));
  }

  @Test
  void onlyTheControlThreadImports() throws Exception {
    b.bindControlThread(Thread.currentThread());
    CtPacket p = new CtPacket();
    a.commit(ZONE_A, 1, p.udp("10.0.0.3", 1, "10.0.0.1", 2), 10_000);
    CtEntryView c = export(a, 10_000).get(0);
    Throwable[] failure = new Throwable[1];
    Thread worker =
        new Thread(
            () ->
                failure[0] =
                    assertThrows(
                        IllegalStateException.class,
                        () -> b.importConnection(ZONE_B, PORT_B, c, 10_000)));
    worker.start();
    worker.join();
    assertTrue(failure[0].getMessage().contains("importConnection"), failure[0].getMessage());
  }

  @Test
  void stateNamesMapToCodes() {
    assertEquals(3, ConntrackTable.stateCode(CtPacket.TCP, "ESTABLISHED"));
    assertEquals(8, ConntrackTable.stateCode(CtPacket.TCP, "CLOSE"));
    assertEquals(-1, ConntrackTable.stateCode(CtPacket.TCP, "REPLIED"));
    assertEquals(ConntrackTable.OPEN, ConntrackTable.stateCode(CtPacket.UDP, "REPLIED"));
    assertEquals(-1, ConntrackTable.stateCode(CtPacket.UDP, "ESTABLISHED"));
    assertEquals(-1, ConntrackTable.stateCode(CtPacket.ICMP, null));
  }
}
