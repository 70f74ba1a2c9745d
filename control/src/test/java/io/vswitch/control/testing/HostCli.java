package io.vswitch.control.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import io.vswitch.control.plane.ConfigJson;
import io.vswitch.dataplane.testing.Await;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One host of a multi-host test seen through {@code vswitchctl}: a host is the directory holding
 * its {@code state} dir. The distributed-switch tests read each host's metrics and JSON replies the
 * same way.
 */
public final class HostCli {
  private HostCli() {}

  /** {@code vswitchctl --state-dir HOST/state ARGS}. */
  public static Cli.Result ctl(Path host, String... args) {
    return Cli.run(List.of("--state-dir", host.resolve("state").toString()), args);
  }

  /** The value of the unlabelled metric {@code name} on {@code host}. */
  public static long metric(Path host, String name) {
    Cli.Result r = ctl(host, "metrics");
    assertEquals(0, r.code(), r.err());
    return r.out()
        .lines()
        .filter(l -> l.startsWith(name + " "))
        .mapToLong(l -> (long) Double.parseDouble(l.substring(name.length() + 1).trim()))
        .findFirst()
        .orElseThrow(() -> new AssertionError(name + " not in\n" + r.out()));
  }

  /** Waits (30 s at most) until {@code name} reads {@code value} on {@code host}. */
  public static void awaitMetric(Path host, String name, long value, SwitchProcess sw) {
    Await.until(
        name + " = " + value + " on " + host.getFileName() + "; output:\n" + sw.output(),
        Duration.ofSeconds(30),
        () -> metric(host, name) == value);
  }

  /** Where {@code host}'s FDB has {@code mac}, in any VLAN: the port names (empty: nowhere). */
  public static List<String> fdbPorts(Path host, String mac) {
    return fdbPorts(host, mac, -1);
  }

  /** Where {@code host}'s FDB has {@code mac} in {@code vlan} (-1: any): the port names. */
  public static List<String> fdbPorts(Path host, String mac, int vlan) {
    Cli.Result r = ctl(host, "--json", "dump-fdb");
    assertEquals(0, r.code(), r.err());
    List<String> ports = new ArrayList<>();
    for (JsonNode e : tree(r.out())) {
      if (e.path("mac").asText().equalsIgnoreCase(mac)
          && (vlan < 0 || e.path("vlan").asInt() == vlan)) {
        ports.add(e.path("port").asText());
      }
    }
    return ports;
  }

  /** {@code json} parsed, or an assertion error that shows it. */
  public static JsonNode tree(String json) {
    try {
      return ConfigJson.MAPPER.readTree(json);
    } catch (IOException e) {
      throw new AssertionError("not JSON: " + json, e);
    }
  }

  /** How often {@code what} occurs in {@code text}. */
  public static int count(String text, String what) {
    int n = 0;
    for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1)) {
      n++;
    }
    return n;
  }
}
