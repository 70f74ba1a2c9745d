package io.vswitch.control.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each hostile input of {@link HostileConfigs}, read the way a config file is (bytes, then text,
 * then the whole config validated): refused with exactly its one line, quickly (the 20 MB scalar is
 * refused by size before any parser sees it).
 */
class HostileConfigTest {
  static List<HostileConfigs.Case> cases() {
    return HostileConfigs.cases();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void refusedWithOneClearLine(HostileConfigs.Case hostile) {
    ConfigException e =
        assertThrows(
            ConfigException.class,
            () ->
                ConfigValidator.validate(
                    ConfigLoader.parse(ConfigLoader.text(hostile.input(), "in.yaml"), "in.yaml")));
    assertEquals(hostile.expected("in.yaml"), e.getMessage());
  }
}
