package io.vswitch.control.distributed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vswitch.dataplane.conntrack.CtEntryView;
import io.vswitch.dataplane.l2.MacAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** The vMotion connection record: written, read back exactly, and every forgery refused whole. */
class CtRecordTest {
  private static final long MAC = MacAddress.parse("02:00:00:62:00:03");
  private static final long NOW = 1_800_000_000_000L;

  private static CtEntryView tcp() {
    CtEntryView c = new CtEntryView();
    c.protocol = 6;
    c.srcLo = 0x0000_FFFF_0A3E_0003L; // 10.62.0.3
    c.dstLo = 0x0000_FFFF_0A3E_0001L;
    c.srcPort = 40000;
    c.dstPort = 5000;
    c.state = "ESTABLISHED";
    c.stateCode = 3;
    c.replied = true;
    c.expiresInMillis = 7_439_000;
    c.ageSeconds = 12;
    c.tcpEnd[0] = -5;
    c.tcpMaxEnd[0] = Integer.MAX_VALUE;
    c.tcpMaxWindow[1] = 1 << 20;
    c.tcpScale[0] = 7;
    c.tcpScale[1] = 14;
    c.tcpFlags[0] = 3;
    c.tcpFlags[1] = 15;
    c.originalPackets = 9;
    c.replyPackets = 8;
    c.originalBytes = 900;
    c.replyBytes = Long.MAX_VALUE;
    return c;
  }

  private static CtEntryView udp6() {
    CtEntryView c = new CtEntryView();
    c.protocol = 17;
    c.ipv6 = true;
    c.srcHi = 0xFD00_0000_0000_0000L;
    c.srcLo = 3;
    c.dstHi = 0xFD00_0000_0000_0000L;
    c.dstLo = 1;
    c.srcPort = 5353;
    c.dstPort = 53;
    c.state = "UNREPLIED";
    c.stateCode = 10;
    c.embryonic = true;
    c.expiresInMillis = 1;
    return c;
  }

  private static String record(List<CtEntryView> cs) {
    return CtRecord.write("hostA", MAC, NOW - 1000, 90, cs);
  }

  private static CtRecord.Parsed parse(String json) throws CtRecord.Refused {
    return CtRecord.parse(json, MAC, NOW);
  }

  @Test
  void aRecordReadsBackAsWritten() throws Exception {
    CtRecord.Parsed p = parse(record(List.of(tcp(), udp6())));
    assertEquals("hostA", p.host());
    assertEquals(MAC, p.mac());
    assertEquals(NOW - 1000, p.exported());
    assertEquals(90, p.ttl());
    assertEquals(2, p.connections().size());
    CtEntryView a = tcp();
    CtEntryView b = p.connections().get(0);
    assertEquals(a.toString(), b.toString());
    assertEquals(a.stateCode, b.stateCode);
    assertEquals(a.expiresInMillis, b.expiresInMillis);
    for (int d = 0; d < 2; d++) {
      assertEquals(a.tcpEnd[d], b.tcpEnd[d]);
      assertEquals(a.tcpMaxEnd[d], b.tcpMaxEnd[d]);
      assertEquals(a.tcpMaxWindow[d], b.tcpMaxWindow[d]);
      assertEquals(a.tcpScale[d], b.tcpScale[d]);
      assertEquals(a.tcpFlags[d], b.tcpFlags[d]);
    }
    assertEquals(a.replyBytes, b.replyBytes);
    CtEntryView v6 = p.connections().get(1);
    assertTrue(v6.ipv6);
    assertEquals(0xFD00_0000_0000_0000L, v6.srcHi);
    assertEquals(3, v6.srcLo);
    assertTrue(v6.embryonic);
    assertEquals(10, v6.stateCode);
  }

  @Test
  void theMostConnectionsFitTheSizeBound() throws Exception {
    List<CtEntryView> many = new ArrayList<>(Collections.nCopies(CtRecord.MAX_CONNECTIONS, tcp()));
    String json = record(many);
    assertTrue(json.length() <= CtRecord.MAX_CHARS, json.length() + " characters");
    assertEquals(CtRecord.MAX_CONNECTIONS, parse(json).connections().size());
    many.add(tcp());
    assertThrows(IllegalArgumentException.class, () -> record(many), "never written");
  }

  private static void refused(String json, String why) {
    CtRecord.Refused r = assertThrows(CtRecord.Refused.class, () -> parse(json), json);
    assertTrue(r.getMessage().contains(why), r.getMessage() + " (wanted: " + why + ")");
  }

  /** The one-connection record with {@code edit} applied to its text. */
  private static String forged(UnaryOperator<String> edit) {
    return edit.apply(record(List.of(tcp())));
  }

