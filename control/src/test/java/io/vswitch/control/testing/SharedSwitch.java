package io.vswitch.control.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import io.vswitch.control.plane.ConfigJson;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * One distributed switch of a multi-host test, as an operator reaches it: {@code vswitchctl --etcd
 * ENDPOINT --switch NAME ...} for the shared document and the host records, and the flags a host's
 * daemon joins it with. {@code dir} holds the documents written for {@code config set}.
 */
public record SharedSwitch(EtcdServer etcd, String name, Path dir) {

  /** {@code vswitchctl --etcd ENDPOINT --switch NAME ARGS}. */
  public Cli.Result ctl(String... args) {
    return Cli.run(List.of("--etcd", etcd.endpoint(), "--switch", name), args);
  }

  /** Writes {@code doc} as the shared config with {@code config set}; its new revision. */
  public long set(JsonNode doc) {
    Cli.Result r =
        ctl("config", "set", file("shared-" + System.nanoTime() + ".json", ConfigJson.write(doc)));
    assertEquals(0, r.code(), r.out() + r.err());
    return revisionOf(r);
  }

  /** Writes {@code content} to file {@code name} in {@code dir}; its path. */
  public String file(String name, String content) {
    try {
      return Files.writeString(dir.resolve(name), content).toString();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The revision a successful shared-config change printed ("... revision N ..."). */
  public static long revisionOf(Cli.Result r) {
    return Long.parseLong(r.out().trim().replaceAll("^.*revision ([0-9]+).*$", "$1"));
  }

  /** {@code config get} as JSON: the revision and the document. */
  public JsonNode config() {
    return json("config", "get");
  }

  /** {@code hosts} as JSON: every live host's record by host name. */
  public JsonNode hosts() {
    return json("hosts");
  }

  private JsonNode json(String... command) {
    String[] args = new String[command.length + 1];
    args[0] = "--json";
    System.arraycopy(command, 0, args, 1, command.length);
    Cli.Result r = ctl(args);
    assertEquals(0, r.code(), r.err());
    return HostCli.tree(r.out());
  }

  /**
   * The daemon flags that make a host (state under {@code home}) join this switch as {@code host},
   * its records under a lease of {@code leaseTtl} seconds.
   */
  public String[] hostFlags(Path home, String host, int leaseTtl) {
    return new String[] {
      "--state-dir",
      home.resolve("state").toString(),
      "--etcd",
      etcd.endpoint(),
      "--switch",
      name,
      "--host",
      host,
      "--etcd-lease-ttl",
      Integer.toString(leaseTtl)
    };
  }
}
