package io.vswitch.perf.architecture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The raw, jextract-shaped bindings (io.vswitch.ffm.raw) are ffm-bindings' own: every other module
 * goes through the thin layer (io.vswitch.ffm: {@code Mbuf}, {@code EthPort}, {@code Mempool},
 * ...), which is documented, checked and stable across shim versions. Checked on the compiled
 * classes of every other module, main and test. It lives in perf, the last module of the reactor,
 * so that every module's classes are compiled when it runs.
 */
class ArchitectureTest {
  private static final List<String> MODULES = List.of("dataplane", "control", "perf");

  private static Path root() {
    Path module = Path.of(System.getProperty("basedir", System.getProperty("user.dir")));
    Path root = module.toAbsolutePath().getParent();
    assertTrue(Files.isDirectory(root.resolve("ffm-bindings")), "project root " + root);
    return root;
  }

  @Test
  void onlyTheThinFfmLayerUsesTheRawBindings() {
    Path root = root();
    Map<String, Set<String>> violations = new TreeMap<>();
    for (String module : MODULES) {
      for (String output : List.of("target/classes", "target/test-classes")) {
        Path dir = root.resolve(module).resolve(output);
        assertTrue(Files.isDirectory(dir), dir + " missing: build the modules first");
        RawFfmReferences.under(dir).forEach((c, raw) -> violations.put(module + ": " + c, raw));
      }
    }
    assertEquals(
        Map.of(),
        violations,
        "classes outside io.vswitch.ffm use io.vswitch.ffm.raw: add a thin method to"
            + " io.vswitch.ffm instead (or `mvn clean` if the class is gone from the source)");
  }

  /** The check would see a use: the thin layer's own classes show up as users. */
  @Test
  void theThinLayerIsSeenUsingThem() {
    Path ffm = root().resolve("ffm-bindings/target/classes");
    Map<String, Set<String>> users = RawFfmReferences.under(ffm);
    assertEquals(
        Set.of("io.vswitch.ffm.raw.vswitch_shim_h"), users.get("io/vswitch/ffm/Mbuf.class"));
    assertTrue(users.containsKey("io/vswitch/ffm/EthPort.class"));
  }
}
