package io.vswitch.control.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Prometheus's own tools from the Debian package {@code prometheus} (scripts/install-deps.sh
 * installs it): {@code promtool check metrics}, the linter of the exposition format and of the
 * naming conventions, and the server itself for the scrape test. Without them a test skips when not
 * root (it could not install them) and fails as root, where install-deps.sh should have.
 */
public final class Promtool {
  public static final Path PROMTOOL = Path.of("/usr/bin/promtool");
  public static final Path PROMETHEUS = Path.of("/usr/bin/prometheus");

  private Promtool() {}

  /** Skips (not root) or fails (root) the test when {@code binary} is not installed. */
  public static void require(Path binary) {
    if (Files.isExecutable(binary)) {
      return;
    }
    String why = binary + " not installed (Debian package prometheus; scripts/install-deps.sh)";
    boolean root = "root".equals(System.getProperty("user.name"));
    if (root) {
      throw new AssertionError(why);
    }
    Assumptions.abort(why + ", and not root to install it");
  }

  /** What {@code promtool check metrics} finds wrong with {@code exposition}: empty when clean. */
  public static List<String> check(String exposition) {
    require(PROMTOOL);
    try {
      Process p =
          new ProcessBuilder(PROMTOOL.toString(), "check", "metrics")
              .redirectErrorStream(true)
              .start();
      try (var in = p.getOutputStream()) {
        in.write(exposition.getBytes(StandardCharsets.UTF_8));
      }
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new AssertionError("promtool did not finish");
      }
      if (p.exitValue() != 0 && out.isBlank()) {
        return List.of("promtool exit " + p.exitValue());
      }
      return out.lines().filter(l -> !l.isBlank()).toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
