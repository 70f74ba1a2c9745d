package io.vswitch.control.config;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The EAL arguments extra-args may carry (the refusals are rows of {@link HostileConfigs}). */
class EalArgsTest {
  static final String ALLOWED =
      "--allow --base-virtaddr --block --create-uio-dev --huge-dir --huge-unlink --iova-mode"
          + " --legacy-mem --log-level --match-allocations --mbuf-pool-ops-name --no-hpet"
          + " --no-shconf --no-telemetry --socket-limit --socket-mem --telemetry --vmware-tsc-map"
          + " -a -b -n -r";

  @Test
  void usefulArgumentsPass() {
    assertDoesNotThrow(
        () ->
            EalArgs.check(
                List.of("--log-level=pmd.net.vhost:debug", "-a", "0000:3b:00.0", "--legacy-mem")));
  }
}
