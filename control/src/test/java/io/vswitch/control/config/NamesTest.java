package io.vswitch.control.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** The one name rule, the one way to quote untrusted text, and the one port limit. */
class NamesTest {
  @Test
  void theRule() {
    for (String good : new String[] {"a", "vm-1", "web_in.v2", "A".repeat(32), "..."}) {
      assertTrue(Names.isValid(good), good);
    }
    for (String bad :
        new String[] {"", ".", "..", "a/b", "a b", "a\nb", "é", "a,b", "A".repeat(33), null}) {
      assertFalse(Names.isValid(bad), String.valueOf(bad));
    }
  }

  @Test
  void quotingKeepsAMessageOnOnePrintableLine() {
    assertEquals("'a\\nb\\r\\t\\x1b[31m'", Names.quote("a\nb\r\t\u001b[31m"));
    assertEquals("'it\\'s \\\\ \\u202e\\u2028\\u0085'", Names.quote("it's \\ \u202e\u2028\u0085"));
    assertEquals("'" + "x".repeat(64) + "...'", Names.quote("x".repeat(1000)));
    ConfigException e = new ConfigException("port 'a\nvswitch: running: forged'");
    assertEquals("port 'a\\nvswitch: running: forged'", e.getMessage());
    assertEquals(1003, new ConfigException("y".repeat(5000)).getMessage().length());
  }

  /** The port limit is DPDK's: a 33rd ethdev fails in rte_eth_dev_allocate, after EAL start. */
  @Test
  void portLimitIsWithinDpdksBuild() throws Exception {
    Path header = Path.of("/usr/include/x86_64-linux-gnu/dpdk/rte_build_config.h");
    Assumptions.assumeTrue(Files.exists(header), "no DPDK headers here");
    Matcher m =
        Pattern.compile("#define RTE_MAX_ETHPORTS (\\d+)").matcher(Files.readString(header));
    assertTrue(m.find(), "RTE_MAX_ETHPORTS not in " + header);
    assertTrue(ConfigLimits.MAX_PORTS <= Integer.parseInt(m.group(1)), m.group());
  }
}
