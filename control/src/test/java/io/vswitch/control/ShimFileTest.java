package io.vswitch.control;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vswitch.control.testing.SwitchProcess;
import io.vswitch.dataplane.testing.FrameBuilder;
import io.vswitch.dataplane.testing.Pcap;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A switch run from jars copies the C shim out of the ffm-bindings jar to load it. The copy must
 * not outlive the load: a switch killed with SIGKILL runs no exit hook, and each such kill left a
 * 100 KB file in /tmp (1,466 of them on one test machine).
 */
class ShimFileTest {
  @TempDir Path dir;

  @Test
  void aRunningSwitchKeepsNoCopyOfTheShimOnDisk() throws Exception {
    Path in = dir.resolve("in.pcap");
    Pcap.write(in, List.of(FrameBuilder.frame().etherType(0x0800).payloadLength(46).build()));
    String config =
        """
        eal: {hugepages: "off"}
        workers: {cores: [-1], idle: backoff}
        ports:
          - {name: in, type: pcap-file, rx-file: %s, loop: true}
          - {name: out, type: pcap-file, tx-file: %s}
        """
            .formatted(in, dir.resolve("out.pcap"));
    boolean fromJar = System.getProperty("java.class.path").contains("ffm-bindings-");
    try (SwitchProcess sw = SwitchProcess.start(dir, config).awaitRunning()) {
      List<String> shim =
          Files.readAllLines(Path.of("/proc", "" + sw.pid(), "maps")).stream()
              .filter(l -> l.contains("libvswitch_shim"))
              .toList();
      assertFalse(shim.isEmpty(), "the shim is mapped");
      for (String mapping : shim) {
        if (fromJar) {
          assertTrue(mapping.endsWith("(deleted)"), "an extracted copy still on disk: " + mapping);
        } else {
          assertFalse(
              mapping.contains(System.getProperty("java.io.tmpdir") + "/libvswitch_shim"),
              "loaded from the build's own file, not a copy: " + mapping);
        }
      }
      sw.kill();
    }
  }
}
