package io.vswitch.control.config;

/**
 * The CPUs this process may use, counted once when the config classes load (at start-up, before EAL
 * pins the main thread and the switch keeps its other threads off the worker cores). {@link
 * Runtime#availableProcessors} asks about the calling thread's affinity, so on the control agent it
 * would see only the housekeeping cores, and a live change would find the worker cores gone.
 */
final class HostCpus {
  static final int COUNT = Runtime.getRuntime().availableProcessors();

  private HostCpus() {}
}
