package io.vswitch.dataplane.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CounterFileTest {
  @TempDir Path dir;

  @Test
  void readerSeesTheSumOfEveryWorkersSlot() {
    Path file = dir.resolve("counters");
    try (CounterFile writer = CounterFile.create(file, 2, List.of("uplink", "vm1", "vm2"))) {
      writer.slot(0, 1).add(PortCounter.RX_PACKETS, 5);
      writer.slot(1, 1).add(PortCounter.RX_PACKETS, 7);
      writer.slot(1, 1).add(PortCounter.RX_PACKETS, 1);
      writer.slot(0, 2).addDrop(DropReason.TX_QUEUE_FULL, 3);
      writer.slot(1, 2).addDrop(DropReason.NO_EGRESS, 4);

      try (CounterFile reader = CounterFile.open(file)) {
        assertEquals(List.of("uplink", "vm1", "vm2"), reader.portNames());
        assertEquals(2, reader.workers());
        assertEquals(13, reader.sum(1, PortCounter.RX_PACKETS));
        assertEquals(0, reader.sum(0, PortCounter.RX_PACKETS));
        assertEquals(0, reader.sum(1, PortCounter.TX_PACKETS));
        assertEquals(3, reader.sum(2, DropReason.TX_QUEUE_FULL));
        assertEquals(7, reader.drops(2));
      }
    }
  }

  @Test
  void slotsDoNotShareACacheLine() {
    assertEquals(0, CounterFile.SLOT_BYTES % 64);
  }

  @Test
  void aFileThatIsNotACounterFileIsRefused() throws Exception {
    Path junk = dir.resolve("junk");
    Files.write(junk, new byte[128]);
    assertThrows(IllegalStateException.class, () -> CounterFile.open(junk));
  }
}
