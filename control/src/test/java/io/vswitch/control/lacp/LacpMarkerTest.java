package io.vswitch.control.lacp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The Marker responder inside a LACP group, on a simulated clock: a Marker Information PDU is
 * answered once, byte for byte, on the member it came in by and no other; a Marker Response, a
 * malformed marker and one naming our own system are counted and answered with nothing; a marker
 * flood is answered at most 5 a second with at most 8 owed, the rest counted as dropped; owed
 * answers die with the link; and none of it moves LACP.
 */
class LacpMarkerTest {
  private static final long MS = 1_000_000L;
  private static final long US = 0x0200_00aa_bb00L;
  private static final long PARTNER = 0x865b_af77_5c40L;

  private long now = 5_000_000_000_000L;
  private final LacpGroup group = new LacpGroup(new LacpGroup.Actor(32768, US, 1, true, true), 2);
  private final boolean[] link = {true, true};
  private final List<List<byte[]>> markersSent = List.of(new ArrayList<>(), new ArrayList<>());
  private final List<List<byte[]>> lacpdusSent = List.of(new ArrayList<>(), new ArrayList<>());

  private final LacpGroup.Sender sender =
      new LacpGroup.Sender() {
        @Override
        public void send(int m, Lacpdu pdu) {
          lacpdusSent.get(m).add(pdu.encode(US + 1 + m));
        }

        @Override
        public void sendMarker(int m, MarkerPdu response) {
          markersSent.get(m).add(response.encode(US + 1 + m));
        }
      };

  private void tick(long ms) {
    for (long t = 0; t < ms; t += 10) {
      now += 10 * MS;
      group.tick(now, link, sender);
    }
  }

  /** A Marker Information PDU from the partner's port {@code port}, transaction {@code id}. */
  private static byte[] information(int port, int id) {
    return new MarkerPdu(true, port, PARTNER, id).encode(PARTNER + port);
  }

  private LacpGroup.Verdict receive(int m, byte[] f) {
    return group.receive(m, f, 0, f.length, f.length, now);
  }

  private static String hex(byte[] f) {
    return HexFormat.of().formatHex(f);
  }

  @Test
  void answersOnTheMemberItCameInByByteForByteAndOnlyOnce() {
    tick(100);
    assertEquals(LacpGroup.Verdict.MARKER, receive(1, information(2, 0x01020304)));
    tick(10);
    assertEquals(List.of(), markersSent.get(0), "nothing on the other member");
    assertEquals(1, markersSent.get(1).size());
    assertEquals(
        "0180c2000002"
            + "020000aabb02" // member 1's MAC
            + "8809"
            + "0201"
            + "0210" // Marker Response, 16
            + "0002"
            + "865baf775c40"
            + "01020304"
            + "0000"
            + "0000"
            + "00".repeat(90),
        hex(markersSent.get(1).get(0)));
    tick(3000);
    assertEquals(1, markersSent.get(1).size(), "answered once");
    assertEquals(1, group.view(1).markers());
    assertEquals(1, group.view(1).markersAnswered());
    assertEquals(0, group.view(1).markersBad());
    assertEquals(0, group.view(0).markers());
  }

  @Test
  void answersEachInTheOrderTheyCame() {
    tick(100);
    for (int id = 1; id <= 3; id++) {
      receive(0, information(1, id));
    }
    tick(10);
    assertEquals(3, markersSent.get(0).size());
    for (int id = 1; id <= 3; id++) {
      byte[] r = markersSent.get(0).get(id - 1);
      assertEquals(id, ((r[28] & 0xFF) << 8) | (r[29] & 0xFF), "transaction " + id);
    }
  }

