package io.vswitch.control.lacp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vswitch.control.lacp.LacpMember.Mux;
import io.vswitch.control.lacp.LacpMember.Receive;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The LACP machines between simulated systems on a simulated clock, every LACPDU through the codec:
 * two links between two systems aggregate; a link that goes silent expires after 3 s and defaults
 * after 3 more while the other keeps distributing; a link going down detaches at once; passive
 * meets passive in silence; links to another system, or to another key, are not aggregated; a new
 * partner re-forms the aggregation; the slow rate; and malformed or looped-back frames change
 * nothing.
 */
class LacpGroupTest {
  private static final long MS = 1_000_000L;
  private static final long TICK = 10 * MS;

  private long now = 1_000_000_000_000L;

  /** One system: its group, and what it sent per member since last looked. */
  private static final class Sys {
    final LacpGroup group;
    final List<List<byte[]>> sent = new ArrayList<>();
    final boolean[] link;
    final long mac;

    Sys(long mac, int key, boolean active, boolean fast, int members) {
      this.mac = mac;
      this.group = new LacpGroup(new LacpGroup.Actor(32768, mac, key, active, fast), members);
      this.link = new boolean[members];
      Arrays.fill(link, true);
      for (int m = 0; m < members; m++) {
        sent.add(new ArrayList<>());
      }
    }

    void tick(long now) {
      group.tick(now, link, (m, pdu) -> sent.get(m).add(pdu.encode(mac + 0x100 + m)));
    }

    LacpMember member(int m) {
      return group.member(m);
    }

    int txCount() {
      int n = 0;
      for (int m = 0; m < group.size(); m++) {
        n += (int) group.member(m).tx;
      }
      return n;
    }
  }

  /** A cable: member a of one system to member b of another, which may drop what it carries. */
  private record Wire(Sys x, int xm, Sys y, int ym, boolean[] silent) {
    Wire(Sys x, int xm, Sys y, int ym) {
      this(x, xm, y, ym, new boolean[1]);
    }
  }

  private final List<Wire> wires = new ArrayList<>();
  private final List<Sys> systems = new ArrayList<>();

  private Sys system(long mac, int key, boolean active, boolean fast, int members) {
    Sys s = new Sys(mac, key, active, fast, members);
    systems.add(s);
    return s;
  }

  private Wire wire(Sys x, int xm, Sys y, int ym) {
    Wire w = new Wire(x, xm, y, ym);
    wires.add(w);
    return w;
  }

  /** Runs every system for {@code ms}, delivering each tick's LACPDUs over the wires. */
  private void run(long ms) {
    for (long t = 0; t < ms * MS; t += TICK) {
      now += TICK;
      for (Sys s : systems) {
        s.tick(now);
      }
      for (Wire w : wires) {
        deliver(w, w.x, w.xm, w.y, w.ym);
        deliver(w, w.y, w.ym, w.x, w.xm);
      }
    }
  }

  private void deliver(Wire w, Sys from, int fm, Sys to, int tm) {
    List<byte[]> out = from.sent.get(fm);
    for (byte[] f : out) {
      if (!w.silent[0] && from.link[fm] && to.link[tm]) {
        assertEquals(LacpGroup.Verdict.TAKEN, to.group.receive(tm, f, 0, f.length, f.length, now));
      }
    }
    out.clear();
  }

  private static void assertDistributing(Sys s, int m, long partner) {
    LacpMember member = s.member(m);
    assertEquals(Mux.COLLECTING_DISTRIBUTING, member.mux(), "member " + m);
    assertEquals(Receive.CURRENT, member.receive());
    assertEquals(partner, member.partner().system());
    assertEquals(0x3f, member.actorState(), "active, short, aggregatable, sync, coll, dist");
    assertEquals(0x3f, member.partner().state() & 0x3f);
  }

  @Test
  void twoActiveSystemsAggregateBothLinksAfterTheWaitAndNotBefore() {
    Sys a = system(0x0200_0000_000aL, 1, true, true, 2);
    Sys b = system(0x0200_0000_000bL, 7, true, true, 2);
    wire(a, 0, b, 0);
    wire(a, 1, b, 1);
    run(1000);
    assertEquals(Mux.WAITING, a.member(0).mux(), "the aggregate-wait time is 2 s");
    assertFalse(a.member(0).distributing());
    run(1500);
    for (int m = 0; m < 2; m++) {
      assertDistributing(a, m, b.mac);
      assertDistributing(b, m, a.mac);
      assertEquals(7, a.member(m).partner().key());
      assertEquals(m + 1, a.member(m).partner().port());
    }
    assertEquals(b.mac, a.group.aggregatorPartner().system());
    long txBefore = a.txCount();
    run(10_000);
    long periodic = a.txCount() - txBefore;
    assertTrue(periodic >= 18 && periodic <= 22, "one LACPDU a second per member: " + periodic);
  }

