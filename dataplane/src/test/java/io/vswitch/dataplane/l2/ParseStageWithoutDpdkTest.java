package io.vswitch.dataplane.l2;

import static io.vswitch.dataplane.testing.FrameBuilder.frame;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vswitch.dataplane.stats.CounterFile;
import io.vswitch.dataplane.stats.CounterSlot;
import io.vswitch.dataplane.stats.DropReason;
import io.vswitch.dataplane.testing.HeapMbufs;
import io.vswitch.dataplane.testing.TestEal;
import io.vswitch.ffm.Eal;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The parse stage over {@link HeapMbufs}: stage logic runs on mbuf-shaped heap memory, and in a JVM
 * where EAL was never initialised. Dropped packets are only listed by the burst context, never
 * freed (they are not DPDK's).
 */
class ParseStageWithoutDpdkTest {
  @TempDir Path dir;

  private static final List<byte[]> FRAMES =
      List.of(
          ParseStageTest.ipv4(5, 46, 60),
          frame().src("02:00:00:00:01:01").vlan(100).etherType(0x0806).build(),
          Arrays.copyOf(frame().build(), 13),
          frame().vlan(100).vlan(10).build(),
          frame().src("03:00:00:00:00:01").build(),
          ParseStageTest.ipv4(4, 46, 60),
          ParseStageTest.ipv6(6, 60));

  private static final DropReason[] FATES = {
    null,
    null,
    DropReason.RUNT,
    DropReason.QINQ,
    DropReason.SOURCE_MULTICAST,
    DropReason.BAD_IP_LENGTH,
    null
  };

  /** Parses {@link #FRAMES} in heap mbufs and checks every field and drop; JUnit or a bare JVM. */
  static void parseBurstOnTheHeap(Path dir) {
    CounterFile counters = CounterFile.create(dir.resolve("counters"), 1, List.of("p0", "p1"));
    try (HeapMbufs heap = new HeapMbufs();
        Arena arena = Arena.ofConfined()) {
      BurstContext ctx = new BurstContext(arena);
      heap.fill(ctx.batch(), FRAMES);
      CounterSlot slot = counters.slot(0, 1);
      ctx.begin(1, FRAMES.size(), slot);
      new ParseStage().run(ctx);

      for (int i = 0; i < FRAMES.size(); i++) {
        assertEquals(FATES[i], ctx.dropReason(i), "frame " + i);
        assertEquals(FRAMES.get(i).length, ctx.length[i], "length " + i);
      }
      assertEquals(0x0800, ctx.etherType[0]);
      assertEquals(14, ctx.l3Offset[0]);
      assertEquals(0, ctx.tag[0]);
      assertEquals(0x02_00_00_00_01_01L, ctx.srcMac[1]);
      assertEquals(ParseStage.TAGGED | 100, ctx.tag[1]);
      assertEquals(0x0806, ctx.etherType[1]);
      assertEquals(18, ctx.l3Offset[1]);
      assertEquals(0x86dd, ctx.etherType[6]);

      // Listed for the end-of-burst free, counted on the ingress port, and nothing else.
      assertEquals(4, ctx.dropped.count());
      int listed = 0;
      for (int i = 0; i < FRAMES.size(); i++) {
        if (FATES[i] != null) {
          assertEquals(ctx.batch().mbuf(i), ctx.dropped.mbuf(listed++));
          assertEquals(1, slot.get(FATES[i]), FATES[i].name());
        }
      }
      ctx.dropped.clear(); // heap memory: never freeDropped
    } finally {
      counters.close();
      counters.delete();
    }
  }

  @Test
  void parsesAndDropsOnHeapMbufs() {
    parseBurstOnTheHeap(dir);
  }

  /**
   * The same burst in a fresh JVM that never initialises EAL: it loads the shim (MbufLayout reads
   * its offsets from it) and nothing more. This JVM's own EAL shows what the check looks for.
   */
  @Test
  void needsNoEal() throws IOException, InterruptedException {
    TestEal.get();
    assertFalse(ealThreads().isEmpty(), "an initialised EAL is seen by its threads");

    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Process child =
        new ProcessBuilder(
                java.toString(),
                "--enable-native-access=ALL-UNNAMED",
                "-XX:TieredStopAtLevel=1",
                "-cp",
                System.getProperty("java.class.path"),
                NoEal.class.getName(),
                dir.toString())
            .redirectErrorStream(true)
            .start();
    String output = new String(child.getInputStream().readAllBytes());
    assertEquals(0, child.waitFor(), output);
    assertTrue(output.contains(NoEal.DONE), output);
  }

  /** DPDK's own threads, which rte_eal_init starts (interrupts, multi-process, telemetry). */
  static List<String> ealThreads() throws IOException {
    try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
      return tasks
          .map(t -> read(t.resolve("comm")))
          .filter(n -> n.startsWith("eal-") || n.startsWith("rte_") || n.startsWith("telemetry"))
          .toList();
    }
  }

  private static String read(Path file) {
    try {
      return Files.readString(file).strip();
    } catch (IOException e) {
      return ""; // the thread ended while listed
    }
  }

  /** The child JVM: no JUnit engine, no TestEal. */
  static final class NoEal {
    static final String DONE = "parsed a burst of heap mbufs without EAL";

    public static void main(String[] args) throws IOException {
      assertNull(Eal.current());
      parseBurstOnTheHeap(Path.of(args[0]));
      assertNull(Eal.current(), "nothing initialised EAL");
      assertEquals(List.of(), ealThreads(), "no DPDK thread");
      assertTrue(
          Files.readString(Path.of("/proc/self/maps")).contains("libvswitch_shim"),
          "the shim was loaded, for MbufLayout");
      System.out.println(DONE);
    }
  }
}