  @Test
  void aResponseAMalformedMarkerAndOurOwnSystemAreCountedAndNotAnswered() {
    tick(100);
    byte[] response = new MarkerPdu(false, 1, PARTNER, 9).encode(PARTNER + 1);
    assertEquals(LacpGroup.Verdict.MARKER, receive(0, response));
    byte[] bad = information(1, 10);
    bad[17] = 0x14;
    assertEquals(LacpGroup.Verdict.MALFORMED, receive(0, bad));
    assertEquals(MarkerPdu.Fault.BAD_MARKER_TLV, group.lastMarkerFault());
    byte[] shortOne = Arrays.copyOf(information(1, 11), 100);
    assertEquals(LacpGroup.Verdict.MALFORMED, receive(0, shortOne));
    assertEquals(MarkerPdu.Fault.BAD_LENGTH, group.lastMarkerFault());
    byte[] ours = new MarkerPdu(true, 1, US, 12).encode(PARTNER + 1);
    assertEquals(LacpGroup.Verdict.LOOPED, receive(0, ours));
    tick(2000);
    assertEquals(List.of(), markersSent.get(0));
    assertEquals(List.of(), markersSent.get(1));
    assertEquals(1, group.view(0).markers(), "the response");
    assertEquals(2, group.view(0).markersBad());
    assertEquals(2, group.view(0).bad(), "malformed markers count as malformed frames");
    assertEquals(1, group.view(0).looped());
    assertEquals(0, group.view(0).markersAnswered());
  }

  @Test
  void aFloodIsAnsweredFiveASecondWithEightOwedAndTheRestDropped() {
    tick(100);
    for (int id = 0; id < 20; id++) {
      receive(0, information(1, id));
    }
    tick(10);
    assertEquals(5, markersSent.get(0).size(), "5 in the first second");
    assertEquals(12, group.view(0).markersDropped(), "8 owed at most: 12 of 20 dropped");
    tick(500);
    assertEquals(5, markersSent.get(0).size());
    tick(600);
    assertEquals(8, markersSent.get(0).size(), "the 3 still owed, a second later");
    for (int id = 0; id < 8; id++) {
      byte[] r = markersSent.get(0).get(id);
      assertEquals(id, r[29], "oldest first");
    }
    tick(5000);
    assertEquals(8, markersSent.get(0).size());
    assertEquals(8, group.view(0).markersAnswered());
    assertEquals(20, group.view(0).markers());
  }

  @Test
  void owedAnswersDieWithTheLinkAndADownLinkAnswersNothing() {
    tick(100);
    for (int id = 0; id < 8; id++) {
      receive(0, information(1, id));
    }
    tick(10);
    assertEquals(5, markersSent.get(0).size());
    link[0] = false;
    tick(2000);
    assertEquals(5, markersSent.get(0).size());
    assertEquals(3, group.view(0).markersDropped());
    receive(0, information(1, 99)); // a frame still in the ring from before the cut
    link[0] = true;
    tick(2000);
    assertEquals(5, markersSent.get(0).size(), "nothing owed from while the link was down");
  }

  @Test
  void markersMoveNoLacpMachine() {
    LacpGroup partner = new LacpGroup(new LacpGroup.Actor(65534, PARTNER, 1, true, true), 2);
    List<List<byte[]>> toUs = List.of(new ArrayList<>(), new ArrayList<>());
    for (int t = 0; t < 600; t++) {
      now += 10 * MS;
      group.tick(now, link, sender);
      partner.tick(now, link, (m, pdu) -> toUs.get(m).add(pdu.encode(PARTNER + 1 + m)));
      for (int m = 0; m < 2; m++) {
        for (byte[] f : lacpdusSent.get(m)) {
          partner.receive(m, f, 0, f.length, f.length, now);
        }
        lacpdusSent.get(m).clear();
        for (byte[] f : toUs.get(m)) {
          group.receive(m, f, 0, f.length, f.length, now);
        }
        toUs.get(m).clear();
        if (t > 200 && t % 25 == 0) {
          receive(m, information(m + 1, t)); // 4 a second, among the LACPDUs
        }
      }
    }
    for (int m = 0; m < 2; m++) {
      assertEquals(LacpMember.Mux.COLLECTING_DISTRIBUTING, group.member(m).mux(), "member " + m);
      assertEquals(15, group.view(m).markersAnswered());
      assertEquals(0, group.view(m).bad());
      assertEquals(group.view(m).markers(), group.view(m).markersAnswered());
    }
    byte[] last = markersSent.get(1).get(markersSent.get(1).size() - 1);
    assertArrayEquals(
        new MarkerPdu(false, 2, PARTNER, 575).encode(US + 2), last, "the last answer, exact");
  }
}