  @Test
  void aSilentLinkExpiresAfterThreeSecondsAndDefaultsAfterThreeMoreWhileTheOtherCarries() {
    Sys a = system(0x0200_0000_000aL, 1, true, true, 2);
    Sys b = system(0x0200_0000_000bL, 1, true, true, 2);
    Wire w0 = wire(a, 0, b, 0);
    wire(a, 1, b, 1);
    run(3000);
    assertDistributing(a, 0, b.mac);
    w0.silent[0] = true; // the link stays up, its frames vanish (a broken fibre, a stuck peer)
    run(1900); // the last LACPDU came at most 1 s before the silence began
    assertDistributing(a, 0, b.mac);
    run(1200);
    assertEquals(Receive.EXPIRED, a.member(0).receive(), "3 s without a LACPDU");
    assertFalse(a.member(0).distributing(), "an expired partner is out of sync");
    assertEquals(Mux.ATTACHED, a.member(0).mux());
    assertEquals(0x80, a.member(0).actorState() & 0x80, "the expired bit");
    assertDistributing(a, 1, b.mac);
    run(3000);
    assertEquals(Receive.DEFAULTED, a.member(0).receive());
    assertEquals(Mux.DETACHED, a.member(0).mux());
    assertEquals(0, a.member(0).partner().system(), "the partner is forgotten");
    assertEquals(0x40, a.member(0).actorState() & 0x40, "the defaulted bit");
    long tx = a.member(0).tx;
    run(3000);
    assertTrue(a.member(0).tx >= tx + 2, "defaulted, an active port keeps asking every second");
    assertDistributing(a, 1, b.mac);
    w0.silent[0] = false;
    run(3000);
    assertDistributing(a, 0, b.mac);
    assertDistributing(b, 0, a.mac);
  }

  @Test
  void aLinkGoingDownDetachesItsMemberAtTheNextStep() {
    Sys a = system(0x0200_0000_000aL, 1, true, true, 2);
    Sys b = system(0x0200_0000_000bL, 1, true, true, 2);
    wire(a, 0, b, 0);
    wire(a, 1, b, 1);
    run(3000);
    a.link[0] = false;
    b.link[0] = false;
    run(10);
    assertEquals(Receive.PORT_DISABLED, a.member(0).receive());
    assertEquals(Mux.DETACHED, a.member(0).mux(), "no timeout waited for");
    assertDistributing(a, 1, b.mac);
    long tx = a.member(0).tx;
    run(5000);
    assertEquals(tx, a.member(0).tx, "nothing sent on a link that is down");
    a.link[0] = true;
    b.link[0] = true;
    run(3000);
    assertDistributing(a, 0, b.mac);
  }

  @Test
  void passiveMeetsPassiveInSilenceAndAnswersAnActivePartner() {
    Sys a = system(0x0200_0000_000aL, 1, false, true, 1);
    Sys b = system(0x0200_0000_000bL, 1, false, true, 1);
    wire(a, 0, b, 0);
    run(10_000);
    assertEquals(0, a.txCount() + b.txCount(), "two passive ends never speak");
    assertEquals(Mux.DETACHED, a.member(0).mux());
    assertEquals(Receive.DEFAULTED, a.member(0).receive());

    Sys c = system(0x0200_0000_000cL, 1, false, true, 1);
    Sys d = system(0x0200_0000_000dL, 1, true, true, 1);
    wire(c, 0, d, 0);
    run(4000);
    assertEquals(Mux.COLLECTING_DISTRIBUTING, c.member(0).mux());
    assertEquals(0x3e, c.member(0).actorState(), "passive: no activity bit");
    assertEquals(Mux.COLLECTING_DISTRIBUTING, d.member(0).mux());
    assertTrue(c.txCount() > 0, "the passive end answers");
  }

