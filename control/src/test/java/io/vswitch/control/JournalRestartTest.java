package io.vswitch.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vswitch.control.cli.VswitchCtl;
import io.vswitch.control.plane.Journal;
import io.vswitch.control.testing.SwitchProcess;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The daemon's start-up with a damaged journal, and kill -9 in the middle of a stream of changes.
 */
class JournalRestartTest {
  @TempDir Path dir;
  private Path state;
  private String api;
  private SwitchProcess daemon;
  private final String tag = "jr" + ProcessHandle.current().pid() % 10000;

  @BeforeEach
  void ports() throws Exception {
    state = dir.resolve("state");
    try (ServerSocket free = new ServerSocket(0)) {
      api = "127.0.0.1:" + free.getLocalPort();
    }
  }

  @AfterEach
  void stop() {
    if (daemon != null) {
      daemon.close();
    }
  }

  private String config() {
    return """
        eal: {hugepages: "off"}
        workers: {cores: [-1], idle: backoff}
        port-groups:
          - {name: v10, vlan: {mode: access, id: 10}}
        ports:
          - {name: a, devargs: "net_null_%sa,no-rx=1", port-group: v10}
        """
        .formatted(tag);
  }

  private SwitchProcess start(String... extra) {
    String[] args =
        Stream.concat(Stream.of("--state-dir", state.toString(), "--api", api), Stream.of(extra))
            .toArray(String[]::new);
    return SwitchProcess.start(dir, config(), args);
  }

  private int ctl(String... args) {
    CommandLine cli =
        new CommandLine(new VswitchCtl())
            .setOut(new PrintWriter(new StringWriter()))
            .setErr(new PrintWriter(new StringWriter()));
    String[] all =
        Stream.concat(
                Stream.of("--api", "http://" + api, "--state-dir", state.toString()),
                Stream.of(args))
            .toArray(String[]::new);
    return cli.execute(all);
  }

  private String show() {
    StringWriter out = new StringWriter();
    new CommandLine(new VswitchCtl())
        .setOut(new PrintWriter(out))
        .execute("--api", "http://" + api, "--state-dir", state.toString(), "--json", "show");
    return out.toString();
  }

  @Test
  void aShortenedJournalIsRefusedInOneLineAndResetKeepsTheDamagedFiles() throws Exception {
    try (Journal journal = new Journal(state)) {
      for (int i = 1; i <= 5; i++) {
        journal.append("test", "change " + i, "{}");
      }
    }
    Path log = state.resolve("journal.log");
    long length = Files.size(log);
    try (FileChannel ch = FileChannel.open(log, StandardOpenOption.WRITE)) {
      ch.truncate(length / 2); // an older, shorter copy
    }
    daemon = start();
    assertEquals(VswitchMain.EXIT_CONFIG, daemon.waitForExit(), daemon.output());
    List<String> errors = daemon.errorLines();
    assertEquals(1, errors.size(), daemon.output());
    assertTrue(errors.getFirst().startsWith("vswitch: error: journal "), errors.getFirst());
    assertTrue(errors.getFirst().contains("5 changes were acknowledged"), errors.getFirst());
    assertTrue(errors.getFirst().contains("--reset-journal"), errors.getFirst());
    assertEquals(length / 2, Files.size(log), "a refused start changes nothing");

    daemon = start("--reset-journal").awaitRunning();
    assertTrue(daemon.output().contains("vswitch: warning: journal "), daemon.output());
    try (Stream<Path> files = Files.list(state)) {
      List<String> names = files.map(p -> p.getFileName().toString()).toList();
      assertTrue(names.stream().anyMatch(n -> n.startsWith("journal.log.damaged-")), "" + names);
      assertTrue(names.stream().anyMatch(n -> n.startsWith("journal.meta.damaged-")), "" + names);
    }
    assertTrue(show().contains("\"name\":\"a\""));
    assertEquals(0, daemon.stop());
  }

  @Test
  void killMinusNineDuringAStreamOfChangesLosesNoAcknowledgedOne() throws Exception {
    Random random = new Random(16);
    List<String> acknowledged = new CopyOnWriteArrayList<>();
    int next = 0;
    int torn = 0;
    daemon = start().awaitRunning();
    for (int round = 0; round < 3; round++) {
      AtomicBoolean stop = new AtomicBoolean();
      int first = next + 1;
      Thread changes =
          new Thread(
              () -> {
                for (int i = first; !stop.get(); i++) {
                  String rule =
                      "{\"priority\":%d,\"action\":\"deny\",\"protocol\":\"tcp\",\"dst-port\":\"%d\"}"
                          .formatted(i, i);
                  if (ctl("add-acl-rule", "in", rule) == 0) {
                    acknowledged.add(Integer.toString(i));
                  } else if (!stop.get()) {
                    throw new AssertionError("rule " + i + " refused while running");
                  }
                }
              });
      changes.start();
      Thread.sleep(400 + random.nextInt(1200));
      stop.set(true);
      daemon.kill(); // SIGKILL while a change is (most likely) in flight
      changes.join();
      next = first + 500;
      daemon = start().awaitRunning();
      assertTrue(daemon.errorLines().isEmpty(), daemon.output());
      torn += daemon.output().contains("dropped a torn last record") ? 1 : 0;
      String shown = show();
      for (String priority : acknowledged) {
        assertTrue(
            Pattern.compile("\"priority\":" + priority + "\\b").matcher(shown).find(),
            "rule " + priority + " lost: " + shown);
      }
    }
    assertTrue(acknowledged.size() >= 3, "changes were made: " + acknowledged);
    System.out.printf(
        "kill -9 x3: %d acknowledged changes all restored; %d torn tails recovered%n",
        acknowledged.size(), torn);
    assertEquals(0, daemon.stop());
  }
}
