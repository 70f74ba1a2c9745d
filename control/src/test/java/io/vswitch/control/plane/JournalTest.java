package io.vswitch.control.plane;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JournalTest {
  @TempDir Path dir;

  @Test
  void changesSurviveReopeningInOrder() {
    try (Journal journal = new Journal(dir)) {
      assertTrue(journal.latest().isEmpty());
      journal.append("test", "first", "{\"a\":1}");
      journal.append("test", "second", "{\"a\":2}");
    }
    try (Journal journal = new Journal(dir)) {
      assertEquals("second", journal.latest().orElseThrow().description());
      assertEquals("{\"a\":2}", journal.latest().orElseThrow().config());
      assertEquals(3, journal.append("test", "third", "{}").sequence());
      assertEquals(
          java.util.List.of("first", "second", "third"),
          journal.history().stream().map(ChangeRecord::description).toList());
    }
  }

  @Test
  void appendsFromAnotherThreadWork() throws Exception {
    try (Journal journal = new Journal(dir)) {
      journal.append("main", "from main", "{}");
      Thread t = new Thread(() -> journal.append("control", "from control", "{}"));
      t.start();
      t.join();
      assertEquals(2, journal.history().size());
    }
  }
}
