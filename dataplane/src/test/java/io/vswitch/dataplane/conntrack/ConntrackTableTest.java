package io.vswitch.dataplane.conntrack;

import static io.vswitch.dataplane.conntrack.TcpConn.ACK;
import static io.vswitch.dataplane.conntrack.TcpConn.SYN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ConntrackTableTest {
  private static final int ZONE = 3;
  private static final int PORT = 2;

  private ConntrackTable table = new ConntrackTable(1024, 256, CtTimeouts.DEFAULTS);
  private final CtPacket p = new CtPacket();
  private long now = 10_000;

  @AfterEach
  void close() {
    table.close();
  }

  private int send(int zone, int port, CtPacket packet) {
    int r = table.track(zone, port, packet, now);
    if (CtResult.verdict(r) == CtResult.NEW && CtResult.entry(r) < 0) {
      r = table.commit(zone, port, packet, now);
    }
    return r;
  }

  private int send(CtPacket packet) {
    return send(ZONE, PORT, packet);
  }

  private static int verdict(int r) {
    return CtResult.verdict(r);
  }

  private List<String> listing() {
    List<String> lines = new ArrayList<>();
    table.forEach(now, -1, v -> lines.add(v.toString()));
    return lines;
  }

  @Test
  void udpIsNewUntilAReplyThenEstablishedBothWays() {
    int first = send(p.udp("10.0.0.1", 5353, "10.0.0.2", 53));
    assertEquals(CtResult.NEW, verdict(first));
    assertTrue(CtResult.entry(first) >= 0);
    assertEquals(CtResult.NEW, verdict(send(p.udp("10.0.0.1", 5353, "10.0.0.2", 53))), "unreplied");
    int reply = send(p.udp("10.0.0.2", 53, "10.0.0.1", 5353));
    assertEquals(CtResult.ESTABLISHED, verdict(reply));
    assertTrue(CtResult.isReply(reply));
    int again = send(p.udp("10.0.0.1", 5353, "10.0.0.2", 53));
    assertEquals(CtResult.ESTABLISHED, verdict(again));
    assertFalse(CtResult.isReply(again));
    assertEquals(1, table.size());
    assertEquals(0, table.embryonic());
  }

  /**
   * The burst prefetch over a mixed burst (tracked tuples of two zones, an ICMP error, untracked, a
   * fragment, and a packet outside the live mask) creates nothing, and every packet's track after
   * it gives what it gives without a prefetch; the packet outside the mask is not keyed.
   */
  @Test
  void aBurstPrefetchChangesNothingAndTrackAgreesWithoutIt() {
    send(p.udp("10.0.0.1", 5353, "10.0.0.2", 53));
    send(ZONE + 1, PORT, new CtPacket().udp("10.0.0.5", 7, "10.0.0.6", 8));
    CtPacket[] burst = {
      new CtPacket().udp("10.0.0.2", 53, "10.0.0.1", 5353), // reply, ZONE
      new CtPacket().udp("10.0.0.6", 8, "10.0.0.5", 7), // reply, in ZONE + 1
      new CtPacket().udp("10.0.0.6", 8, "10.0.0.5", 7), // the same in ZONE: not there
      new CtPacket().icmpError("10.0.0.2", "10.0.0.1", 3, 3, 17, "10.0.0.1", 5353, "10.0.0.2", 53),
      new CtPacket().udp("10.0.0.1", 1, "10.0.0.2", 2).fragment(),
      new CtPacket().udp("10.0.0.9", 9, "10.0.0.2", 2), // made untracked below
    };
    burst[5].kind = CtPacket.UNTRACKED;
    CtPacket outside = new CtPacket().udp("10.0.0.1", 5353, "10.0.0.2", 53);
    CtPacket[] packets = java.util.Arrays.copyOf(burst, burst.length + 1);
    packets[burst.length] = outside;
    int[] zones = {ZONE, ZONE + 1, ZONE, ZONE, ZONE, ZONE, ZONE};
    int live = (1 << burst.length) - 1; // not the last
    int[] expected = new int[burst.length];
    for (int i = 0; i < burst.length; i++) {
      expected[i] = table.track(zones[i], PORT, burst[i], now);
    }
    int size = table.size();
    table.prefetch(packets, zones, live);
    assertEquals(size, table.size());
    assertEquals(0, outside.keyedZone, "outside the mask: not keyed");
    for (int i = 0; i < burst.length; i++) {
      assertEquals(expected[i], table.track(zones[i], PORT, burst[i], now), "packet " + i);
    }
    assertEquals(CtResult.ESTABLISHED, verdict(expected[0]));
    assertEquals(CtResult.ESTABLISHED, verdict(expected[1]));
    assertEquals(CtResult.NEW, verdict(expected[2]));
    assertEquals(CtResult.RELATED, verdict(expected[3]));
    assertEquals(CtResult.FRAGMENT, verdict(expected[4]));
  }

  /**
   * The stage's sequence (prefetch, track, commit) commits with the key the prefetch computed: the
   * connection is the packet's own, in the prefetched zone, and its reply (from the B end, so the
   * normalised key swaps the ends) finds it; a commit in another zone than the prefetch's keys
   * again rather than reusing the prefetched zone.
   */
  @Test
  void aCommitAfterThePrefetchUsesItsKeyOnlyForItsZone() {
    CtPacket first = new CtPacket().udp("10.0.0.9", 4000, "10.0.0.2", 53);
    table.prefetch(ZONE, first);
    int r = table.track(ZONE, PORT, first, now);
    assertEquals(CtResult.NEW, verdict(r));
    int c = table.commit(ZONE, PORT, first, now);
    assertEquals(CtResult.NEW, verdict(c));
    assertTrue(CtResult.entry(c) >= 0);
    CtPacket reply = new CtPacket().udp("10.0.0.2", 53, "10.0.0.9", 4000);
    table.prefetch(ZONE, reply);
    int back = table.track(ZONE, PORT, reply, now);
    assertEquals(CtResult.ESTABLISHED, verdict(back));
    assertEquals(CtResult.entry(c), CtResult.entry(back));

    CtPacket other = new CtPacket().udp("10.0.0.2", 53, "10.0.0.7", 4000); // from the B end
    table.prefetch(ZONE, other);
    assertEquals(CtResult.NEW, verdict(table.track(ZONE + 1, PORT, other, now)));
    int elsewhere = table.commit(ZONE + 1, PORT, other, now);
    assertEquals(CtResult.NEW, verdict(elsewhere));
    CtPacket otherReply = new CtPacket().udp("10.0.0.7", 4000, "10.0.0.2", 53);
    assertEquals(CtResult.ESTABLISHED, verdict(table.track(ZONE + 1, PORT, otherReply, now)));
    assertEquals(-1, CtResult.entry(table.track(ZONE, PORT, otherReply, now)), "not in ZONE");
    assertEquals(2, table.size());
  }

  @Test
  void aPrefetchPassChangesNothing() {
    send(p.udp("10.0.0.1", 5353, "10.0.0.2", 53));
    CtPacket reply = new CtPacket().udp("10.0.0.2", 53, "10.0.0.1", 5353);
    table.prefetch(ZONE, reply);
    table.prefetch(ZONE, new CtPacket().udp("10.0.0.9", 1, "10.0.0.2", 53));
    assertEquals(1, table.size());
    int r = table.track(ZONE, PORT, reply, now);
    assertEquals(CtResult.ESTABLISHED, verdict(r));
    assertTrue(CtResult.isReply(r));
  }

  @Test
  void udpTimeoutsAreShortUnrepliedAndLongerOnceReplied() {
    send(p.udp("10.0.0.1", 1000, "10.0.0.2", 53));
    now += 30_000;
    assertEquals(CtResult.NEW, verdict(table.track(ZONE, PORT, p, now)));
    assertEquals(-1, CtResult.entry(table.track(ZONE, PORT, p, now)), "expired after 30 s");

    send(p.udp("10.0.0.1", 1000, "10.0.0.2", 53)); // reuses the expired entry in place
    assertEquals(1, table.size());
    send(p.udp("10.0.0.2", 53, "10.0.0.1", 1000));
    now += 179_000;
    assertEquals(CtResult.ESTABLISHED, verdict(table.track(ZONE, PORT, p, now)));
    now += 180_000;
    assertEquals(
        CtResult.NEW,
        verdict(table.track(ZONE, PORT, p.udp("10.0.0.2", 53, "10.0.0.1", 1000), now)),
        "the reply's tuple opens a connection of its own once the old one expired");
  }

  @Test
  void icmpEchoRepliesNeedARequest() {
    assertEquals(CtResult.INVALID, verdict(send(p.echo("10.0.0.2", "10.0.0.1", false, 77))));
    assertEquals(0, table.size());
    assertEquals(CtResult.NEW, verdict(send(p.echo("10.0.0.1", "10.0.0.2", true, 77))));
    int reply = send(p.echo("10.0.0.2", "10.0.0.1", false, 77));
    assertEquals(CtResult.ESTABLISHED, verdict(reply));
    assertTrue(CtResult.isReply(reply));
    assertEquals(
        CtResult.INVALID,
        verdict(send(p.echo("10.0.0.2", "10.0.0.1", true, 77))),
        "a request from the replying side on the same identifier");
    assertEquals(
        CtResult.NEW, verdict(send(p.echo("10.0.0.1", "10.0.0.2", true, 78))), "another id");
    now += 30_000;
    assertEquals(
        CtResult.INVALID, verdict(send(p.echo("10.0.0.2", "10.0.0.1", false, 77))), "expired");
  }

  @Test
  void icmpv6EchoIsTracked() {
    assertEquals(CtResult.NEW, verdict(send(p.echo("2001:db8::1", "2001:db8::2", true, 5))));
    assertEquals(
        CtResult.ESTABLISHED, verdict(send(p.echo("2001:db8::2", "2001:db8::1", false, 5))));
  }

  @Test
  void icmpErrorsQuotingAConnectionAreRelatedInTheRightDirection() {
    TcpConn c = new TcpConn(table, ZONE, "10.0.0.1", 40000, "10.0.0.2", 80);
    c.now = now;
    int est = c.handshake();
    // A router on the way says the client's packets are too big: the error goes to the client.
    int r =
        table.track(
            ZONE,
            PORT,
            p.icmpError(
                "192.0.2.1", "10.0.0.1", 3, 4, CtPacket.TCP, "10.0.0.1", 40000, "10.0.0.2", 80),
            now);
    assertEquals(CtResult.RELATED, verdict(r));
    assertTrue(CtResult.isReply(r), "toward the originator: the reply direction");
    assertEquals(CtResult.entry(est), CtResult.entry(r));
    // The server's replies cannot reach the client: the error goes back to the server.
    r =
        table.track(
            ZONE,
            PORT,
            p.icmpError(
                "192.0.2.1", "10.0.0.2", 11, 0, CtPacket.TCP, "10.0.0.2", 80, "10.0.0.1", 40000),
            now);
    assertEquals(CtResult.RELATED, verdict(r));
    assertFalse(CtResult.isReply(r));
  }

  @Test
  void icmpErrorsQuotingNothingTrackedOrAimedElsewhereAreInvalid() {
    send(p.udp("10.0.0.1", 1000, "10.0.0.2", 53));
    int r =
        table.track(
            ZONE,
            PORT,
            p.icmpError(
                "10.0.0.2", "10.0.0.1", 3, 3, CtPacket.UDP, "10.0.0.1", 1001, "10.0.0.2", 53),
            now);
    assertEquals(CtResult.INVALID, verdict(r), "another source port: no such connection");
    r =
        table.track(
            ZONE,
            PORT,
            p.icmpError(
                "10.0.0.2", "10.0.0.9", 3, 3, CtPacket.UDP, "10.0.0.1", 1000, "10.0.0.2", 53),
            now);
    assertEquals(
        CtResult.INVALID, verdict(r), "sent to a host that did not send the quoted packet");
    r =
        table.track(
            ZONE + 1,
            PORT,
            p.icmpError(
                "10.0.0.2", "10.0.0.1", 3, 3, CtPacket.UDP, "10.0.0.1", 1000, "10.0.0.2", 53),
            now);
    assertEquals(CtResult.INVALID, verdict(r), "another zone");
    r =
        table.track(
            ZONE,
            PORT,
            p.icmpError(
                "10.0.0.2", "10.0.0.1", 3, 3, CtPacket.UDP, "10.0.0.1", 1000, "10.0.0.2", 53),
            now);
    assertEquals(CtResult.RELATED, verdict(r));
    assertEquals(
        CtResult.RELATED, verdict(table.commit(ZONE, PORT, p, now)), "commit only tracks it");
    assertEquals(1, table.size(), "errors never create state");
  }

  @Test
  void icmpv6ErrorsAreRelatedToIpv6Connections() {
    send(p.udp("2001:db8::1", 4000, "2001:db8::2", 4500));
    int r =
        table.track(
            ZONE,
            PORT,
            p.icmpError(
                "2001:db8::ff",
                "2001:db8::1",
                2,
                0,
                CtPacket.UDP,
                "2001:db8::1",
                4000,
                "2001:db8::2",
                4500),
            now);
    assertEquals(CtResult.RELATED, verdict(r));
    r =
        table.track(
            ZONE,
            PORT,
            p.icmpError(
                "2001:db8::ff",
                "2001:db8::1",
                1,
                4,
                CtPacket.UDP,
                "2001:db8::1",
                4000,
                "2001:db8::3",
                4500),
            now);
    assertEquals(CtResult.INVALID, verdict(r));
  }

  @Test
  void theSameTupleInAnotherZoneIsAnotherConnection() {
    TcpConn a = new TcpConn(table, 1, "10.0.0.1", 40000, "10.0.0.2", 80);
    a.handshake();
    TcpConn b = new TcpConn(table, 2, "10.0.0.1", 40000, "10.0.0.2", 80);
    assertEquals(CtResult.INVALID, verdict(b.track(b.fromClient(ACK, 0))));
    assertEquals(CtResult.ESTABLISHED, verdict(b.handshake()));
    assertEquals(2, table.size());
    assertEquals(1, table.zoneCount(1));
    assertEquals(1, table.zoneCount(2));
    assertEquals(1, table.flushZone(1));
    assertEquals(CtResult.INVALID, verdict(a.track(a.fromClient(ACK, 0))));
    assertEquals(CtResult.ESTABLISHED, verdict(b.track(b.fromClient(ACK, 0))));
  }

  @Test
  void fragmentsUntrackedAndMalformedAreReportedNotTracked() {
    p.udp("10.0.0.1", 1, "10.0.0.2", 2).fragment();
    assertEquals(CtResult.FRAGMENT, verdict(table.track(ZONE, PORT, p, now)));
    assertEquals(CtResult.FRAGMENT, verdict(table.commit(ZONE, PORT, p, now)));
    p.udp("10.0.0.1", 1, "10.0.0.2", 2).kind = CtPacket.UNTRACKED;
    assertEquals(CtResult.UNTRACKED, verdict(table.track(ZONE, PORT, p, now)));
    p.udp("10.0.0.1", 1, "10.0.0.2", 2).kind = CtPacket.MALFORMED;
    assertEquals(CtResult.INVALID, verdict(table.commit(ZONE, PORT, p, now)));
    assertEquals(0, table.size());
  }

  @Test
  void aFullTableRefusesAndCountsItNeverEvictingEstablished() {
    table.close();
    table = new ConntrackTable(100, 50, CtTimeouts.DEFAULTS);
    for (int i = 0; i < 100; i++) {
      send(p.udp("10.0.0.1", 1000 + i, "10.0.0.2", 53));
      assertEquals(
          CtResult.ESTABLISHED, verdict(send(p.udp("10.0.0.2", 53, "10.0.0.1", 1000 + i))));
    }
    assertEquals(100, table.size());
    int r = send(p.udp("10.0.0.1", 9999, "10.0.0.2", 53));
    assertEquals(CtResult.REFUSED_FULL, verdict(r));
    assertTrue(CtResult.isRefused(r));
    assertEquals(1, table.refusals(CtResult.REFUSED_FULL));
    for (int i = 0; i < 100; i++) {
      assertEquals(
          CtResult.ESTABLISHED, verdict(send(p.udp("10.0.0.2", 53, "10.0.0.1", 1000 + i))));
    }
  }

  @Test
  void expiredEntriesMakeRoomInAFullTable() {
    table.close();
    table = new ConntrackTable(10, 10, CtTimeouts.DEFAULTS);
    for (int i = 0; i < 10; i++) {
      send(p.udp("10.0.0.1", 1000 + i, "10.0.0.2", 53));
    }
    now += 31_000;
    int made = 0;
    for (int i = 0; i < 200; i++) {
      if (verdict(send(p.udp("10.0.0.3", 1000 + i, "10.0.0.2", 53))) == CtResult.NEW) {
        made++;
      }
    }
    assertTrue(made > 0, "early drop reclaimed expired entries: " + made);
    assertEquals(10, table.size());
    int swept = table.sweep(1 << 20, now);
    assertEquals(10 - swept, table.size());
    assertEquals(table.size(), listing().size(), "what the sweep left is live");
    assertTrue(listing().stream().allMatch(l -> l.contains("10.0.0.3")), "only new ones are live");
  }

  @Test
  void perZoneAndPerPortLimitsRefuseAndCount() {
    table.setZoneLimit(ZONE, 3);
    table.setPortLimit(5, 2);
    for (int i = 0; i < 3; i++) {
      assertEquals(
          CtResult.NEW, verdict(send(ZONE, 1, p.udp("10.0.0.1", 1000 + i, "10.0.0.2", 53))));
    }
    assertEquals(
        CtResult.REFUSED_ZONE, verdict(send(ZONE, 1, p.udp("10.0.0.1", 2000, "10.0.0.2", 53))));
    assertEquals(CtResult.NEW, verdict(send(ZONE + 1, 5, p.udp("10.0.0.1", 1, "10.0.0.2", 53))));
    assertEquals(CtResult.NEW, verdict(send(ZONE + 1, 5, p.udp("10.0.0.1", 2, "10.0.0.2", 53))));
    assertEquals(
        CtResult.REFUSED_PORT, verdict(send(ZONE + 1, 5, p.udp("10.0.0.1", 3, "10.0.0.2", 53))));
    assertEquals(1, table.refusals(CtResult.REFUSED_ZONE));
    assertEquals(1, table.refusals(CtResult.REFUSED_PORT));
    assertEquals(3, table.zoneCount(ZONE));
    assertEquals(2, table.portCount(5));
    assertEquals(2, table.flushPort(5));
    assertEquals(0, table.portCount(5));
    assertEquals(CtResult.NEW, verdict(send(ZONE + 1, 5, p.udp("10.0.0.1", 3, "10.0.0.2", 53))));
    assertEquals(4, table.flushAll());
    assertEquals(0, table.size());
    assertEquals(0, table.zoneCount(ZONE));
  }

  @Test
  void theEmbryonicBudgetEvictsOnlyUnestablishedEntries() {
    table.close();
    table = new ConntrackTable(1000, 10, CtTimeouts.DEFAULTS);
    List<TcpConn> established = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      TcpConn c = new TcpConn(table, ZONE, "10.0.1." + i, 40000, "10.0.0.2", 80);
      assertEquals(CtResult.ESTABLISHED, verdict(c.handshake()));
      established.add(c);
    }
    int made = 0;
    for (int i = 0; i < 500; i++) {
      if (verdict(send(p.tcp("10.9.0.1", 1000 + i, "10.0.0.2", 80, SYN, i, 0, 1024)))
          == CtResult.NEW) {
        made++;
      }
    }
    assertTrue(table.embryonic() <= 10, "embryonic " + table.embryonic());
    assertTrue(made > 10, "a new SYN may take an older one's place: " + made);
    assertEquals(500 - made, table.refusals(CtResult.REFUSED_EMBRYONIC));
    for (TcpConn c : established) {
      assertEquals(CtResult.ESTABLISHED, verdict(c.client(ACK, 10)));
    }
  }

  @Test
  void listingShowsTheOriginalDirectionStateAndCounters() {
    TcpConn c = new TcpConn(table, ZONE, "10.0.0.9", 40000, "10.0.0.2", 80);
    c.now = now;
    c.handshake();
    c.client(ACK, 100);
    now += 5000;
    List<String> lines = listing();
    assertEquals(1, lines.size());
    assertEquals(
        "zone=3 proto=6 10.0.0.9:40000 -> 10.0.0.2:80 ESTABLISHED port=1 age=5s expires=7435s"
            + " orig=3/220 reply=1/40",
        lines.get(0));
    table.forEach(now, ZONE + 1, v -> lines.add("other zone"));
    assertEquals(1, lines.size());
  }

  @Test
  void sweepFreesExpiredEntriesAndChurnNeverFillsTheIndex() {
    table.close();
    table = new ConntrackTable(1000, 1000, CtTimeouts.DEFAULTS);
    for (int round = 0; round < 200; round++) {
      for (int i = 0; i < 1000; i++) {
        int r = send(p.udp("10.0.0.1", i, "10.0." + (round % 250) + ".2", 53));
        assertEquals(CtResult.NEW, verdict(r), "round " + round);
      }
      now += 31_000;
      table.sweep(1 << 20, now);
      assertEquals(0, table.size());
    }
  }

  @Test
  void controlOperationsBelongToTheBoundThread() {
    table.bindControlThread(new Thread(() -> {}));
    assertThrows(IllegalStateException.class, () -> table.sweep(10, now));
    assertThrows(IllegalStateException.class, table::flushAll);
    assertEquals(
        CtResult.NEW, verdict(send(p.udp("10.0.0.1", 1, "10.0.0.2", 2))), "workers are not");
  }

  @Test
  void timeoutsComeFromTheRecord() {
    table.setTimeouts(new CtTimeouts(120, 60, 50, 120, 60, 30, 120, 10, 30, 180, 30, 600));
    TcpConn c = new TcpConn(table, ZONE, "10.0.0.1", 40000, "10.0.0.2", 80);
    c.now = now;
    c.handshake();
    c.now += 49_000;
    assertEquals(CtResult.ESTABLISHED, verdict(c.client(ACK, 1)));
    c.now += 50_000;
    assertEquals(CtResult.INVALID, verdict(c.client(ACK, 1)), "idle past the established timeout");
    assertThrows(
        IllegalArgumentException.class, () -> new CtTimeouts(0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1));
  }
}
