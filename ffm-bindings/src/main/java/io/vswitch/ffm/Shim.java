package io.vswitch.ffm;

import io.vswitch.ffm.raw.vswitch_shim_h;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/** Small helpers over the raw shim that every wrapper needs. */
public final class Shim {
  private Shim() {}

  /** DPDK's text for an errno value (either sign). */
  public static String strerror(int errno) {
    return vswitch_shim_h.vs_strerror(errno).getString(0);
  }

  /** Fails fast when the shim on disk was built from another version of vswitch_shim.h. */
  public static void checkApiVersion() {
    int version = vswitch_shim_h.vs_api_version();
    if (version != vswitch_shim_h.VS_SHIM_API_VERSION) {
      throw new IllegalStateException(
          "libvswitch_shim.so has API version "
              + version
              + ", the Java bindings expect "
              + vswitch_shim_h.VS_SHIM_API_VERSION
              + ": rebuild with `mvn package`");
    }
  }

  /** The C string for {@code s}, in {@code arena}. */
  static MemorySegment cString(Arena arena, String s) {
    return arena.allocateFrom(s);
  }
}
