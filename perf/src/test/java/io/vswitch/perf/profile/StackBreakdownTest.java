package io.vswitch.perf.profile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class StackBreakdownTest {
  private static final String WORKER =
      "[vswitch-worker0-l2 tid=7];java/lang/Thread.run_[0];"
          + "io/vswitch/dataplane/worker/WorkerThread.poll_[j];"
          + "io/vswitch/dataplane/l2/L2Agent.switchBurst_[j];";

  @Test
  void aHelperWithoutARuleStaysWithTheStageThatInlinedIt() {
    StackBreakdown b =
        StackBreakdown.of(
            List.of(
                WORKER
                    + "io/vswitch/dataplane/l2/ParseStage.run_[i];io/vswitch/ffm/Mbuf.dataLen_[i] 7"));
    assertEquals(7, b.samples("ParseStage"));
  }

  @Test
  void leafKindsCountFfmChecksWhereverTheyAre() {
    StackBreakdown b =
        StackBreakdown.of(
            List.of(
                WORKER
                    + "io/vswitch/dataplane/l2/ParseStage.run_[i];"
                    + "jdk/internal/foreign/MemorySessionImpl.checkValidStateRaw_[i] 2",
                WORKER
                    + "io/vswitch/dataplane/l2/EgressRewriteStage.run_[i];"
                    + "jdk/internal/foreign/AbstractMemorySegmentImpl.checkBounds_[i] 3"));
    assertEquals(5, b.leafKindSamples("FFM segment checks (session state, bounds, read-only)"));
    assertEquals(2, b.samples("ParseStage"));
    assertEquals(3, b.samples("EgressRewriteStage (tag push/pop)"));
  }

  @Test
  void everyStageOfThePipelineHasItsOwnPart() {
    StackBreakdown b =
        StackBreakdown.of(
            List.of(
                WORKER + "io/vswitch/dataplane/l2/EgressFilterStage.run_[j] 1",
                WORKER + "io/vswitch/dataplane/l2/TransmitStage.run_[j];vtable stub 2",
                WORKER + "io/vswitch/dataplane/l2/overlay/VxlanDecapStage.run_[j] 4",
                WORKER + "io/vswitch/dataplane/l2/L2Agent.switchBurst_[j] 8"));
    assertEquals(1, b.samples("EgressFilterStage"));
    assertEquals(2, b.samples("vtable stub (stage dispatch)"));
    assertEquals(4, b.samples("other stages (overlay, team, taps, mirror)"));
    assertEquals(8, b.samples("L2Agent (own code)"));
  }

  @Test
  void namedHelpersAreCountedApartFromTheirCaller() {
    StackBreakdown b =
        StackBreakdown.of(
            List.of(
                WORKER
                    + "io/vswitch/dataplane/l2/TxBuffer.flush_[i];"
                    + "io/vswitch/dataplane/stats/CounterSlot.add_[i] 3",
                WORKER + "java/lang/System.nanoTime_[i];os::javaTimeNanos;[vdso] 2"));
    assertEquals(3, b.samples("counters (CounterSlot)"));
    assertEquals(2, b.samples("clock: System.nanoTime (clock_gettime)"));
  }

  @Test
  void mempoolCallsAreSplitByTheBurstTheyServe() {
    String rx =
        WORKER
            + "io/vswitch/dataplane/port/DpdkPort.receive_[i];nep_invoker_blob;vs_rx_burst;"
            + "/usr/lib/dpdk/pmds-23.0/librte_net_pcap.so.23.0;"
            + "/usr/lib/dpdk/pmds-23.0/librte_mempool_ring.so.23.0 5";
    String tx =
        WORKER
            + "io/vswitch/dataplane/l2/TxBuffer.flush_[i];nep_invoker_blob;vs_tx_burst_or_free;"
            + "/usr/lib/dpdk/pmds-23.0/librte_mempool_ring.so.23.0 4";
    StackBreakdown b = StackBreakdown.of(List.of(rx, tx));
    assertEquals(5, b.samples("rx: mempool get (mbuf alloc)"));
    assertEquals(4, b.samples("tx: mempool put (mbuf free)"));
  }

  @Test
  void otherThreadsAreLeftOutAndUnnamedLeavesAreOther() {
    StackBreakdown b =
        StackBreakdown.of(
            List.of(
                "[ZDirector tid=9];ZThread::run_service 50",
                "[vswitch-worker0-l2 tid=7];start_thread;some_unknown_function 1",
                "not a stack line"));
    assertEquals(1, b.total());
    assertEquals(1, b.samples(StackBreakdown.OTHER));
    assertEquals("some_unknown_function", b.selfFrames().get(0).getKey());
  }

  @Test
  void theTableConvertsSharesToCyclesPerPacket() {
    StackBreakdown b =
        StackBreakdown.of(
            List.of(
                WORKER + "io/vswitch/dataplane/l2/LearnStage.run_[i] 1",
                WORKER + "io/vswitch/dataplane/l2/ForwardStage.run_[i] 3"));
    String table = b.format(200, 5);
    assertTrue(table.contains("ForwardStage") && table.contains("150.0"), table);
    assertTrue(table.contains("LearnStage") && table.contains("50.0"), table);
  }
}
