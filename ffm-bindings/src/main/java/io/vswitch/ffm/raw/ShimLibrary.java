package io.vswitch.ffm.raw;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Finds libvswitch_shim.so: the path in {@code -Dvswitch.shim.path}, else the copy the build put on
 * the class path (extracted to a temporary file when it sits inside a jar, because dlopen needs a
 * file).
 */
public final class ShimLibrary {
  static final String PROPERTY = "vswitch.shim.path";
  static final String RESOURCE = "/native/linux-x86_64/libvswitch_shim.so";

  /** Whether {@link #PATH} is a copy this process extracted from a jar (its own to delete). */
  private static boolean extracted; // before PATH: locate() sets it during PATH's initialiser

  private static final Path PATH = locate();

  private ShimLibrary() {}

  /** The shim's file on disk (gone once {@link #load} has run if it was an extracted copy). */
  public static Path path() {
    return PATH;
  }

  /**
   * Loads the shim into {@code arena} and deletes the extracted copy at once: the loaded mapping
   * outlives the file, and a process killed with SIGKILL runs no {@code deleteOnExit}, so each such
   * kill left a 100 KB file in /tmp (1,466 after a day of test runs on one machine).
   */
  static SymbolLookup load(Arena arena) {
    SymbolLookup lookup = SymbolLookup.libraryLookup(PATH, arena);
    if (extracted) {
      try {
        Files.deleteIfExists(PATH);
      } catch (IOException e) {
        // deleteOnExit still covers a normal exit
      }
    }
    return lookup;
  }

  private static Path locate() {
    String explicit = System.getProperty(PROPERTY);
    if (explicit != null) {
      return Path.of(explicit);
    }
    URL url = ShimLibrary.class.getResource(RESOURCE);
    if (url == null) {
      throw new UnsatisfiedLinkError(
          "libvswitch_shim.so is not on the class path: build with `mvn -pl ffm-bindings"
              + " package` (needs libdpdk-dev) or set -D"
              + PROPERTY);
    }
    try {
      return "file".equals(url.getProtocol()) ? Path.of(url.toURI()) : extract(url);
    } catch (URISyntaxException e) {
      throw new IllegalStateException("bad shim URL " + url, e);
    }
  }

  private static Path extract(URL url) {
    try (InputStream in = url.openStream()) {
      Path file = Files.createTempFile("libvswitch_shim", ".so");
      file.toFile().deleteOnExit();
      Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
      extracted = true;
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot extract the vswitch shim library", e);
    }
  }
}
