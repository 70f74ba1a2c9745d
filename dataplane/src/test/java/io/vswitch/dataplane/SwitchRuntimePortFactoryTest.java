package io.vswitch.dataplane;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vswitch.dataplane.packet.PacketBatch;
import io.vswitch.dataplane.port.DpdkPort;
import io.vswitch.dataplane.port.Port;
import io.vswitch.dataplane.port.PortDeviceStats;
import io.vswitch.dataplane.port.PortRegistry;
import io.vswitch.dataplane.port.PortSpec;
import io.vswitch.dataplane.testing.TestEal;
import io.vswitch.dataplane.worker.WorkerThread;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The runtime opens every port, at start-up and added later, through its port factory. */
class SwitchRuntimePortFactoryTest {
  @TempDir Path dir;

  private final List<FakePort> opened = new ArrayList<>();
  private final PortRegistry registry =
      PortRegistry.DEFAULT.with(
          "fake",
          (spec, index, workers, pool) -> {
            FakePort port = new FakePort(spec.name(), index, workers);
            opened.add(port);
            return port;
          });

  @BeforeAll
  static void eal() {
    TestEal.get(); // the pool is DPDK's, whatever the ports are
  }

  private SwitchRuntime open(List<PortSpec> ports) {
    RuntimeSpec spec =
        new RuntimeSpec(
            ports,
            List.of(WorkerThread.ANY_CORE, WorkerThread.ANY_CORE),
            "busy-spin",
            dir.resolve("counters"),
            0,
            4);
    return SwitchRuntime.open(spec, w -> null, registry);
  }

  private static PortSpec fake(String name) {
    return new PortSpec(name, "args", 1, 512, 512, PortSpec.DEFAULT_MTU, "fake");
  }

  @Test
  void eachKindIsOpenedByItsOwnFactoryInItsSlot() {
    try (SwitchRuntime runtime =
        open(List.of(PortSpec.of("dpdk", "net_null_pfkd,no-rx=1"), fake("tunnel")))) {
      assertInstanceOf(DpdkPort.class, runtime.port("dpdk"));
      assertSame(opened.get(0), runtime.port("tunnel"));
      assertEquals(1, opened.get(0).index());
      assertEquals(2, opened.get(0).workers, "the factory is told the worker count");
      assertEquals("tunnel", runtime.counters().portNames().get(1));

      Port added = runtime.addPort(fake("added"));
      assertSame(opened.get(1), added);
      assertEquals(2, added.index());
      assertEquals(
          List.of("dpdk", "tunnel", "added"), runtime.ports().stream().map(Port::name).toList());
    }
    assertTrue(opened.stream().allMatch(p -> p.closed), "closing the runtime closes every port");
  }

  @Test
  void anUnknownKindIsRefusedAndChangesNothing() {
    try (SwitchRuntime runtime = open(List.of(fake("a")))) {
      PortSpec vxlan = new PortSpec("t", "remote=10.0.0.1", 1, 512, 512, 1500, "vxlan");
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> runtime.addPort(vxlan));
      assertEquals("no port kind 'vxlan' (known: dpdk, fake)", e.getMessage());
      assertEquals(List.of("a"), runtime.ports().stream().map(Port::name).toList());
    }
  }

  @Test
  void aPortThatFailsToOpenClosesThoseOpenedBeforeIt() {
    PortSpec broken = new PortSpec("b", "x", 1, 512, 512, 1500, "missing");
    assertThrows(IllegalArgumentException.class, () -> open(List.of(fake("a"), broken)));
    assertEquals(1, opened.size());
    assertTrue(opened.get(0).closed);
  }

  /** A port with no device behind it: receives nothing, drops what it is given. */
  static final class FakePort implements Port {
    private final String name;
    private final int index;
    final int workers;
    boolean closed;

    FakePort(String name, int index, int workers) {
      this.name = name;
      this.index = index;
      this.workers = workers;
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public int index() {
      return index;
    }

    @Override
    public int rxQueueCount() {
      return 1;
    }

    @Override
    public int txQueueCount() {
      return workers;
    }

    @Override
    public int receive(int queue, PacketBatch batch) {
      return 0;
    }

    @Override
    public int transmit(int queue, PacketBatch batch) {
      batch.freeAll();
      return 0;
    }

    @Override
    public void start() {}

    @Override
    public void stop() {}

    @Override
    public PortDeviceStats deviceStats() {
      return new PortDeviceStats(0, 0, 0, 0, 0, 0);
    }

    @Override
    public void close() {
      closed = true;
    }
  }
}