  @Test
  void linksToAnotherSystemOrAnotherKeyAreNotAggregated() {
    Sys a = system(0x0200_0000_000aL, 1, true, true, 3);
    Sys b = system(0x0200_0000_000bL, 1, true, true, 1);
    Sys other = system(0x0200_0000_000cL, 1, true, true, 1);
    Sys otherKey = system(0x0200_0000_000bL, 2, true, true, 1); // b's system, another key
    wire(a, 0, b, 0);
    wire(a, 1, other, 0);
    wire(a, 2, otherKey, 0);
    run(5000);
    assertDistributing(a, 0, b.mac);
    for (int m = 1; m < 3; m++) {
      assertEquals(Receive.CURRENT, a.member(m).receive(), "it hears its partner");
      assertEquals(Mux.DETACHED, a.member(m).mux(), "but does not aggregate: member " + m);
      assertEquals(0, a.member(m).actorState() & 0x38, "no sync, collecting, distributing");
    }
    assertFalse(other.member(0).distributing(), "the other side sees it out of sync");
  }

  @Test
  void aNewPartnerOnEveryLinkReformsTheAggregationWithIt() {
    Sys a = system(0x0200_0000_000aL, 1, true, true, 2);
    Sys b = system(0x0200_0000_000bL, 1, true, true, 2);
    wire(a, 0, b, 0);
    wire(a, 1, b, 1);
    run(3000);
    assertDistributing(a, 0, b.mac);
    systems.remove(b);
    wires.clear();
    Sys c = system(0x0200_0000_000cL, 3, true, true, 2); // recabled to another switch
    wire(a, 0, c, 0);
    wire(a, 1, c, 1);
    run(100);
    assertFalse(a.member(0).distributing(), "a partner change detaches at once");
    run(3000);
    assertDistributing(a, 0, c.mac);
    assertDistributing(a, 1, c.mac);
    assertEquals(3, a.group.aggregatorPartner().key());
  }

  @Test
  void theSlowRateAsksForALacpduEveryThirtySeconds() {
    Sys a = system(0x0200_0000_000aL, 1, true, false, 1);
    Sys b = system(0x0200_0000_000bL, 1, true, true, 1);
    wire(a, 0, b, 0);
    run(5000);
    assertEquals(Mux.COLLECTING_DISTRIBUTING, a.member(0).mux());
    assertEquals(0x3d, a.member(0).actorState(), "long timeout asked for");
    long bTx = b.txCount();
    long aTx = a.txCount();
    run(120_000);
    long fromB = b.txCount() - bTx;
    long fromA = a.txCount() - aTx;
    assertTrue(fromB >= 3 && fromB <= 5, "b sends every 30 s to a slow partner: " + fromB);
    assertTrue(fromA >= 110 && fromA <= 125, "a sends every second to a fast one: " + fromA);
    assertEquals(Mux.COLLECTING_DISTRIBUTING, a.member(0).mux(), "30 s apart is current at 90 s");
  }

  @Test
  void malformedFramesAndOurOwnLacpdusLoopedBackChangeNothing() {
    Sys a = system(0x0200_0000_000aL, 1, true, true, 2);
    Sys b = system(0x0200_0000_000bL, 1, true, true, 2);
    wire(a, 0, b, 0);
    wire(a, 1, b, 1);
    run(3000);
    java.util.Random random = new java.util.Random(14);
    int malformed = 0;
    for (int n = 0; n < 2000; n++) {
      byte[] f = new Lacpdu(b.member(0).actorInfo(), a.member(0).actorInfo(), 0).encode(b.mac);
      int at = new int[] {0, 5, 12, 14, 15, 16, 17, 36, 37, 56, 57, 72, 73}[n % 13];
      f[at] ^= (byte) (1 + random.nextInt(255));
      int length = n % 7 == 0 ? random.nextInt(124) : 124;
      LacpGroup.Verdict v = a.group.receive(0, f, 0, Math.min(length, f.length), length, now);
      assertEquals(LacpGroup.Verdict.MALFORMED, v, "corruption at " + at);
      malformed++;
    }
    Lacpdu looped = new Lacpdu(a.member(1).actorInfo(), b.member(1).actorInfo(), 0);
    byte[] mine = looped.encode(a.mac);
    for (int n = 0; n < 50; n++) {
      assertEquals(
          LacpGroup.Verdict.LOOPED, a.group.receive(0, mine, 0, mine.length, mine.length, now));
    }
    run(10);
    assertDistributing(a, 0, b.mac);
    assertDistributing(a, 1, b.mac);
    assertEquals(malformed, a.member(0).bad);
    assertEquals(50, a.member(0).looped);
    run(10_000);
    assertDistributing(a, 0, b.mac);
  }
}
