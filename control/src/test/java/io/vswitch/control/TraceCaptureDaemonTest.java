package io.vswitch.control;

import static io.vswitch.dataplane.testing.FrameBuilder.frame;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vswitch.control.testing.Cli;
import io.vswitch.control.testing.SwitchProcess;
import io.vswitch.dataplane.testing.IpPackets;
import io.vswitch.dataplane.testing.Pcap;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Trace and capture through the daemon and vswitchctl: a looped capture file feeds a port whose ACL
 * denies UDP to port 53; the trace names the rule that dropped, and a capture of what leaves the
 * other port is a file tcpdump reads.
 */
class TraceCaptureDaemonTest {
  @TempDir Path dir;

  private static Cli.Result ctl(String api, Path state, String... args) {
    return Cli.run(List.of("--api", "http://" + api, "--state-dir", state.toString()), args);
  }

  @Test
  void traceNamesTheDenyingRuleAndACaptureIsAFileTcpdumpReads() throws Exception {
    byte[] web =
        frame()
            .src("02:00:00:00:00:01")
            .dst("ff:ff:ff:ff:ff:ff")
            .etherType(0x0800)
            .payload(IpPackets.ipv4("10.9.0.1", "10.9.0.2", IpPackets.TCP, 40000, 80, 0x10))
            .build();
    byte[] dns =
        frame()
            .src("02:00:00:00:00:01")
            .dst("ff:ff:ff:ff:ff:ff")
            .etherType(0x0800)
            .payload(IpPackets.ipv4("10.9.0.1", "10.9.0.2", IpPackets.UDP, 5353, 53, 0))
            .build();
    Path in = dir.resolve("in.pcap");
    Pcap.write(in, List.of(web, dns));
    Path state = dir.resolve("state");
    String api;
    try (ServerSocket free = new ServerSocket(0)) {
      api = "127.0.0.1:" + free.getLocalPort();
    }
    String config =
        """
        eal: {hugepages: "off"}
        workers: {cores: [-1], idle: backoff}
        acls:
          - name: no-dns
            default: allow
            rules:
              - {priority: 10, action: deny, protocol: udp, dst-port: 53}
        port-groups:
          - {name: v10, vlan: {mode: access, id: 10}, acl: {ingress: no-dns}}
        ports:
          - {name: in, type: pcap-file, rx-file: %s, loop: true, port-group: v10}
          - {name: out, type: pcap-file, tx-file: %s, port-group: v10}
        """
            .formatted(in, dir.resolve("out.pcap"));
    try (SwitchProcess sw =
        SwitchProcess.start(dir, config, "--state-dir", state.toString(), "--api", api)
            .awaitRunning()) {
      Cli.Result trace = ctl(api, state, "trace", "in", "--count", "5", "--timeout", "20");
      assertEquals(0, trace.code(), trace.err() + trace.out());
      assertEquals(5, count(trace.out(), "packet "), trace.out());
      assertTrue(trace.out().contains("acl no-dns: rule 0 (priority 10), deny"), trace.out());
      assertTrue(trace.out().contains("acl_ingress_deny (by acl_in)"), trace.out());
      assertTrue(trace.out().contains("forward   flood -> out"), trace.out());
      assertTrue(trace.out().contains("transmit  out"), trace.out());

      Cli.Result json = ctl(api, state, "--json", "trace", "in", "--count", "2");
      assertEquals(0, json.code(), json.err());
      assertTrue(json.out().contains("\"recorded\":2"), json.out());

      Path file = dir.resolve("cap.pcap");
      Cli.Result capture =
          ctl(
              api,
              state,
              "capture",
              "out",
              "--direction",
              "out",
              "--count",
              "20",
              "--filter",
              "tcp and port 80",
              "--timeout",
              "20",
              "-w",
              file.toString());
      assertEquals(0, capture.code(), capture.err());
      assertTrue(capture.err().contains("20 frames captured"), capture.err());
      Process tcpdump =
          new ProcessBuilder("tcpdump", "-n", "-r", file.toString())
              .redirectErrorStream(true)
              .start();
      String read = new String(tcpdump.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertTrue(tcpdump.waitFor(30, TimeUnit.SECONDS));
      assertEquals(0, tcpdump.exitValue(), read);
      assertEquals(20, count(read, "10.9.0.1.40000 > 10.9.0.2.80"), read);
      assertEquals(0, count(read, ".53:"), "the filter kept DNS out: " + read);

      Path ng = dir.resolve("cap.pcapng");
      Cli.Result pcapng =
          ctl(
              api,
              state,
              "capture",
              "out",
              "--direction",
              "both",
              "--count",
              "6",
              "--pcapng",
              "-w",
              ng.toString());
      assertEquals(0, pcapng.code(), pcapng.err());
      Process ngDump =
          new ProcessBuilder("tcpdump", "-n", "-r", ng.toString())
              .redirectErrorStream(true)
              .start();
      String ngRead = new String(ngDump.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertTrue(ngDump.waitFor(30, TimeUnit.SECONDS));
      assertEquals(0, ngDump.exitValue(), ngRead);
      assertEquals(6, count(ngRead, "10.9.0.1.40000 > 10.9.0.2.80"), ngRead);

      // -w -: the pcap on stdout, piped into tcpdump -r - (the command line in its own JVM)
      String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      List<String> ctl =
          List.of(
              javaBin,
              "-cp",
              System.getProperty("java.class.path"),
              "io.vswitch.control.cli.VswitchCtl",
              "--api",
              "http://" + api,
              "--state-dir",
              state.toString(),
              "capture",
              "in",
              "--count",
              "10",
              "--filter",
              "udp and port 53",
              "-w",
              "-");
      List<String> pipeline =
          new java.util.ArrayList<>(List.of("sh", "-c", "\"$@\" | tcpdump -n -r -", "sh"));
      pipeline.addAll(ctl);
      Process stdout = new ProcessBuilder(pipeline).start();
      String dumped = new String(stdout.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      String errors = new String(stdout.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
      assertTrue(stdout.waitFor(60, TimeUnit.SECONDS));
      assertEquals(0, stdout.exitValue(), errors);
      assertEquals(10, count(dumped, "10.9.0.1.5353 > 10.9.0.2.53"), dumped + errors);
      assertTrue(errors.contains("10 frames captured"), errors);

      java.net.http.HttpResponse<String> anonymous =
          java.net.http.HttpClient.newHttpClient()
              .send(
                  java.net.http.HttpRequest.newBuilder(
                          java.net.URI.create("http://" + api + "/v1/capture/1"))
                      .build(),
                  java.net.http.HttpResponse.BodyHandlers.ofString());
      assertEquals(401, anonymous.statusCode(), "packets over TCP only with the token");

      Cli.Result refused = ctl(api, state, "capture", "out", "--filter", "tcp or udp", "-w", "-");
      assertEquals(2, refused.code(), refused.err());
      assertTrue(refused.err().contains("unknown term 'or'"), refused.err());
      assertEquals(0, sw.stop(), sw.output());
      assertTrue(sw.output().contains("mbufs leaked: 0 of"), sw.output());
    }
  }

  private static int count(String text, String what) {
    int n = 0;
    for (int at = text.indexOf(what); at >= 0; at = text.indexOf(what, at + what.length())) {
      n++;
    }
    return n;
  }
}
