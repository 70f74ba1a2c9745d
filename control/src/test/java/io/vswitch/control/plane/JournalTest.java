package io.vswitch.control.plane;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
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
      assertTrue(journal.recoveryWarning().isEmpty());
      assertEquals("second", journal.latest().orElseThrow().description());
      assertEquals("{\"a\":2}", journal.latest().orElseThrow().config());
      assertEquals(3, journal.append("test", "third", "{}").sequence());
      assertEquals(
          List.of("first", "second", "third"),
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

  @Test
  void oddTextRoundTrips() {
    String config = "{\"name\":\"a\\nb\",\"x\":\"VSWJ 12 00000000\\n\",\"u\":\"\u00e9\u4e2d\"}";
    try (Journal journal = new Journal(dir)) {
      journal.append("src\nwith newline", "VSWJ 1 deadbeef\n", config);
    }
    try (Journal journal = new Journal(dir)) {
      ChangeRecord r = journal.latest().orElseThrow();
      assertEquals(config, r.config());
      assertEquals("VSWJ 1 deadbeef\n", r.description());
      assertEquals("src\nwith newline", r.source());
    }
  }

  @Test
  void aSecondOpenOfTheSameJournalIsRefusedInOneLine() {
    try (Journal journal = new Journal(dir)) {
      journal.append("t", "held", "{}");
      JournalException e = assertThrows(JournalException.class, () -> new Journal(dir));
      assertTrue(e.getMessage().contains("in use by another process"), e.getMessage());
      assertFalse(e.lostChanges(), "not damage: --reset-journal must not apply");
    }
  }

  /** The state after a crash while writing the last record: all of it but the last, cut. */
  @Test
  void tornLastRecordAtEveryByteRecoversThePreviousOne() throws IOException {
    Snapshots s = snapshots(3, 4);
    byte[] before = s.log(3);
    byte[] after = s.log(4);
    for (int cut = before.length + 1; cut < after.length; cut++) {
      Path d = fresh("cut" + cut);
      Files.write(d.resolve(Journal.LOG), Arrays.copyOf(after, cut));
      Files.write(d.resolve(JournalMeta.FILE), s.meta(3)); // #4 was never acknowledged
      try (Journal journal = new Journal(d)) {
        assertEquals(3, journal.latest().orElseThrow().sequence(), "cut at " + cut);
        String warning = journal.recoveryWarning().orElseThrow();
        assertTrue(
            warning.contains("dropped a torn last record (" + (cut - before.length) + " bytes"),
            warning);
        assertTrue(warning.contains("record #4"), warning);
        assertEquals(4, journal.append("t", "again", "{\"v\":4}").sequence());
      }
      try (Journal journal = new Journal(d)) {
        assertTrue(journal.recoveryWarning().isEmpty(), "recovered once, whole since");
        assertEquals(4, journal.history().size());
      }
      try (Stream<Path> files = Files.list(d)) {
        assertTrue(files.anyMatch(p -> p.getFileName().toString().startsWith("journal.log.torn-")));
      }
    }
  }

  /** Power loss: the file grew but the last record's blocks came back as zeros or garbage. */
  @Test
  void zeroedOrGarbageTailAfterTheLastAcknowledgedRecordIsDropped() throws IOException {
    Snapshots s = snapshots(3, 4);
    byte[] after = s.log(4);
    for (byte fill : new byte[] {0, (byte) 0xff, 'x'}) {
      for (int from : new int[] {s.log(3).length, s.log(3).length + 20, after.length - 1}) {
        Path d = fresh("fill" + fill + "_" + from);
        byte[] damaged = after.clone();
        Arrays.fill(damaged, from, damaged.length, fill);
        Files.write(d.resolve(Journal.LOG), damaged);
        Files.write(d.resolve(JournalMeta.FILE), s.meta(3));
        try (Journal journal = new Journal(d)) {
          assertEquals(3, journal.latest().orElseThrow().sequence());
          assertTrue(journal.recoveryWarning().isPresent());
        }
      }
    }
  }

  @Test
  void theLastRecordWrittenButNotItsMarkerIsKept() throws IOException {
    Snapshots s = snapshots(3, 4);
    Files.write(dir.resolve(Journal.LOG), s.log(4));
    Files.write(dir.resolve(JournalMeta.FILE), s.meta(3)); // killed between the two fsyncs
    try (Journal journal = new Journal(dir)) {
      assertEquals(4, journal.latest().orElseThrow().sequence());
      assertTrue(journal.recoveryWarning().isEmpty());
    }
    assertEquals(4, JournalMeta.read(dir).orElseThrow().sequence(), "marker caught up");
  }

  @Test
  void cuttingAnAcknowledgedRecordIsRefusedAndResetKeepsTheFiles() throws IOException {
    Snapshots s = snapshots(3, 4);
    byte[] after = s.log(4);
    for (int cut = 0; cut < after.length; cut++) {
      Path d = fresh("ack" + cut);
      Files.write(d.resolve(Journal.LOG), Arrays.copyOf(after, cut));
      Files.write(d.resolve(JournalMeta.FILE), s.meta(4));
      JournalException e = assertThrows(JournalException.class, () -> new Journal(d).close());
      assertTrue(e.lostChanges());
      assertTrue(e.getMessage().contains("the last acknowledged change was #4"), e.getMessage());
      assertOneLine(e.getMessage());
      if (cut == after.length - 1) {
        assertSetAsideStartsEmpty(d, after, cut);
      }
    }
  }

  @Test
  void aFlippedByteAnywhereIsRefusedNamingItsRecord() throws IOException {
    Snapshots s = snapshots(1, 2, 3);
    byte[] log = s.log(3);
    int[] ends = {s.log(1).length, s.log(2).length, log.length};
    for (int at = 0; at < log.length; at++) {
      int record = at < ends[0] ? 1 : at < ends[1] ? 2 : 3;
      for (int bit : new int[] {0x01, 0x80}) {
        Path d = fresh("flip" + at + "_" + bit);
        byte[] damaged = log.clone();
        damaged[at] ^= (byte) bit;
        Files.write(d.resolve(Journal.LOG), damaged);
        Files.write(d.resolve(JournalMeta.FILE), s.meta(3));
        JournalException e = assertThrows(JournalException.class, () -> new Journal(d).close());
        assertTrue(e.lostChanges());
        assertTrue(
            e.getMessage().contains("record #" + record + " at byte"),
            "byte " + at + ": " + e.getMessage());
        assertOneLine(e.getMessage());
      }
    }
  }

  @Test
  void damageFollowedByIntactRecordsIsNotATornTail() throws IOException {
    Snapshots s = snapshots(1, 3);
    byte[] damaged = s.log(3).clone();
    damaged[s.log(1).length + 30] ^= 0x04; // in record #2
    Files.write(dir.resolve(Journal.LOG), damaged);
    Files.write(dir.resolve(JournalMeta.FILE), s.meta(1)); // an older marker
    JournalException e = assertThrows(JournalException.class, () -> new Journal(dir));
    assertTrue(e.getMessage().contains("record #2"), e.getMessage());
    assertTrue(e.getMessage().contains("intact records follow"), e.getMessage());
  }

  @Test
  void aMissingShorterOrReplacedJournalIsRefused() throws IOException {
    Snapshots s = snapshots(2, 3);
    Snapshots other = snapshots(3);

    Path deleted = fresh("deleted");
    Files.write(deleted.resolve(JournalMeta.FILE), s.meta(3));
    assertRefused(deleted, "is missing; it held 3 acknowledged changes");

    Path earlier = fresh("earlier"); // an older copy of the journal put back
    Files.write(earlier.resolve(Journal.LOG), s.log(2));
    Files.write(earlier.resolve(JournalMeta.FILE), s.meta(3));
    assertRefused(earlier, "shorter than it was");

    Path replaced = fresh("replaced"); // another journal with as many records
    Files.write(replaced.resolve(Journal.LOG), other.log(3));
    Files.write(replaced.resolve(JournalMeta.FILE), s.meta(3));
    assertRefused(replaced, "the journal was replaced");

    Path noMeta = fresh("nometa");
    Files.write(noMeta.resolve(Journal.LOG), s.log(3));
    assertRefused(noMeta, "journal.meta is missing");

    Path badMeta = fresh("badmeta");
    Files.write(badMeta.resolve(Journal.LOG), s.log(3));
    byte[] meta = s.meta(3);
    meta[30] ^= 1;
    Files.write(badMeta.resolve(JournalMeta.FILE), meta);
    assertRefused(badMeta, "is damaged");

    Path chronicle = fresh("chronicle");
    Files.createDirectories(chronicle.resolve("journal"));
    Files.write(chronicle.resolve("journal/20261201F.cq4"), new byte[] {1, 2, 3});
    assertRefused(chronicle, "old Chronicle Queue format");
    assertSetAsideStartsEmpty(chronicle, null, 0);
  }

  @Test
  void thousandsOfRecordsReadBackAndATornTailOfThemRecovers() throws IOException {
    Snapshots s = snapshots(1023, 1024);
    try (Journal journal = new Journal(s.dir())) {
      assertEquals(1024, journal.history().size());
      assertEquals("{\"v\":1024}", journal.latest().orElseThrow().config());
    }
    byte[] after = s.log(1024);
    Files.write(dir.resolve(Journal.LOG), Arrays.copyOf(after, after.length - 7));
    Files.write(dir.resolve(JournalMeta.FILE), s.meta(1023));
    try (Journal journal = new Journal(dir)) {
      assertEquals(1023, journal.history().size());
      assertTrue(journal.recoveryWarning().orElseThrow().contains("record #1024"));
    }
  }

  /**
   * A process appending in a loop, killed with SIGKILL at random moments: every change it was told
   * was written is there after each restart, and the journal always opens.
   */
  @Test
  void killMinusNineWhileAppendingNeverLosesAnAcknowledgedChange() throws Exception {
    Path d = fresh("kill");
    Random random = new Random(11);
    long acknowledged = 0;
    for (int round = 0; round < 8; round++) {
      Process child =
          new ProcessBuilder(
                  Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                  "-cp",
                  System.getProperty("java.class.path"),
                  JournalWriter.class.getName(),
                  d.toString())
              .redirectError(ProcessBuilder.Redirect.INHERIT)
              .start();
      BufferedReader out =
          new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
      long killAt = acknowledged + 5 + random.nextInt(60);
      String line;
      while ((line = out.readLine()) != null) {
        long sequence = Long.parseLong(line.substring("ack ".length()));
        assertEquals(acknowledged + 1, sequence, "no acknowledged change lost before this one");
        acknowledged = sequence;
        if (sequence >= killAt) {
          Thread.sleep(random.nextInt(3)); // somewhere inside the next append
          child.destroyForcibly(); // SIGKILL
          break;
        }
      }
      assertTrue(child.waitFor(30, TimeUnit.SECONDS));
      try (Journal journal = new Journal(d)) {
        List<ChangeRecord> history = journal.history();
        assertTrue(
            history.size() >= acknowledged,
            "round " + round + ": " + history.size() + " < " + acknowledged);
        for (ChangeRecord r : history) {
          assertEquals(JournalWriter.config(r.sequence()), r.config());
        }
        acknowledged = history.size(); // the next child continues from what is there
      }
    }
    assertTrue(acknowledged > 40, "the loop ran: " + acknowledged);
  }

  /** Test child: appends changes until killed, printing "ack N" after each append returns. */
  public static final class JournalWriter {
    static String config(long n) {
      return "{\"vlan\":"
          + (n % 4094 + 1)
          + ",\"pad\":\""
          + "p".repeat((int) (n * 37 % 3000))
          + "\"}";
    }

    public static void main(String[] args) {
      try (Journal journal = new Journal(Path.of(args[0]))) {
        long next = journal.latest().map(ChangeRecord::sequence).orElse(0L) + 1;
        for (int i = 0; i < 10_000; i++, next++) {
          ChangeRecord r = journal.append("writer", "change " + next, config(next));
          System.out.println("ack " + r.sequence());
          System.out.flush();
        }
      }
    }
  }

  private void assertSetAsideStartsEmpty(Path d, byte[] originalLog, int cut) throws IOException {
    List<Path> moved = Journal.setAside(d);
    assertFalse(moved.isEmpty());
    for (Path p : moved) {
      assertTrue(Files.exists(p), p.toString());
      assertTrue(p.getFileName().toString().contains(".damaged-"), p.toString());
    }
    if (originalLog != null) {
      Path log =
          moved.stream()
              .filter(p -> p.getFileName().toString().startsWith(Journal.LOG))
              .findFirst()
              .orElseThrow();
      assertTrue(Arrays.equals(Arrays.copyOf(originalLog, cut), Files.readAllBytes(log)));
    }
    try (Journal journal = new Journal(d)) {
      assertTrue(journal.latest().isEmpty());
      assertEquals(1, journal.append("t", "fresh", "{}").sequence());
    }
  }

  private void assertRefused(Path d, String expected) {
    JournalException e = assertThrows(JournalException.class, () -> new Journal(d).close());
    assertTrue(e.lostChanges(), e.getMessage());
    assertTrue(e.getMessage().contains(expected), e.getMessage());
    assertTrue(e.getMessage().startsWith("journal"), e.getMessage());
    assertOneLine(e.getMessage());
  }

  private static void assertOneLine(String message) {
    if (message.contains("\n")) {
      fail("more than one line: " + message);
    }
  }

  private Path fresh(String name) throws IOException {
    return Files.createDirectories(dir.resolve(name));
  }

  /** A journal's log and marker after each of the given numbers of records. */
  private record Snapshots(Path dir, List<Long> counts, List<byte[]> logs, List<byte[]> metas) {
    byte[] log(long count) {
      return logs.get(counts.indexOf(count));
    }

    byte[] meta(long count) {
      return metas.get(counts.indexOf(count));
    }
  }

  private Snapshots snapshots(long... counts) throws IOException {
    Path d = Files.createTempDirectory(dir, "snap");
    List<Long> at = new ArrayList<>();
    List<byte[]> logs = new ArrayList<>();
    List<byte[]> metas = new ArrayList<>();
    try (Journal journal = new Journal(d)) {
      long n = 0;
      for (long count : counts) {
        while (n < count) {
          n++;
          journal.append("test", "change " + n, "{\"v\":" + n + "}");
        }
        at.add(count);
        logs.add(Files.readAllBytes(d.resolve(Journal.LOG)));
        metas.add(Files.readAllBytes(d.resolve(JournalMeta.FILE)));
      }
    }
    return new Snapshots(d, at, logs, metas);
  }
}
