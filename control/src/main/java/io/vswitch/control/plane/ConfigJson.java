package io.vswitch.control.plane;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.vswitch.control.config.ConfigLoader;
import io.vswitch.control.config.SwitchConfig;

/**
 * The config as JSON, in the same kebab-case keys as the YAML file: for the journal and the API.
 */
public final class ConfigJson {
  public static final ObjectMapper MAPPER =
      new ObjectMapper()
          .setPropertyNamingStrategy(PropertyNamingStrategies.KEBAB_CASE)
          .setDefaultPropertyInclusion(JsonInclude.Include.NON_NULL)
          .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

  private ConfigJson() {}

  public static String write(Object value) {
    try {
      return MAPPER.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write JSON: " + e.getMessage(), e);
    }
  }

  /** Parses a whole config (JSON or YAML) strictly, as a config file is. */
  public static SwitchConfig read(String text, String source) {
    return ConfigLoader.parse(text, source);
  }

  /** Parses one part of a config (a port, a port group). */
  public static <T> T read(String text, Class<T> type, String what) {
    return ConfigLoader.parse(text, type, what);
  }
}
