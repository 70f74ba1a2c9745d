package io.vswitch.control.api;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

/** Which Host headers name this switch (DNS rebinding defence). */
class HostCheckTest {
  @Test
  void loopbackNamesTheConfiguredAddressAndTheConnectedAddressPass() {
    HostCheck check = new HostCheck("10.1.2.3");
    for (String ok :
        new String[] {
          "localhost",
          "LOCALHOST:6640",
          "127.0.0.1",
          "127.9.9.9:1",
          "[::1]:6640",
          "[::1]",
          "10.1.2.3:6640",
          "10.1.2.3",
          "vswitch.localhost"
        }) {
      assertNull(check.refusal(ok, "10.1.2.3"), ok);
    }
    assertNull(new HostCheck("0.0.0.0").refusal("192.168.7.7:80", "192.168.7.7"));
  }

  @Test
  void otherNamesAndMissingHostsAreRefused() {
    HostCheck check = new HostCheck("127.0.0.1");
    for (String bad :
        new String[] {
          "evil.example", "evil.example:6640", "127.0.0.1.evil.example", "localhost.evil.example",
          "10.1.2.3", "[::2]", "", "127.0.0.1 :80x"
        }) {
      assertNotNull(check.refusal(bad, "127.0.0.1"), bad);
    }
    assertNotNull(check.refusal(null, "127.0.0.1"));
  }
}