  @Test
  void forgeriesAreRefusedWhole() {
    refused(null, "characters");
    refused(" ".repeat(CtRecord.MAX_CHARS + 1), "characters");
    refused("{", "not JSON");
    refused("[1,2]", "not a JSON object");
    refused(forged(s -> s.replace("\"version\":1", "\"version\":2")), "version");
    refused(forged(s -> s.replace("\"host\":\"hostA\",", "")), "has no host");
    refused(forged(s -> s.replace("{\"version\"", "{\"extra\":1,\"version\"")), "unknown field");
    refused(forged(s -> s.replace("\"protocol\":6,", "\"protocol\":6,\"x\":0,")), "unknown field");
    refused(forged(s -> s.replace("02:00:00:62:00:03", "02:00:00:62:00:04")), "its key");
    refused(forged(s -> s.replace("02:00:00:62:00:03", "nota:mac")), "not a MAC");
    refused(CtRecord.write("hostA", MAC, NOW - 91_000, 90, List.of(tcp())), "past its 90 s");
    refused(CtRecord.write("hostA", MAC, NOW + 61_000, 90, List.of(tcp())), "future");
    refused(CtRecord.write("hostA", MAC, NOW, 601, List.of()), "ttl 601");
    refused(forged(s -> s.replace("\"10.62.0.3\"", "\"localhost\"")), "not an address literal");
    refused(forged(s -> s.replace("\"10.62.0.3\"", "\"fd00::3\"")), "IPv6 address in an IPv4");
    refused(forged(s -> s.replace("\"ESTABLISHED\"", "\"REPLIED\"")), "state REPLIED");
    refused(forged(s -> s.replace("40000", "70000")), "src-port 70000");
    refused(forged(s -> s.replace("\"left-ms\":7439000", "\"left-ms\":0")), "left-ms 0");
    refused(forged(s -> s.replace("\"left-ms\":7439000", "\"left-ms\":7.5")), "not an integer");
    refused(forged(s -> s.replace("[-5,", "[\"-5\",")), "tcp value");
    refused(forged(s -> s.replace(",7,3]", ",15,3]")), "tcp value"); // scale 15
    refused(forged(s -> s.replace(",14,15]", ",14,16]")), "tcp value"); // flags
    refused(forged(s -> s.replace("\"packets\":[9,8]", "\"packets\":[9]")), "pair of counts");
    refused(forged(s -> s.replace("\"packets\":[9,8]", "\"packets\":[-9,8]")), "tcp value");
    refused(forged(s -> s.replace("\"replied\":true", "\"replied\":1")), "not true or false");
    refused(forged(s -> s.replace("\"connections\":[", "\"connections\":[7,")), "not an object");
    String udp = record(List.of(udp6()));
    refused(udp.replace("\"replied\":false", "\"replied\":true"), "disagree");
    refused(udp.replace("\"ipv6\":true", "\"ipv6\":false"), "IPv6 address in an IPv4 connection");
    String tooMany =
        forged(
            s -> {
              int at = s.indexOf("[{") + 1;
              int end = s.lastIndexOf("}]") + 1;
              String one = s.substring(at, end);
              return s.substring(0, at)
                  + String.join(",", Collections.nCopies(CtRecord.MAX_CONNECTIONS + 1, one))
                  + s.substring(end);
            });
    refused(tooMany, "2049 connections");
  }

  @Test
  void theIdentityIsThePortsAddresses() throws Exception {
    CtRecord.Identity id =
        CtRecord.Identity.of(List.of("10.62.0.3/32", "fd00:0:0:0:0:0:0:0/64", "192.168.0.0/16"));
    assertFalse(id.isEmpty());
    CtEntryView c = tcp();
    assertTrue(id.involves(c), "10.62.0.3 is the VM");
    c.srcLo = 0x0000_FFFF_0A3E_0009L;
    assertFalse(id.involves(c), "10.62.0.9 -> 10.62.0.1 is not the VM's");
    c.dstLo = 0x0000_FFFF_C0A8_1234L;
    assertTrue(id.involves(c), "192.168.18.52 is in 192.168/16");
    CtEntryView v6 = udp6();
    assertTrue(id.involves(v6));
    v6.srcHi = 0xFD00_0000_0000_0001L;
    v6.dstHi = 0xFD01_0000_0000_0000L;
    assertFalse(id.involves(v6));
    // An IPv6 connection between IPv4-mapped addresses is not the VM's IPv4 identity.
    CtEntryView mapped = udp6();
    long[] m = CtRecord.address("10.62.0.3", true, "x");
    mapped.srcHi = m[0];
    mapped.srcLo = m[1];
    mapped.dstHi = m[0];
    mapped.dstLo = m[1];
    assertFalse(id.involves(mapped));
    assertTrue(CtRecord.Identity.of(List.of()).isEmpty());
    assertTrue(
        CtRecord.Identity.of(List.of("0.0.0.0/0")).involves(tcp()), "a /0 takes every IPv4 one");
  }
}
