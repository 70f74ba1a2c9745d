package io.vswitch.dataplane.conntrack;

import static io.vswitch.dataplane.conntrack.TcpConn.ACK;
import static io.vswitch.dataplane.conntrack.TcpConn.FIN;
import static io.vswitch.dataplane.conntrack.TcpConn.PSH;
import static io.vswitch.dataplane.conntrack.TcpConn.RST;
import static io.vswitch.dataplane.conntrack.TcpConn.SYN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class TcpTrackingTest {
  private final ConntrackTable table = new ConntrackTable(1024, 256, CtTimeouts.DEFAULTS);
  private final TcpConn c = new TcpConn(table, 7, "10.0.0.1", 40000, "10.0.0.2", 80);

  @AfterEach
  void close() {
    table.close();
  }

  private static int verdict(int r) {
    return CtResult.verdict(r);
  }

  /** The listed state of the one connection in the table. */
  private String state() {
    String[] s = new String[1];
    int[] n = new int[1];
    table.forEach(
        c.now,
        -1,
        v -> {
          s[0] = v.state;
          n[0]++;
        });
    assertEquals(1, n[0], "connections listed");
    return s[0];
  }

  @Test
  void handshakeDataAndCloseFromTheServerSideGoThroughEveryState() {
    int syn = c.track(c.fromClient(SYN, 0));
    assertEquals(CtResult.NEW, verdict(syn));
    assertEquals(-1, CtResult.entry(syn), "track never creates");
    assertEquals(0, table.size());
    int committed = table.commit(7, 1, c.p, c.now);
    assertEquals(CtResult.NEW, verdict(committed));
    c.clientNext++;
    assertEquals("SYN_SENT", state());
    CtPacket again = c.fromClient(SYN, 0);
    again.seq = c.clientNext - 1;
    assertEquals(CtResult.NEW, verdict(c.send(again)), "a SYN retransmission");

    int synAck = c.server(SYN | ACK, 0);
    assertEquals(CtResult.ESTABLISHED, verdict(synAck));
    assertTrue(CtResult.isReply(synAck));
    assertEquals(CtResult.entry(committed), CtResult.entry(synAck));
    assertEquals("SYN_RECV", state());

    int ack = c.client(ACK, 0);
    assertEquals(CtResult.ESTABLISHED, verdict(ack));
    assertFalse(CtResult.isReply(ack));
    assertEquals("ESTABLISHED", state());

    assertEquals(CtResult.ESTABLISHED, verdict(c.client(ACK | PSH, 100)));
    assertEquals(CtResult.ESTABLISHED, verdict(c.server(ACK | PSH, 1400)));
    assertEquals(CtResult.ESTABLISHED, verdict(c.client(ACK, 0)));

    c.server(FIN | ACK, 0);
    assertEquals("FIN_WAIT", state());
    c.client(ACK, 0);
    assertEquals("CLOSE_WAIT", state());
    c.client(FIN | ACK, 0);
    assertEquals("LAST_ACK", state());
    assertEquals(CtResult.ESTABLISHED, verdict(c.server(ACK, 0)));
    assertEquals("TIME_WAIT", state());
    assertEquals(1, table.size());
    assertEquals(0, table.embryonic(), "established once, never embryonic again");
  }

  @Test
  void finsCrossingLeadStraightToLastAckThenTimeWait() {
    c.handshake();
    c.client(FIN | ACK, 0);
    c.server(FIN | ACK, 0); // acks the client's FIN and sends its own
    assertEquals("LAST_ACK", state());
    c.client(ACK, 0);
    assertEquals("TIME_WAIT", state());
  }

  @Test
  void aSynReopensATimeWaitConnectionInPlace() {
    int first = c.handshake();
    c.client(FIN | ACK, 0);
    c.server(FIN | ACK, 0);
    c.client(ACK, 0);
    assertEquals("TIME_WAIT", state());
    c.clientNext += 100_000; // a new ISN
    int again = c.track(c.fromClient(SYN, 0));
    assertEquals(CtResult.NEW, verdict(again));
    assertEquals(-1, CtResult.entry(again), "policy decides a reopened connection again");
    int committed = table.commit(7, 1, c.p, c.now);
    c.clientNext++;
    assertEquals(CtResult.entry(first), CtResult.entry(committed));
    assertEquals("SYN_SENT", state());
    assertEquals(CtResult.ESTABLISHED, verdict(c.server(SYN | ACK, 0)));
  }

  @Test
  void eachStateHasItsOwnTimeout() {
    c.client(SYN, 0);
    c.now += 120_000; // SYN_SENT: 120 s
    assertEquals(CtResult.INVALID, verdict(c.track(c.fromServer(SYN | ACK, 0))));
    c.now += 1;
    c.clientNext += 5000;
    assertEquals(CtResult.ESTABLISHED, verdict(c.handshake()), "the tuple opens afresh");
    c.client(FIN | ACK, 0);
    c.server(FIN | ACK, 0);
    c.client(ACK, 0);
    c.now += 119_000; // TIME_WAIT: 120 s
    assertEquals("TIME_WAIT", state());
    c.now += 1000;
    assertEquals(CtResult.INVALID, verdict(c.track(c.fromServer(ACK, 0))));
    assertEquals(1, table.sweep(1 << 20, c.now));
    assertEquals(0, table.size());
  }

  @Test
  void aSynAckWithoutASynIsInvalidAndCreatesNothing() {
    CtPacket p = c.fromServer(SYN | ACK, 0);
    assertEquals(CtResult.INVALID, verdict(c.track(p)));
    assertEquals(CtResult.INVALID, verdict(table.commit(7, 1, p, c.now)));
    assertEquals(0, table.size());
  }

  @Test
  void midStreamPacketsWithoutASynAreInvalid() {
    assertEquals(CtResult.INVALID, verdict(c.send(c.fromClient(ACK, 10))));
    assertEquals(CtResult.INVALID, verdict(c.send(c.fromClient(FIN | ACK, 0))));
    assertEquals(CtResult.INVALID, verdict(c.send(c.fromClient(RST, 0))));
    assertEquals(0, table.size());
  }

  @Test
  void forbiddenFlagCombinationsAreInvalid() {
    assertEquals(CtResult.INVALID, verdict(c.send(c.fromClient(SYN | FIN, 0))));
    assertEquals(CtResult.INVALID, verdict(c.send(c.fromClient(SYN | RST, 0))));
    c.handshake();
    assertEquals(CtResult.INVALID, verdict(c.track(c.fromClient(FIN, 0))), "FIN without ACK");
    assertEquals(CtResult.INVALID, verdict(c.track(c.fromClient(0, 0))), "no flags");
    assertEquals(
        CtResult.INVALID,
        verdict(c.track(c.fromClient(SYN | ACK, 0))),
        "SYN-ACK sent by the client");
    assertEquals("ESTABLISHED", state());
  }

  @Test
  void aSynAckMustAcknowledgeExactlyTheSyn() {
    c.client(SYN, 0);
    CtPacket p = c.fromServer(SYN | ACK, 0);
    p.ack = c.clientNext + 1;
    assertEquals(CtResult.INVALID, verdict(c.track(p)));
    assertEquals("SYN_SENT", state());
    assertEquals(
        CtResult.INVALID, verdict(c.track(c.fromServer(ACK, 0))), "an ACK before the SYN-ACK");
  }

  @Test
  void theHandshakeAckMustAcknowledgeTheSynAck() {
    c.client(SYN, 0);
    c.server(SYN | ACK, 0);
    CtPacket p = c.fromClient(ACK, 0);
    p.ack = c.serverNext - 1;
    assertEquals(CtResult.INVALID, verdict(c.track(p)));
    assertEquals("SYN_RECV", state());
  }

  @Test
  void dataBeyondTheReceiversWindowIsInvalid() {
    c.handshake();
    CtPacket p = c.fromClient(ACK, 100);
    p.seq = c.clientNext + c.window + 1; // past what the server's ACK and window allow (I)
    assertEquals(CtResult.INVALID, verdict(c.track(p)));
    assertEquals(CtResult.ESTABLISHED, verdict(c.client(ACK, 100)), "state unchanged by it");
  }

  @Test
  void oldDataFarBehindTheWindowIsInvalid() {
    c.handshake();
    for (int i = 0; i < 3; i++) {
      c.client(ACK, 60_000);
      c.server(ACK, 0);
    }
    CtPacket p = c.fromClient(ACK, 10);
    p.seq = c.clientNext - 200_000; // ends before td_end - the server's max window (II)
    assertEquals(CtResult.INVALID, verdict(c.track(p)));
  }

  @Test
  void acknowledgingDataNeverSentIsInvalid() {
    c.handshake();
    c.server(ACK, 500);
    CtPacket p = c.fromClient(ACK, 0);
    p.ack = c.serverNext + 1; // (III)
    assertEquals(CtResult.INVALID, verdict(c.track(p)));
    p = c.fromClient(ACK, 0);
    p.ack = c.serverNext - 70_000; // far below anything the server could still need acked (IV)
    assertEquals(CtResult.INVALID, verdict(c.track(p)));
    assertEquals(CtResult.ESTABLISHED, verdict(c.client(ACK, 0)));
  }

  @Test
  void aSackBlockBeyondTheDataSentIsInvalid() {
    c.handshake();
    c.server(ACK, 1000);
    CtPacket p = c.fromClient(ACK, 0);
    p.ack = c.serverNext - 1000;
    p.hasSack = true;
    p.sackEdge = c.serverNext + 5000;
    assertEquals(CtResult.INVALID, verdict(c.track(p)));
    p.sackEdge = c.serverNext;
    assertEquals(CtResult.ESTABLISHED, verdict(c.track(p)));
  }

  @Test
  void windowScalingFromTheSynOptionsWidensTheWindow() {
    c.clientScale = 7;
    c.serverScale = 7;
    c.window = 1000; // 128,000 bytes scaled
    c.handshake();
    c.server(ACK, 0); // its first scaled window
    CtPacket p = c.fromClient(ACK, 100);
    p.seq = c.clientNext + 100_000;
    assertEquals(CtResult.ESTABLISHED, verdict(c.track(p)));
  }

  @Test
  void windowScalingNeedsBothSides() {
    c.clientScale = 7; // the server does not scale: neither side's window is scaled
    c.window = 1000;
    c.handshake();
    c.server(ACK, 0);
    CtPacket p = c.fromClient(ACK, 100);
    p.seq = c.clientNext + 100_000;
    assertEquals(CtResult.INVALID, verdict(c.track(p)));
  }

  @Test
  void anExactRstClosesTheConnection() {
    c.handshake();
    int r = c.send(c.fromServer(RST | ACK, 0));
    assertEquals(CtResult.ESTABLISHED, verdict(r));
    assertEquals("CLOSE", state());
    assertEquals(CtResult.INVALID, verdict(c.track(c.fromClient(ACK, 10))), "closed: no more data");
    assertEquals(
        CtResult.ESTABLISHED, verdict(c.track(c.fromServer(RST, 0))), "a retransmitted RST");
  }

  @Test
  void aRstOutsideTheWindowIsInvalidAndCloseNothing() {
    c.handshake();
    CtPacket p = c.fromServer(RST, 0);
    p.seq = c.serverNext + 10 * 65535;
    assertEquals(CtResult.INVALID, verdict(c.track(p)));
    assertEquals("ESTABLISHED", state());
  }

  @Test
  void aRstInTheWindowButNotExactPassesWithoutClosing() {
    c.handshake();
    CtPacket p = c.fromServer(RST, 0);
    p.seq = c.serverNext + 1000; // RFC 5961: the endpoint answers with a challenge ACK
    assertEquals(CtResult.ESTABLISHED, verdict(c.track(p)));
    assertEquals("ESTABLISHED", state());
  }

  @Test
  void aRstAnsweringTheSynMustAcknowledgeIt() {
    c.client(SYN, 0);
    CtPacket p = c.fromServer(RST | ACK, 0);
    p.ack = c.clientNext + 7;
    assertEquals(CtResult.INVALID, verdict(c.track(p)));
    assertEquals("SYN_SENT", state());
    assertEquals(CtResult.INVALID, verdict(c.track(c.fromServer(RST, 0))), "RST without ACK");
    assertEquals(CtResult.ESTABLISHED, verdict(c.track(c.fromServer(RST | ACK, 0))));
    assertEquals("CLOSE", state());
  }

  @Test
  void nothingFollowsAFin() {
    c.handshake();
    c.client(FIN | ACK, 0);
    assertEquals(CtResult.INVALID, verdict(c.track(c.fromClient(ACK, 100))));
    assertEquals(
        CtResult.ESTABLISHED,
        verdict(c.track(c.fromServer(ACK | PSH, 100))),
        "the other half stays open");
  }

  @Test
  void aSynOnAnEstablishedConnectionIsInvalid() {
    c.handshake();
    assertEquals(CtResult.INVALID, verdict(c.track(c.fromClient(SYN, 0))));
    assertEquals(CtResult.INVALID, verdict(c.track(c.fromServer(SYN, 0))), "no simultaneous open");
  }

  @Test
  void anOpeningFromTheServerSideIsANewConnectionOfItsOwn() {
    c.handshake();
    TcpConn back = new TcpConn(table, 7, "10.0.0.2", 5555, "10.0.0.1", 22);
    int r = back.track(back.fromClient(SYN, 0));
    assertEquals(CtResult.NEW, verdict(r), "the server side opening: policy decides");
    assertEquals(-1, CtResult.entry(r));
  }

  @Test
  void ipv6ConnectionsAreTrackedAndApartFromMappedIpv4() {
    TcpConn v6 = new TcpConn(table, 7, "2001:db8::1", 40000, "2001:db8::2", 443);
    assertEquals(CtResult.ESTABLISHED, verdict(v6.handshake()));
    assertEquals(CtResult.ESTABLISHED, verdict(v6.server(ACK | PSH, 10)));
    TcpConn mapped = new TcpConn(table, 7, "::ffff:10.0.0.1", 40000, "::ffff:10.0.0.2", 80);
    c.handshake();
    assertEquals(
        CtResult.INVALID,
        verdict(mapped.track(mapped.fromClient(ACK, 0))),
        "an IPv6 packet with the IPv4 connection's mapped addresses is not that connection");
    assertEquals(2, table.size());
  }
}
