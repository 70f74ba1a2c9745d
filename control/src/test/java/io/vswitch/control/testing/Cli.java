package io.vswitch.control.testing;

import io.vswitch.control.cli.VswitchCtl;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;

/** vswitchctl run in-process, as the operator runs it: exit code, stdout and stderr. */
public final class Cli {
  private Cli() {}

  public record Result(int code, String out, String err) {}

  /** Runs vswitchctl with {@code leading} (e.g. --state-dir DIR) before {@code args}. */
  public static Result run(List<String> leading, String... args) {
    List<String> all = new ArrayList<>(leading);
    all.addAll(List.of(args));
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code =
        VswitchCtl.run(all.toArray(String[]::new), new PrintWriter(out), new PrintWriter(err));
    return new Result(code, out.toString(), err.toString());
  }
}
