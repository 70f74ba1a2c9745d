package io.vswitch.dataplane.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.vswitch.dataplane.packet.PacketBatch;
import io.vswitch.dataplane.port.Port;
import io.vswitch.dataplane.port.PortDeviceStats;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class QueueAssignmentTest {

  /** A port that only has a shape: queue counts and a name. */
  record FakePort(String name, int index, int rxQueueCount) implements Port {
    public int txQueueCount() {
      return 1;
    }

    public int receive(int queue, PacketBatch batch) {
      return 0;
    }

    public int transmit(int queue, PacketBatch batch) {
      return 0;
    }

    public void start() {}

    public void stop() {}

    public PortDeviceStats deviceStats() {
      return new PortDeviceStats(0, 0, 0, 0, 0, 0);
    }

    public void close() {}
  }

  @Test
  void everyQueueIsPolledByExactlyOneWorker() {
    List<Port> ports =
        List.of(new FakePort("a", 0, 4), new FakePort("b", 1, 1), new FakePort("c", 2, 3));
    List<List<RxQueue>> assignment = QueueAssignment.assign(ports, 3);
    Set<String> seen = new HashSet<>();
    assignment.forEach(queues -> queues.forEach(q -> assertEquals(true, seen.add(q.toString()))));
    assertEquals(8, seen.size());
  }

  @Test
  void workersGetWithinOneQueueOfEachOther() {
    List<Port> ports = List.of(new FakePort("a", 0, 4), new FakePort("b", 1, 3));
    List<List<RxQueue>> assignment = QueueAssignment.assign(ports, 2);
    assertEquals(4, assignment.get(0).size());
    assertEquals(3, assignment.get(1).size());
  }

  @Test
  void rssQueuesOfOnePortGoToDifferentWorkersFirst() {
    List<Port> ports = List.of(new FakePort("nic", 0, 2), new FakePort("vm", 1, 1));
    List<List<RxQueue>> assignment = QueueAssignment.assign(ports, 2);
    assertEquals("[nic/0, vm/0]", assignment.get(0).toString());
    assertEquals("[nic/1]", assignment.get(1).toString());
  }

  @Test
  void moreWorkersThanQueuesLeavesSomeIdle() {
    List<List<RxQueue>> assignment = QueueAssignment.assign(List.of(new FakePort("a", 0, 1)), 3);
    assertEquals(List.of(1, 0, 0), assignment.stream().map(List::size).toList());
  }

  @Test
  void zeroWorkersIsRejected() {
    assertThrows(IllegalArgumentException.class, () -> QueueAssignment.assign(List.of(), 0));
  }
}
