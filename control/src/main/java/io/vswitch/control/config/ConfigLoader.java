package io.vswitch.control.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Reads a {@link SwitchConfig} from YAML or JSON (JSON is YAML), strictly: unknown keys fail. */
public final class ConfigLoader {
  private static final ObjectMapper YAML =
      new ObjectMapper(new YAMLFactory())
          .setPropertyNamingStrategy(PropertyNamingStrategies.KEBAB_CASE)
          .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

  private ConfigLoader() {}

  /** The strict YAML/JSON mapper configs are read with. */
  public static ObjectMapper mapper() {
    return YAML;
  }

  public static SwitchConfig load(Path file) {
    try {
      return parse(Files.readString(file), file.toString());
    } catch (NoSuchFileException e) {
      throw new ConfigException("config file " + file + " does not exist");
    } catch (IOException e) {
      throw new ConfigException("cannot read config file " + file + ": " + e.getMessage());
    }
  }

  public static SwitchConfig parse(String text, String source) {
    try {
      SwitchConfig config = YAML.readValue(text, SwitchConfig.class);
      if (config == null) {
        throw new ConfigException(source + " is empty");
      }
      return config;
    } catch (UnrecognizedPropertyException e) {
      throw new ConfigException(
          source
              + ": unknown key '"
              + e.getPropertyName()
              + "' (line "
              + e.getLocation().getLineNr()
              + "); known keys here: "
              + e.getKnownPropertyIds());
    } catch (JsonProcessingException e) {
      String where = e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ")";
      throw new ConfigException(source + where + ": " + e.getOriginalMessage().split("\n")[0]);
    }
  }
}
