package io.vswitch.perf.architecture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The scanner itself, on classes planted for it: each way to use the raw layer is seen. */
class RawFfmReferencesTest {
  @TempDir static Path dir;
  static Path planted;

  /**
   * Compiles a stand-in raw layer, then classes that use it, into a separate directory: what a
   * module whose code reached past the thin layer would have in target/classes.
   */
  @BeforeAll
  static void compile() throws IOException {
    Path raw =
        write(
            "io/vswitch/ffm/raw/vswitch_shim_h.java",
            "package io.vswitch.ffm.raw; public class vswitch_shim_h {"
                + " public static int vs_api_version() { return 1; } }",
            "io/vswitch/ffm/raw/vs_port_info.java",
            "package io.vswitch.ffm.raw; public class vs_port_info {}");
    planted =
        write(
            "x/Call.java",
            "package x; class Call { int v() { return io.vswitch.ffm.raw.vswitch_shim_h"
                + ".vs_api_version(); } }",
            "x/FieldType.java",
            "package x; import io.vswitch.ffm.raw.vs_port_info;"
                + " class FieldType { vs_port_info info; }",
            "x/deeper/Generic.java",
            "package x.deeper; class Generic { java.util.List<io.vswitch.ffm.raw.vs_port_info> l; }",
            "x/Literal.java",
            "package x; class Literal { String s = \"io/vswitch/ffm/raw/vswitch_shim_h\"; }",
            "x/Clean.java",
            "package x; class Clean { Object o = java.lang.foreign.MemorySegment.NULL; }");
    compile(raw, raw);
    compile(planted, raw);
  }

  private static Path write(String... pathsAndSources) throws IOException {
    Path root = Files.createTempDirectory(dir, "src");
    for (int i = 0; i < pathsAndSources.length; i += 2) {
      Path file = root.resolve(pathsAndSources[i]);
      Files.createDirectories(file.getParent());
      Files.writeString(file, pathsAndSources[i + 1]);
    }
    return root;
  }

  private static void compile(Path sources, Path classPath) throws IOException {
    List<String> args =
        new java.util.ArrayList<>(List.of("-d", sources.toString(), "-cp", classPath.toString()));
    try (var files = Files.walk(sources)) {
      files.filter(f -> f.toString().endsWith(".java")).forEach(f -> args.add(f.toString()));
    }
    int rc =
        ToolProvider.getSystemJavaCompiler().run(null, null, null, args.toArray(String[]::new));
    assertEquals(0, rc, "javac");
  }

  private static Set<String> of(String classFile) throws IOException {
    return RawFfmReferences.in(Files.readAllBytes(planted.resolve(classFile)));
  }

  @Test
  void aCallIsSeen() throws IOException {
    assertEquals(Set.of("io.vswitch.ffm.raw.vswitch_shim_h"), of("x/Call.class"));
  }

  @Test
  void aFieldTypeAloneIsSeen() throws IOException {
    assertEquals(Set.of("io.vswitch.ffm.raw.vs_port_info"), of("x/FieldType.class"));
  }

  @Test
  void aTypeArgumentIsSeen() throws IOException {
    assertEquals(Set.of("io.vswitch.ffm.raw.vs_port_info"), of("x/deeper/Generic.class"));
  }

  @Test
  void aStringLiteralIsNoUse() throws IOException {
    assertTrue(of("x/Literal.class").isEmpty());
    assertTrue(of("x/Clean.class").isEmpty());
  }

  @Test
  void aTreeScanNamesEveryOffendingClass() {
    Map<String, Set<String>> found = RawFfmReferences.under(planted);
    assertEquals(
        Set.of("x/Call.class", "x/FieldType.class", "x/deeper/Generic.class"), found.keySet());
  }
}
