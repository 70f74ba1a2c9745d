package io.vswitch.perf.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JfrAllocationTest {
  @Test
  void bytesPerPacketSumsThreadsRates() {
    var samples =
        Map.of(
            "vswitch-worker0",
            List.of(new JfrAllocation.Sample(0, 1000), new JfrAllocation.Sample(2000, 21000)),
            "vswitch-worker1",
            List.of(new JfrAllocation.Sample(0, 0), new JfrAllocation.Sample(1000, 0)));
    // 10,000 B/s at 1,000 packets/s
    assertEquals(10.0, JfrAllocation.bytesPerPacket(samples, 1000), 1e-9);
  }

  @Test
  void tooFewSamplesIsUnknown() {
    var samples = Map.of("w", List.of(new JfrAllocation.Sample(0, 10)));
    assertTrue(Double.isNaN(JfrAllocation.bytesPerPacket(samples, 1000)));
    assertTrue(
        Double.isNaN(JfrAllocation.bytesPerPacket(Path.of("/nonexistent.jfr"), "w", 0, 1, 1)));
  }
}
