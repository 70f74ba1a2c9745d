package io.vswitch.control.ipfix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vswitch.control.config.SwitchConfig;
import io.vswitch.dataplane.flow.FlowCache;
import io.vswitch.dataplane.flow.FlowExport;
import io.vswitch.dataplane.flow.FlowRecord;
import io.vswitch.dataplane.flow.FlowSettings;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The exporter against two local UDP collectors: templates first, sequence numbers, live change.
 */
class IpfixExporterTest {
  private final List<DatagramChannel> collectors = new ArrayList<>();

  @AfterEach
  void close() throws Exception {
    for (DatagramChannel c : collectors) {
      c.close();
    }
  }

  private DatagramChannel collector() throws Exception {
    DatagramChannel c = DatagramChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
    c.socket().setSoTimeout(2_000);
    collectors.add(c);
    return c;
  }

  private static int port(DatagramChannel c) throws Exception {
    return ((InetSocketAddress) c.getLocalAddress()).getPort();
  }

  private static SwitchConfig.Ipfix config(int refresh, DatagramChannel... to) throws Exception {
    List<SwitchConfig.Collector> list = new ArrayList<>();
    for (DatagramChannel c : to) {
      list.add(new SwitchConfig.Collector("127.0.0.1", port(c)));
    }
    return new SwitchConfig.Ipfix(list, 60, 15, 1, 1024, refresh, 9L);
  }

  /** The next message a collector got, decoded (an AssertionError when none comes in 2 s). */
  private static IpfixDecoder.Message receive(DatagramChannel c, IpfixDecoder d) throws Exception {
    byte[] buf = new byte[65_535];
    java.net.DatagramPacket p = new java.net.DatagramPacket(buf, buf.length);
    try {
      c.socket().receive(p);
    } catch (SocketTimeoutException e) {
      throw new AssertionError("no IPFIX message");
    }
    return d.decode(buf, p.getLength());
  }

  private static void flows(FlowCache cache, int n, long base) {
    for (int i = 0; i < n; i++) {
      cache.account(
          Long.MIN_VALUE,
          (0x0000_FFFF_0A00_0000L | i) ^ Long.MIN_VALUE,
          Long.MIN_VALUE,
          0x0000_FFFF_0A01_0001L ^ Long.MIN_VALUE,
          FlowRecord.key(false, 0, 1, 17, (int) (base + i), 53),
          100,
          0,
          2,
          1_000);
    }
    cache.flush();
  }

  @Test
  void templatesComeFirstAndEachCollectorCountsItsOwnSequence() throws Exception {
    DatagramChannel a = collector();
    DatagramChannel b = collector();
    FlowExport export = new FlowExport(2, 1024, new FlowSettings(60_000, 15_000, 1));
    AtomicReference<SwitchConfig.Ipfix> cfg = new AtomicReference<>(config(600, a));
    try (IpfixExporter x =
        new IpfixExporter(
            export, cfg::get, 1400, new PrintStream(PrintStream.nullOutputStream()))) {
      IpfixDecoder da = new IpfixDecoder();
      x.run(); // templates only: no flows yet
      IpfixDecoder.Message t = receive(a, da);
      assertEquals(2, t.templates());
      assertEquals(0, t.records().size());
      assertEquals(0, t.sequence());
      assertEquals(9, t.domain());
      assertEquals(60_000, export.settings().activeMillis(), "settings pushed to the caches");

      flows(export.cache(0), 30, 1_000); // 30 * 58 bytes: two messages
      flows(export.cache(1), 5, 2_000);
      x.run();
      IpfixDecoder.Message m1 = receive(a, da);
      IpfixDecoder.Message m2 = receive(a, da);
      assertEquals(0, m1.sequence(), "records sent before it");
      assertEquals(m1.records().size(), m2.sequence());
      assertEquals(35, m1.records().size() + m2.records().size());
      assertTrue(m1.length() <= 1400 && m2.length() <= 1400);
      assertEquals(35, x.recordsExported());

      // b joins: templates go to both at once; a's sequence goes on, b's starts at 0.
      cfg.set(config(600, a, b));
      flows(export.cache(0), 2, 3_000);
      x.run();
      IpfixDecoder db = new IpfixDecoder();
      assertEquals(2, receive(a, da).templates());
      assertEquals(2, receive(b, db).templates());
      IpfixDecoder.Message a3 = receive(a, da);
      IpfixDecoder.Message b3 = receive(b, db);
      assertEquals(35, a3.sequence());
      assertEquals(0, b3.sequence());
      assertEquals(2, b3.records().size());
      assertEquals(2L, b3.records().get(0).get(14), "egress port index + 1 as the cache holds");

      // template-refresh 1 s: the templates come again once it has passed, with no flows.
      cfg.set(config(1, a, b));
      x.run();
      assertEquals(2, receive(a, da).templates()); // the change itself sends them
      receive(b, db);
      Thread.sleep(1_100);
      x.run();
      IpfixDecoder.Message again = receive(a, da);
      assertEquals(2, again.templates());
      assertEquals(37, again.sequence());
      assertEquals(0, x.recordsDropped());
    }
  }

  @Test
  void finishExportsWhatTheCachesStillHold() throws Exception {
    DatagramChannel a = collector();
    FlowExport export = new FlowExport(1, 1024, new FlowSettings(60_000, 15_000, 1));
    SwitchConfig.Ipfix cfg = config(600, a);
    try (IpfixExporter x = new IpfixExporter(export, () -> cfg, 1400, System.err)) {
      x.run();
      IpfixDecoder d = new IpfixDecoder();
      receive(a, d);
      FlowCache cache = export.cache(0);
      for (int i = 0; i < 3; i++) {
        cache.account(
            Long.MIN_VALUE,
            i,
            Long.MIN_VALUE,
            0,
            FlowRecord.key(false, 0, 1, 6, i, 80),
            60,
            0x02,
            0,
            5);
      }
      x.finish();
      IpfixDecoder.Message m = receive(a, d);
      assertEquals(3, m.records().size());
      assertEquals((long) FlowRecord.END_FORCED, m.records().get(0).get(136));
      assertEquals(0, cache.size());
    }
    ByteBuffer none = ByteBuffer.allocate(1);
    a.configureBlocking(false);
    assertEquals(null, a.receive(none), "nothing more");
  }
}
